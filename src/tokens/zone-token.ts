import { MeshworkError } from '../core/errors.ts';
import type { ResourceStore } from '../store/store.ts';
import { signToken, verifyToken, verifyTokenWithPublicKey } from './signing-key.ts';

// Zone tokens, as in Kuma: RS256 JWTs signed by global's zone-token signing key (a global
// secret that never leaves global), with the zone name and scope as claims. A zone must
// present a token for its own name.

export const ZONE_TOKEN_SIGNING_KEY = 'zone-token-signing-key-1';
const KEY = { type: 'GlobalSecret', name: ZONE_TOKEN_SIGNING_KEY } as const;
/** What zones get of global's signing key (Kuma's name): its public half, to verify zone proxies' tokens. */
export const ZONE_TOKEN_SIGNING_PUBLIC_KEY = 'zone-token-signing-public-key-1';

/**
 * May a zone control plane connect with a token of this scope? `cp` (Meshwork's), or Kuma
 * 2.x's full scope (`ingress` and `egress`, what `kumactl generate zone-token` issues: Kuma
 * has no cp scope). A token narrowed to ingress or egress is for zone proxies only.
 */
export function scopeAllowsZoneCp(scope: readonly string[]): boolean {
  return scope.includes('cp') || (scope.includes('ingress') && scope.includes('egress'));
}

/** A zone token checked by a zone (with global's public key): for zone proxies of this zone and scope. */
export async function verifyZoneTokenAtZone(store: ResourceStore, token: string, zone: string, scope: 'ingress' | 'egress'): Promise<void> {
  const payload = await verifyTokenWithPublicKey(store, { type: 'GlobalSecret', name: ZONE_TOKEN_SIGNING_PUBLIC_KEY }, token, 'zone token');
  if (payload.Zone !== zone) throw new MeshworkError('UNAUTHENTICATED', `the zone token was issued for zone "${String(payload.Zone)}", not "${zone}"`);
  if (!Array.isArray(payload.Scope) || !payload.Scope.includes(scope)) throw new MeshworkError('UNAUTHENTICATED', `the zone token has no "${scope}" scope`);
}

export interface ZoneTokenClaims {
  zone: string;
  scope: string[];
  expiresAt: Date;
}

export class ZoneTokens {
  readonly #store: ResourceStore;

  constructor(store: ResourceStore) {
    this.#store = store;
  }

  issue(zone: string, validForMs: number, scope: string[] = ['cp']): Promise<string> {
    return signToken(this.#store, KEY, { Zone: zone, Scope: scope }, validForMs);
  }

  async verify(token: string): Promise<ZoneTokenClaims> {
    const payload = await verifyToken(this.#store, KEY, token, 'zone token');
    if (typeof payload.Zone !== 'string' || !payload.Zone) throw new MeshworkError('UNAUTHENTICATED', 'invalid zone token: it has no Zone claim');
    return { zone: payload.Zone, scope: Array.isArray(payload.Scope) ? (payload.Scope as string[]) : [], expiresAt: new Date((payload.exp ?? 0) * 1000) };
  }
}
