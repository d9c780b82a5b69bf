import { randomUUID, type KeyObject } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { MeshworkError } from '../core/errors.ts';
import type { ResourceStore } from '../store/store.ts';
import { ensureSigningKey } from './signing-key.ts';

// Zone tokens, as in Kuma: RS256 JWTs signed by global's zone-token signing key (a global
// secret that never leaves global), with the zone name and scope as claims. A zone must
// present a token for its own name.

export const ZONE_TOKEN_SIGNING_KEY = 'zone-token-signing-key-1';
const KID = '1';

export interface ZoneTokenClaims {
  zone: string;
  scope: string[];
  expiresAt: Date;
}

export class ZoneTokens {
  readonly #store: ResourceStore;
  #keys: Promise<{ privateKey: KeyObject; publicKey: KeyObject }> | undefined;

  constructor(store: ResourceStore) {
    this.#store = store;
  }

  #signingKey() {
    this.#keys ??= ensureSigningKey(this.#store, ZONE_TOKEN_SIGNING_KEY).catch((err: unknown) => {
      this.#keys = undefined;
      throw err;
    });
    return this.#keys;
  }

  async issue(zone: string, validForMs: number, scope: string[] = ['cp']): Promise<string> {
    const { privateKey } = await this.#signingKey();
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ Zone: zone, Scope: scope })
      .setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'JWT' })
      .setIssuedAt(now)
      .setExpirationTime(now + Math.floor(validForMs / 1000))
      .setJti(randomUUID())
      .sign(privateKey);
  }

  /** Verifies signature and expiry; throws UNAUTHENTICATED with the reason. */
  async verify(token: string): Promise<ZoneTokenClaims> {
    const { publicKey } = await this.#signingKey();
    try {
      const { payload } = await jwtVerify(token, publicKey, { algorithms: ['RS256'] });
      if (typeof payload.Zone !== 'string' || !payload.Zone) throw new Error('the token has no Zone claim');
      return { zone: payload.Zone, scope: Array.isArray(payload.Scope) ? (payload.Scope as string[]) : [], expiresAt: new Date((payload.exp ?? 0) * 1000) };
    } catch (err) {
      throw new MeshworkError('UNAUTHENTICATED', `invalid zone token: ${(err as Error).message}`, { cause: err });
    }
  }
}
