import { describe, expect, it, vi } from 'vitest';
import { testApiPerTest } from '../../test/helpers/api.ts';
import { registry } from '../resources/all.ts';
import { MemoryStore } from '../store/memory-store.ts';
import { UserTokens } from '../tokens/user-token.ts';

// Kuma's user tokens: POST /tokens/user as `kumactl generate user-token` sends it; members of
// mesh-system:admin are admins, other users read only.

const setup = testApiPerTest();

async function api() {
  const store = new MemoryStore({ registry, maxResourceBytes: 1024 * 1024 });
  const built = await setup({ localhostIsAdmin: false, store, deps: { userTokens: new UserTokens(store) } });
  const admin = { authorization: `Bearer ${built.token}` };
  const issue = async (body: object) => built.app.inject({ method: 'POST', url: '/tokens/user', headers: admin, payload: body });
  return { ...built, admin, issue };
}

describe('user tokens', () => {
  it('issues tokens to admins; a member of mesh-system:admin writes, another user only reads', async () => {
    const { app, issue } = await api();
    const john = await issue({ name: 'john', groups: ['team-a'], validFor: '24h' });
    expect(john.statusCode).toBe(200);
    expect(john.headers['content-type']).toMatch(/^text\/plain/);
    const asJohn = { authorization: `Bearer ${john.body}` };
    expect((await app.inject({ method: 'GET', url: '/meshes', headers: asJohn })).statusCode).toBe(200);
    const write = await app.inject({ method: 'PUT', url: '/meshes/m1', headers: asJohn, payload: { type: 'Mesh', name: 'm1' } });
    expect(write.statusCode).toBe(403);
    expect(write.json().detail).toContain('user "john" is not in group mesh-system:admin');
    expect((await app.inject({ method: 'GET', url: '/global-secrets/admin-user-token', headers: asJohn })).statusCode).toBe(403);
    // John cannot issue tokens either.
    expect((await app.inject({ method: 'POST', url: '/tokens/user', headers: asJohn, payload: { name: 'eve', groups: ['mesh-system:admin'], validFor: '1h' } })).statusCode).toBe(403);

    const ops = await issue({ name: 'ops', groups: ['mesh-system:admin'], validFor: '1h' });
    expect((await app.inject({ method: 'PUT', url: '/meshes/m1', headers: { authorization: `Bearer ${ops.body}` }, payload: { type: 'Mesh', name: 'm1' } })).statusCode).toBe(201);
  });

  it('refuses tokens that are forged or expired, and anonymous requests for tokens', async () => {
    const { app, issue } = await api();
    const token = (await issue({ name: 'john', groups: [], validFor: '1s' })).body;
    const [h, p, s] = token.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ Name: 'john', Groups: ['mesh-system:admin'], exp: 9999999999 })).toString('base64url')}.${s}`;
    expect(p).not.toBe(forged.split('.')[1]);
    expect((await app.inject({ method: 'GET', url: '/meshes', headers: { authorization: `Bearer ${forged}` } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/tokens/user', payload: { name: 'x', validFor: '1h' } })).statusCode).toBe(403);
    // A token past its expiry is refused: the clock moved past it, not waited for.
    const expired = (await issue({ name: 'late', groups: [], validFor: '1s' })).body;
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 60_000);
      expect((await app.inject({ method: 'GET', url: '/meshes', headers: { authorization: `Bearer ${expired}` } })).statusCode).toBe(401);
    } finally {
      vi.useRealTimers();
    }
  });

  it('checks requests as Kuma does, naming the fields', async () => {
    const { issue } = await api();
    const fields = async (body: object) => (await issue(body)).json().invalid_parameters;
    expect(await fields({ groups: [], validFor: '1h' })).toEqual([{ field: 'name', reason: 'cannot be empty' }]);
    expect(await fields({ name: 'a', groups: [] })).toEqual([{ field: 'validFor', reason: 'cannot be empty' }]);
    expect(await fields({ name: 'a', validFor: '0s' })).toEqual([{ field: 'validFor', reason: 'cannot be empty or nil' }]);
    expect((await fields({ name: 'a', validFor: 'soon' }))[0]).toMatchObject({ field: 'validFor', reason: expect.stringMatching(/^is invalid: /) });
  });
});
