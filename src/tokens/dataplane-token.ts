import { MeshworkError } from '../core/errors.ts';
import type { ResourceStore } from '../store/store.ts';
import { signToken, verifyToken } from './signing-key.ts';

// Dataplane tokens, as in Kuma: RS256 JWTs signed with the mesh's signing key (the Secret
// `dataplane-token-signing-key-1` of the mesh, synced to zones), with claims Name, Mesh,
// Tags and Type. A proxy must present a token of its mesh; a token with a Name only fits
// the dataplane of that name; a token with Tags only fits dataplanes whose tags (all
// inbounds and the gateway) have every tag of the token, each value among those allowed
// (Kuma's validateTags): a token for `kuma.io/service: [web]` never gets backend's identity.

export const DATAPLANE_TOKEN_SIGNING_KEY = 'dataplane-token-signing-key-1';
const keyOf = (mesh: string) => ({ type: 'Secret', mesh, name: DATAPLANE_TOKEN_SIGNING_KEY }) as const;

export interface DataplaneTokenClaims {
  name?: string;
  mesh: string;
  tags: Record<string, string[]>;
  type: string;
}

export class DataplaneTokens {
  readonly #store: ResourceStore;

  constructor(store: ResourceStore) {
    this.#store = store;
  }

  /** `workload` is recorded as Kuma records it (Kuma 2.14 binds identities to it; Meshwork has no workloads yet). */
  issue(claims: { mesh: string; name?: string; tags?: Record<string, string[]>; type?: string; workload?: string }, validForMs: number): Promise<string> {
    return signToken(this.#store, keyOf(claims.mesh), { Name: claims.name ?? '', Mesh: claims.mesh, Tags: claims.tags ?? {}, Type: claims.type ?? 'dataplane', ...(claims.workload ? { Workload: claims.workload } : {}) }, validForMs);
  }

  /**
   * Checks a proxy's token against its mesh, name and type and, when given, the tags of its
   * Dataplane; throws UNAUTHENTICATED or FORBIDDEN.
   */
  async verify(token: string, proxy: { mesh: string; name: string; type: string; tags?: ReadonlyMap<string, ReadonlySet<string>> }): Promise<DataplaneTokenClaims> {
    const payload = await verifyToken(this.#store, keyOf(proxy.mesh), token, 'dataplane token');
    const claims: DataplaneTokenClaims = {
      mesh: String(payload.Mesh ?? ''),
      type: String(payload.Type || 'dataplane'),
      tags: (payload.Tags as Record<string, string[]> | undefined) ?? {},
      ...(payload.Name ? { name: String(payload.Name) } : {}),
    };
    if (claims.mesh !== proxy.mesh) throw new MeshworkError('FORBIDDEN', `the dataplane token is for mesh "${claims.mesh}", not "${proxy.mesh}"`);
    if (claims.name && claims.name !== proxy.name) throw new MeshworkError('FORBIDDEN', `the dataplane token is for dataplane "${claims.name}", not "${proxy.name}"`);
    if (claims.type !== proxy.type) throw new MeshworkError('FORBIDDEN', `the dataplane token is for proxies of type "${claims.type}", not "${proxy.type}"`);
    if (proxy.tags) checkTags(claims.tags, proxy.tags);
    return claims;
  }
}

/** Kuma's validateTags: every tag of the token is on the dataplane, with allowed values only. */
export function checkTags(allowed: Record<string, string[]>, tags: ReadonlyMap<string, ReadonlySet<string>>): void {
  for (const [tag, values] of Object.entries(allowed)) {
    const has = tags.get(tag);
    if (!has) throw new MeshworkError('FORBIDDEN', `dataplane has no tag "${tag}" required by the token`);
    for (const value of has) {
      if (!values.includes(value)) throw new MeshworkError('FORBIDDEN', `dataplane contains tag "${tag}" with value "${value}" which is not allowed with this token. Allowed values in token are ${JSON.stringify(values)}`);
    }
  }
}
