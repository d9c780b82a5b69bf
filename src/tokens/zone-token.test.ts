import { describe, expect, it } from 'vitest';
import { isMeshworkError } from '../core/errors.ts';
import { registry } from '../resources/all.ts';
import { MemoryStore } from '../store/memory-store.ts';
import { toZone } from '../kds/directions.ts';
import { scopeAllowsZoneCp, ZONE_TOKEN_SIGNING_KEY, ZONE_TOKEN_SIGNING_PUBLIC_KEY, ZoneTokens } from './zone-token.ts';
import { ZoneIngressTokens } from './zone-ingress-token.ts';

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

  it("accepts Kuma's scopes: a zone CP with cp or ingress+egress, a zone ingress with ingress (checked by the zone with global's public key)", async () => {
    expect(scopeAllowsZoneCp(['cp'])).toBe(true);
    expect(scopeAllowsZoneCp(['ingress', 'egress'])).toBe(true); // kumactl generate zone-token's default
    expect(scopeAllowsZoneCp(['ingress'])).toBe(false);
    expect(scopeAllowsZoneCp([])).toBe(false);

    const global = new MemoryStore({ registry, maxResourceBytes: 1 << 20 });
    const tokens = new ZoneTokens(global);
    const ingressToken = await tokens.issue('zone-1', 60_000, ['ingress']);
    // What KDS gives the zone: the public key under Kuma's name, never the signing key.
    const signing = await global.get({ type: 'GlobalSecret', name: ZONE_TOKEN_SIGNING_KEY });
    const sent = toZone(registry.get('GlobalSecret'), signing, 'zone-1', new Set(['zone-1']))!;
    expect(sent.meta.name).toBe(ZONE_TOKEN_SIGNING_PUBLIC_KEY);
    expect(Buffer.from((sent.spec as { data: string }).data, 'base64').toString()).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const zone = new MemoryStore({ registry, maxResourceBytes: 1 << 20 });
    await zone.create({ type: 'GlobalSecret', name: sent.meta.name, labels: sent.meta.labels, spec: sent.spec });

    const ingress = new ZoneIngressTokens(zone, 'zone-1');
    await expect(ingress.verify(ingressToken)).resolves.toBeUndefined();
    await expect(ingress.verify(await ingress.issue(60_000))).resolves.toBeUndefined();
    await expect(new ZoneIngressTokens(zone, 'zone-2').verify(ingressToken)).rejects.toThrow(/issued for zone "zone-1", not "zone-2"/);
    await expect(ingress.verify(await tokens.issue('zone-1', 60_000, ['egress']))).rejects.toThrow(/no "ingress" scope/);
  });
});
