import { describe, expect, it } from 'vitest';
import { isMeshworkError, type ErrorCode } from '../core/errors.ts';
import { registry } from '../resources/all.ts';
import { MemoryStore } from '../store/memory-store.ts';
import { dataplaneTagSet } from '../resources/types/dataplane.ts';
import { DATAPLANE_TOKEN_SIGNING_KEY, DataplaneTokens } from './dataplane-token.ts';

async function code(p: Promise<unknown>): Promise<ErrorCode | 'ok'> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (isMeshworkError(err)) return err.code;
    throw err;
  }
}

describe('DataplaneTokens', () => {
  it('fits only the mesh, name and proxy type it was issued for', async () => {
    const store = new MemoryStore({ registry, maxResourceBytes: 1 << 20 });
    for (const m of ['default', 'other']) await store.create({ type: 'Mesh', name: m, labels: {}, spec: {} });
    const tokens = new DataplaneTokens(store);
    const named = await tokens.issue({ mesh: 'default', name: 'web-1' }, 60_000);
    const anyName = await tokens.issue({ mesh: 'default' }, 60_000);
    expect(await code(tokens.verify(named, { mesh: 'default', name: 'web-1', type: 'dataplane' }))).toBe('ok');
    expect(await code(tokens.verify(anyName, { mesh: 'default', name: 'whatever', type: 'dataplane' }))).toBe('ok');
    expect(await code(tokens.verify(named, { mesh: 'default', name: 'web-2', type: 'dataplane' }))).toBe('FORBIDDEN');
    expect(await code(tokens.verify(named, { mesh: 'default', name: 'web-1', type: 'ingress' }))).toBe('FORBIDDEN');
    // Another mesh has its own signing key: the token does not even verify there.
    await tokens.issue({ mesh: 'other' }, 60_000);
    expect(await code(tokens.verify(named, { mesh: 'other', name: 'web-1', type: 'dataplane' }))).toBe('UNAUTHENTICATED');
    expect(await code(tokens.verify(await tokens.issue({ mesh: 'default', name: 'web-1' }, -1000), { mesh: 'default', name: 'web-1', type: 'dataplane' }))).toBe('UNAUTHENTICATED');
    // The signing key is a Secret of the mesh, so KDS carries it to zones.
    expect((await store.get({ type: 'Secret', mesh: 'default', name: DATAPLANE_TOKEN_SIGNING_KEY })).mesh).toBe('default');
  });

  it("fits only dataplanes whose tags it allows, as Kuma's validateTags", async () => {
    const store = new MemoryStore({ registry, maxResourceBytes: 1 << 20 });
    await store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
    const tokens = new DataplaneTokens(store);
    const web = await tokens.issue({ mesh: 'default', tags: { 'kuma.io/service': ['web', 'web-api'] } }, 60_000);
    const dp = (...services: string[]) => dataplaneTagSet({ networking: { address: '10.0.0.1', inbound: services.map((s, i) => ({ port: 8000 + i, tags: { 'kuma.io/service': s, team: 'core' } })) } });
    const verify = (tags: ReturnType<typeof dp>) => tokens.verify(web, { mesh: 'default', name: 'any', type: 'dataplane', tags });
    expect(await code(verify(dp('web')))).toBe('ok');
    expect(await code(verify(dp('web', 'web-api')))).toBe('ok');
    // One inbound outside the token is enough to refuse the whole dataplane.
    await expect(verify(dp('web', 'backend'))).rejects.toThrow('dataplane contains tag "kuma.io/service" with value "backend" which is not allowed with this token. Allowed values in token are ["web","web-api"]');
    await expect(verify(dp('backend'))).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const team = await tokens.issue({ mesh: 'default', tags: { team: ['payments'] } }, 60_000);
    await expect(tokens.verify(team, { mesh: 'default', name: 'any', type: 'dataplane', tags: dp('web') })).rejects.toThrow('dataplane contains tag "team" with value "core"');
    const version = await tokens.issue({ mesh: 'default', tags: { version: ['v1'] } }, 60_000);
    await expect(tokens.verify(version, { mesh: 'default', name: 'any', type: 'dataplane', tags: dp('web') })).rejects.toThrow('dataplane has no tag "version" required by the token');
    // A gateway's tags count too.
    expect(await code(tokens.verify(version, { mesh: 'default', name: 'gw', type: 'dataplane', tags: dataplaneTagSet({ networking: { address: '10.0.0.2', gateway: { tags: { 'kuma.io/service': 'edge', version: 'v1' } } } }) }))).toBe('ok');
  });

  it('a verifier never creates a signing key', async () => {
    const store = new MemoryStore({ registry, maxResourceBytes: 1 << 20 });
    await store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
    expect(await code(new DataplaneTokens(store).verify('x.y.z', { mesh: 'default', name: 'a', type: 'dataplane' }))).toBe('UNAUTHENTICATED');
    expect((await store.list('Secret')).total).toBe(0);
  });
});
