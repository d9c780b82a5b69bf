import { describe, expect, it } from 'vitest';
import { isMeshworkError, type ErrorCode } from '../core/errors.ts';
import { registry } from '../resources/all.ts';
import { MemoryStore } from '../store/memory-store.ts';
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

  it('a verifier never creates a signing key', async () => {
    const store = new MemoryStore({ registry, maxResourceBytes: 1 << 20 });
    await store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
    expect(await code(new DataplaneTokens(store).verify('x.y.z', { mesh: 'default', name: 'a', type: 'dataplane' }))).toBe('UNAUTHENTICATED');
    expect((await store.list('Secret')).total).toBe(0);
  });
});
