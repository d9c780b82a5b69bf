import { describe, expect, it } from 'vitest';
import { isMeshworkError } from '../core/errors.ts';
import { registry } from '../resources/all.ts';
import { MemoryStore } from '../store/memory-store.ts';
import { ZONE_TOKEN_SIGNING_KEY, ZoneTokens } from './zone-token.ts';

describe('ZoneTokens', () => {
  it('issues tokens that verify, keeping the signing key in a global secret', async () => {
    const store = new MemoryStore({ registry, maxResourceBytes: 1 << 20 });
    const tokens = new ZoneTokens(store);
    const token = await tokens.issue('zone-1', 3_600_000);
    const claims = await tokens.verify(token);
    expect(claims.zone).toBe('zone-1');
    expect(claims.scope).toEqual(['cp']);
    expect(claims.expiresAt.getTime()).toBeGreaterThan(Date.now() + 3_500_000);
    // Another instance on the same store (a restarted global) verifies it too.
    expect((await new ZoneTokens(store).verify(token)).zone).toBe('zone-1');
    expect((await store.get({ type: 'GlobalSecret', name: ZONE_TOKEN_SIGNING_KEY })).name).toBe(ZONE_TOKEN_SIGNING_KEY);
  });

  it('refuses expired, tampered and foreign tokens', async () => {
    const store = new MemoryStore({ registry, maxResourceBytes: 1 << 20 });
    const tokens = new ZoneTokens(store);
    const expired = await tokens.issue('zone-1', -60_000);
    const reject = async (t: string) => {
      const err = await tokens.verify(t).then(() => undefined, (e: unknown) => e);
      expect(isMeshworkError(err, 'UNAUTHENTICATED')).toBe(true);
      return (err as Error).message;
    };
    expect(await reject(expired)).toMatch(/exp/);
    const good = await tokens.issue('zone-1', 60_000);
    const [h, p, s] = good.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), Zone: 'zone-2' })).toString('base64url');
    await reject(`${h}.${forged}.${s}`);
    const other = new ZoneTokens(new MemoryStore({ registry, maxResourceBytes: 1 << 20 }));
    await reject(await other.issue('zone-1', 60_000));
    await reject('not-a-jwt');
  });
});
