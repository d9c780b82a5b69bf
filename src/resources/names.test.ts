import { describe, expect, it } from 'vitest';
import { testApiPerTest } from '../../test/helpers/api.ts';

// Kuma's ValidateMeta: names of new resources are lowercase RFC 1123 subdomains.

const setup = testApiPerTest();
const timeout = (name: string) => ({ type: 'MeshTimeout', mesh: 'default', name, spec: { to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '1s' } }] } });

describe('resource names', () => {
  it('refuses new names with an underscore, two dots in a row or capitals, naming the field', async () => {
    const { app } = await setup();
    await app.inject({ method: 'PUT', url: '/meshes/default', payload: { type: 'Mesh', name: 'default' } });
    for (const name of ['under_score', 'two..dots', 'Capital']) {
      const res = await app.inject({ method: 'PUT', url: `/meshes/default/meshtimeouts/${name}`, payload: timeout(name) });
      expect(res.statusCode, name).toBe(400);
      expect(res.json().invalid_parameters, name).toEqual([{ field: 'name', reason: expect.stringContaining('lowercase RFC 1123 subdomain') }]);
    }
    expect((await app.inject({ method: 'PUT', url: '/meshes/default/meshtimeouts/a.b-c', payload: timeout('a.b-c') })).statusCode).toBe(201);
  });

  it('keeps a resource stored under an older name updatable', async () => {
    const { app, store } = await setup();
    await app.inject({ method: 'PUT', url: '/meshes/default', payload: { type: 'Mesh', name: 'default' } });
    await store.create({ type: 'MeshTimeout', mesh: 'default', name: 'legacy_name', labels: {}, spec: timeout('legacy_name').spec });
    expect((await app.inject({ method: 'PUT', url: '/meshes/default/meshtimeouts/legacy_name', payload: timeout('legacy_name') })).statusCode).toBe(200);
  });
});
