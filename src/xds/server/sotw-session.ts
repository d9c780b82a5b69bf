import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from '../../core/logger.ts';
import type { XdsKind } from '../envoy/protos.ts';
import { typeUrl } from '../envoy/protos.ts';
import type { XdsSnapshot } from '../cache/snapshot.ts';

// State-of-the-world ADS for one proxy stream (Envoy's default, and what gRPC's xDS client
// speaks). Rules (see shared/notes/proxyless-grpc.md):
//  - LDS and CDS responses carry every resource of the type; EDS, RDS and SDS carry the
//    subscribed names.
//  - A request that subscribes a type, or changes its names, is always answered, even when
//    the version did not change; a reconnecting peer gets an answer to every first request.
//  - A NACKed version is not sent again; the next different version is.
//  - Snapshot changes are pushed in dependency order: CDS, EDS, LDS, RDS, SDS.
//  - Warming: a cluster (listener) Envoy receives new or changed is not used until it gets
//    its ClusterLoadAssignment (route configuration), and Envoy asks for it again
//    with the names and version it already has. So after a CDS (LDS) response, the next
//    request of each type it depends on is answered, changed or not: otherwise the cluster
//    waits for Envoy's initial fetch timeout (15 s) on every change.

export interface DiscoveryRequest {
  version_info?: string;
  node?: { id?: string; cluster?: string } | null;
  resource_names?: string[];
  type_url: string;
  response_nonce?: string;
  error_detail?: { code: number; message: string } | null;
}

export interface DiscoveryResponse {
  version_info: string;
  resources: { readonly type_url: string; readonly value: Buffer }[];
  type_url: string;
  nonce: string;
}

export const PUSH_ORDER: readonly XdsKind[] = ['cluster', 'endpoint', 'listener', 'route', 'secret'];
const KIND_BY_URL = new Map(PUSH_ORDER.map((k) => [typeUrl(k), k]));
const WILDCARD_KINDS = new Set<XdsKind>(['cluster', 'listener']);
/** What a warming resource of each kind waits for. */
const WARMING_NEEDS: Partial<Record<XdsKind, readonly XdsKind[]>> = { cluster: ['endpoint'], listener: ['route'] };

interface TypeState {
  names: string[] | '*';
  sentVersion?: string;
  nonce?: string;
  nackedVersion?: string;
  /** A resource depending on this type was sent since this type's last response: answer its next request. */
  warming?: boolean;
}

export interface SotwEvents {
  sent?(kind: XdsKind, version: string): void;
  acked?(kind: XdsKind, version: string): void;
  nacked?(kind: XdsKind, version: string, message: string): void;
}

export class SotwSession {
  readonly #send: (r: DiscoveryResponse) => void;
  readonly #logger: Logger;
  readonly #events: SotwEvents;
  readonly #types = new Map<XdsKind, TypeState>();
  #snapshot: XdsSnapshot | undefined;

  constructor(options: { send: (r: DiscoveryResponse) => void; logger: Logger; events?: SotwEvents }) {
    this.#send = options.send;
    this.#logger = options.logger;
    this.#events = options.events ?? {};
  }

  handleRequest(req: DiscoveryRequest): void {
    const kind = KIND_BY_URL.get(req.type_url);
    if (!kind) {
      this.#logger.warn({ typeUrl: req.type_url }, 'request for an unsupported type; ignored');
      return;
    }
    const names = (req.resource_names ?? []).length === 0 && WILDCARD_KINDS.has(kind) ? '*' : [...(req.resource_names ?? [])].sort();
    let state = this.#types.get(kind);
    const first = !state;
    if (!state) this.#types.set(kind, (state = { names }));
    if (req.response_nonce) {
      if (req.response_nonce !== state.nonce) return; // an answer to an older response
      if (req.error_detail && (req.error_detail.message || req.error_detail.code)) {
        state.nackedVersion = state.sentVersion;
        this.#logger.warn({ kind, version: state.sentVersion, error: req.error_detail.message }, 'proxy rejected configuration (NACK)');
        this.#events.nacked?.(kind, state.sentVersion ?? '', req.error_detail.message);
      } else {
        this.#events.acked?.(kind, state.sentVersion ?? '');
      }
    }
    const changedNames = JSON.stringify(names) !== JSON.stringify(state.names);
    state.names = names;
    if (first || changedNames || !req.response_nonce || state.warming) this.#respond(kind, true);
  }

  setSnapshot(snapshot: XdsSnapshot): void {
    this.#snapshot = snapshot;
    for (const kind of PUSH_ORDER) if (this.#types.has(kind)) this.#respond(kind, false);
  }

  #respond(kind: XdsKind, force: boolean): void {
    const snapshot = this.#snapshot;
    const state = this.#types.get(kind)!;
    if (!snapshot) return;
    const all = snapshot.resources[kind];
    const selected = state.names === '*' ? [...all.values()] : state.names.flatMap((n) => (all.has(n) ? [all.get(n)!] : []));
    const h = createHash('sha256').update(kind);
    for (const r of selected) h.update(`${r.name}@${r.version};`);
    const version = h.digest('hex').slice(0, 16);
    if (!force && (version === state.sentVersion || version === state.nackedVersion)) return;
    const nonce = randomUUID();
    state.sentVersion = version;
    state.nonce = nonce;
    state.warming = false;
    this.#send({ version_info: version, type_url: typeUrl(kind), nonce, resources: selected.map((r) => r.resource) });
    this.#events.sent?.(kind, version);
    for (const needed of WARMING_NEEDS[kind] ?? []) {
      const dependent = this.#types.get(needed);
      if (dependent) dependent.warming = true;
    }
  }
}
