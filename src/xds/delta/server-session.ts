import { randomUUID } from 'node:crypto';
import type { Logger } from '../../core/logger.ts';
import { wireSize, type DeltaDiscoveryRequest, type DeltaDiscoveryResponse, type DeltaResource } from './messages.ts';

// The serving side of one delta-xDS stream (global→zone KDS at global, zone→global KDS in
// the zone, later Envoy's delta ADS). Transport-agnostic: it reads requests and emits
// responses through `send`. Contract:
//  - A type is served once the peer subscribes to it; the peer's initial_resource_versions
//    say what it already holds, so a reconnect sends only the difference, and removes only
//    names the peer holds that the snapshot no longer has (never a blanket delete).
//  - Subscriptions are wildcard (no names, or "*": every resource of the type) or by name;
//    later requests add and remove names. A name subscribed again is sent again even if
//    unchanged.
//  - `resendWith`: a resource sent of type T is followed by the resource of the same name of
//    type resendWith[T], changed or not. Envoy warms a new or changed cluster until it gets
//    its ClusterLoadAssignment and, in delta xDS, does not ask for it again (nor ACK the
//    clusters) until then: without this, every cluster change waits 15 s for Envoy's
//    initial fetch timeout.
//  - Every snapshot change is pushed as the diff against what the peer was last sent.
//    A NACKed version is not resent until the resource changes (the peer keeps its last
//    good copy); NACKs are reported through events.
//  - Responses never exceed maxMessageBytes: a large diff goes out in several chunks, each
//    with its own nonce. A single resource above the limit is skipped and reported.

export interface Snapshot {
  /** The resources of a type for this peer (name → resource), undefined if none. */
  resources(typeUrl: string): ReadonlyMap<string, DeltaResource> | undefined;
}

export interface SessionEvents {
  sent?(typeUrl: string, resources: number, removed: number): void;
  acked?(typeUrl: string): void;
  nacked?(typeUrl: string, message: string): void;
  oversized?(typeUrl: string, name: string, bytes: number): void;
}

export interface ServerSessionOptions {
  send(response: DeltaDiscoveryResponse): void;
  maxMessageBytes: number;
  logger: Logger;
  events?: SessionEvents;
  resendWith?: Readonly<Record<string, string>>;
}

const RESPONSE_OVERHEAD = 256;

export class DeltaServerSession {
  readonly #opts: ServerSessionOptions;
  /** type → name → version the peer was last sent (or reported holding). */
  readonly #known = new Map<string, Map<string, string>>();
  /** type → the names the peer subscribed to, or '*'. */
  readonly #subscribed = new Map<string, Set<string> | '*'>();
  /** nonce → type, for responses not yet ACKed or NACKed. */
  readonly #pending = new Map<string, string>();
  #snapshot: Snapshot | undefined;

  constructor(options: ServerSessionOptions) {
    this.#opts = options;
  }

  get subscribedTypes(): string[] {
    return [...this.#known.keys()];
  }

  /** Responses sent and not answered yet. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  setSnapshot(snapshot: Snapshot): void {
    this.#snapshot = snapshot;
    for (const type of this.#known.keys()) this.#push(type, false);
  }

  /** After resources of `type` went out: their namesakes of the dependent type go too. */
  #resendDependents(type: string, names: readonly string[]): void {
    const dependent = this.#opts.resendWith?.[type];
    const known = dependent ? this.#known.get(dependent) : undefined;
    if (!dependent || !known || names.length === 0) return;
    for (const name of names) known.delete(name);
    this.#push(dependent, false);
  }

  handleRequest(req: DeltaDiscoveryRequest): void {
    const type = req.type_url;
    if (req.response_nonce) {
      const pendingType = this.#pending.get(req.response_nonce);
      if (pendingType !== undefined) {
        this.#pending.delete(req.response_nonce);
        const detail = req.error_detail;
        if (detail && (detail.code !== 0 || detail.message)) {
          this.#opts.logger.warn({ typeUrl: pendingType, nonce: req.response_nonce, error: detail.message }, 'peer rejected a response (NACK)');
          this.#opts.events?.nacked?.(pendingType, detail.message);
        } else {
          this.#opts.events?.acked?.(pendingType);
        }
      }
    }
    const subscribe = req.resource_names_subscribe ?? [];
    const unsubscribe = req.resource_names_unsubscribe ?? [];
    if (!this.#known.has(type)) {
      // First request of a type on this stream: a subscription, with what the peer holds.
      this.#known.set(type, new Map(Object.entries(req.initial_resource_versions ?? {})));
      this.#subscribed.set(type, subscribe.length === 0 || subscribe.includes('*') ? '*' : new Set(subscribe));
      this.#push(type, true);
      return;
    }
    if (subscribe.length === 0 && unsubscribe.length === 0) return;
    const known = this.#known.get(type)!;
    let subscribed = this.#subscribed.get(type)!;
    for (const name of unsubscribe) {
      if (name === '*') subscribed = new Set();
      else if (subscribed !== '*') subscribed.delete(name);
      known.delete(name);
    }
    for (const name of subscribe) {
      if (name === '*') subscribed = '*';
      else {
        if (subscribed !== '*') subscribed.add(name);
        known.delete(name);
      }
    }
    this.#subscribed.set(type, subscribed);
    this.#push(type, subscribe.length > 0);
  }

  #push(type: string, initial: boolean): void {
    if (!this.#snapshot) return;
    const known = this.#known.get(type)!;
    const subscribed = this.#subscribed.get(type)!;
    const all = this.#snapshot.resources(type) ?? new Map<string, DeltaResource>();
    const wanted = (name: string) => subscribed === '*' || subscribed.has(name);
    const changed: DeltaResource[] = [];
    for (const [name, r] of all) if (wanted(name) && known.get(name) !== r.version) changed.push(r);
    const removed: string[] = [];
    for (const name of known.keys()) if (!all.has(name) || !wanted(name)) removed.push(name);
    // On subscription, answer even when nothing differs: the peer learns it is in sync.
    if (changed.length === 0 && removed.length === 0 && !initial) return;

    const limit = this.#opts.maxMessageBytes - RESPONSE_OVERHEAD;
    const chunks: { resources: DeltaResource[]; removed: string[] }[] = [];
    let chunk: DeltaResource[] = [];
    let size = 0;
    for (const r of changed) {
      const bytes = wireSize(r);
      if (bytes > limit) {
        this.#opts.logger.error({ typeUrl: type, name: r.name, bytes, limit: this.#opts.maxMessageBytes }, 'resource exceeds the message size limit; not sent');
        this.#opts.events?.oversized?.(type, r.name, bytes);
        continue;
      }
      if (size + bytes > limit && chunk.length > 0) {
        chunks.push({ resources: chunk, removed: [] });
        chunk = [];
        size = 0;
      }
      chunk.push(r);
      size += bytes;
    }
    // Removed names go in the last chunk, split too if there are very many.
    let rest = removed;
    for (;;) {
      const room = Math.max(1, Math.floor((limit - size) / 80));
      const names = rest.slice(0, room);
      rest = rest.slice(room);
      chunks.push({ resources: chunk, removed: names });
      chunk = [];
      size = 0;
      if (rest.length === 0) break;
    }
    for (const c of chunks) {
      const nonce = randomUUID();
      this.#pending.set(nonce, type);
      for (const r of c.resources) known.set(r.name, r.version);
      for (const n of c.removed) known.delete(n);
      this.#opts.send({ type_url: type, resources: c.resources, removed_resources: c.removed, nonce, system_version_info: '' });
      this.#opts.events?.sent?.(type, c.resources.length, c.removed.length);
    }
    this.#resendDependents(type, chunks.flatMap((c) => c.resources.map((r) => r.name)));
  }
}
