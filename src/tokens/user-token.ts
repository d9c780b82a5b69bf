import { MeshworkError } from '../core/errors.ts';
import type { ResourceStore } from '../store/store.ts';
import { signToken, verifyToken } from './signing-key.ts';

// User tokens, as in Kuma (`kumactl generate user-token`): RS256 JWTs signed by the control
// plane's user-token signing key (a global secret that never leaves the control plane that
// issues them), with the user's name and groups as claims. A member of mesh-system:admin is an
// admin; any other user may read what anonymous users may, and write nothing. Revocation
// (Kuma's user-token-revocations secret) is not implemented: tokens live until they expire.

export const USER_TOKEN_SIGNING_KEY = 'user-token-signing-key-1';
const KEY = { type: 'GlobalSecret', name: USER_TOKEN_SIGNING_KEY } as const;
export const ADMIN_GROUP = 'mesh-system:admin';

export interface User {
  name: string;
  groups: string[];
}

/** Whether a bearer token has the shape of a JWT (user tokens), as opposed to the opaque admin token. */
export const looksLikeJwt = (token: string) => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);

export class UserTokens {
  readonly #store: ResourceStore;

  constructor(store: ResourceStore) {
    this.#store = store;
  }

  issue(user: User, validForMs: number): Promise<string> {
    return signToken(this.#store, KEY, { Name: user.name, Groups: user.groups }, validForMs);
  }

  async verify(token: string): Promise<User> {
    const payload = await verifyToken(this.#store, KEY, token, 'user token');
    if (typeof payload.Name !== 'string' || !payload.Name) throw new MeshworkError('UNAUTHENTICATED', 'invalid user token: it has no Name claim');
    const groups = Array.isArray(payload.Groups) ? payload.Groups.filter((g): g is string => typeof g === 'string') : [];
    return { name: payload.Name, groups };
  }
}
