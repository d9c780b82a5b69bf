import { MeshworkError } from '../core/errors.ts';
import type { ResourceStore } from '../store/store.ts';
import { signToken, verifyToken } from './signing-key.ts';

// Zone tokens, as in Kuma: RS256 JWTs signed by global's zone-token signing key (a global
// secret that never leaves global), with the zone name and scope as claims. A zone must
// present a token for its own name.

export const ZONE_TOKEN_SIGNING_KEY = 'zone-token-signing-key-1';
const KEY = { type: 'GlobalSecret', name: ZONE_TOKEN_SIGNING_KEY } as const;

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
