import type { ResourceStore } from '../store/store.ts';
import { MeshworkError } from '../core/errors.ts';
import { signToken, verifyToken } from './signing-key.ts';
import { verifyZoneTokenAtZone } from './zone-token.ts';

// Zone ingress tokens: issued and checked by the zone control plane itself, with a signing
// key of its own (a GlobalSecret of the zone store, never synced). `meshctl generate
// zone-ingress-token` against the zone's API. Kuma's zone tokens are accepted too: issued by
// global (`kumactl generate zone-token --scope ingress`) for this zone, with the ingress scope.

export const ZONE_INGRESS_TOKEN_SIGNING_KEY = 'zone-ingress-token-signing-key-1';
const KEY = { type: 'GlobalSecret', name: ZONE_INGRESS_TOKEN_SIGNING_KEY } as const;

export class ZoneIngressTokens {
  readonly #store: ResourceStore;
  readonly #zone: string;

  constructor(store: ResourceStore, zone: string) {
    this.#store = store;
    this.#zone = zone;
  }

  issue(validForMs: number): Promise<string> {
    return signToken(this.#store, KEY, { Zone: this.#zone, Type: 'ingress' }, validForMs);
  }

  async verify(token: string): Promise<void> {
    try {
      await verifyToken(this.#store, KEY, token, 'zone ingress token');
    } catch (own) {
      try {
        await verifyZoneTokenAtZone(this.#store, token, this.#zone, 'ingress');
      } catch (zoneToken) {
        throw new MeshworkError('UNAUTHENTICATED', `${(own as Error).message}; as a zone token: ${(zoneToken as Error).message}`);
      }
    }
  }
}
