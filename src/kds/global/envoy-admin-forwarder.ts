import { randomUUID } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import { MeshworkError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { AdminKind, AdminQuery, EnvoyAdminAccess, ProxyRef } from '../../envoy-admin/access.ts';
import type { AdminAnswer } from '../../envoy-admin/client.ts';
import type { Resource } from '../../resources/resource.ts';
import type { ResourceStore } from '../../store/store.ts';
import { DISPLAY_NAME_LABEL, ZONE_LABEL } from '../naming.ts';
import { onStreamEnd } from './stream-end.ts';
import { adminRequest, answerOf, type AdminRequestMessage, type AdminResponseMessage } from '../envoy-admin-streams.ts';

// Global's side of KDS's Envoy admin streams: each zone (its leader instance) keeps one stream
// per admin kind open to global; `inspect dataplane NAME --type=stats` at global becomes a
// request on the stream of the dataplane's zone, answered by that zone from the proxy's Envoy.

type AdminCall = grpc.ServerDuplexStream<AdminResponseMessage, AdminRequestMessage>;

interface Pending {
  resolve(m: AdminResponseMessage): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

interface ZoneStream {
  call: AdminCall;
  pending: Map<string, Pending>;
}

export class EnvoyAdminForwarder {
  readonly #streams = new Map<string, ZoneStream>();
  readonly #timeoutMs: number;
  readonly #logger: Logger;

  constructor(options: { logger: Logger; timeoutMs?: number }) {
    this.#logger = options.logger;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** A zone opened its stream of `kind`: it replaces any earlier one of that zone (whose requests in flight are still answered there). */
  register(kind: AdminKind, zone: string, call: AdminCall): void {
    const key = `${zone}/${kind}`;
    const stream: ZoneStream = { call, pending: new Map() };
    this.#streams.set(key, stream);
    call.on('data', (m: AdminResponseMessage) => {
      const p = stream.pending.get(m.request_id);
      if (!p) {
        this.#logger.debug({ zone, kind, requestId: m.request_id }, 'an Envoy admin answer of no request in flight (late, or unknown): dropped');
        return;
      }
      stream.pending.delete(m.request_id);
      clearTimeout(p.timer);
      p.resolve(m);
    });
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      if (this.#streams.get(key) === stream) this.#streams.delete(key);
      for (const [id, p] of stream.pending) {
        clearTimeout(p.timer);
        p.reject(new MeshworkError('ZONE_UNREACHABLE', `zone "${zone}" disconnected before it answered`));
        stream.pending.delete(id);
      }
    };
    onStreamEnd(call, close);
  }

  /** Zones with an open stream of `kind`. */
  zones(kind: AdminKind): string[] {
    return [...this.#streams.keys()].filter((k) => k.endsWith(`/${kind}`)).map((k) => k.slice(0, -kind.length - 1));
  }

  async request(zone: string, kind: AdminKind, proxy: ProxyRef, query: AdminQuery): Promise<AdminAnswer> {
    const stream = this.#streams.get(`${zone}/${kind}`);
    if (!stream) throw new MeshworkError('ZONE_UNREACHABLE', `zone "${zone}" is not connected to global: cannot read the Envoy admin of its proxies`);
    const id = randomUUID();
    const answer = await new Promise<AdminResponseMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        stream.pending.delete(id);
        reject(new MeshworkError('UPSTREAM_TIMEOUT', `zone "${zone}" did not answer within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      stream.pending.set(id, { resolve, reject, timer });
      stream.call.write(adminRequest(kind, id, proxy, query));
    });
    return answerOf(kind, query, answer);
  }
}

/** Global's access: the proxy's zone, from the labels of its resource at global. */
export class GlobalEnvoyAdmin implements EnvoyAdminAccess {
  readonly #store: ResourceStore;
  readonly #forwarder: EnvoyAdminForwarder;

  constructor(options: { store: ResourceStore; forwarder: EnvoyAdminForwarder }) {
    this.#store = options.store;
    this.#forwarder = options.forwarder;
  }

  async inspect(proxy: ProxyRef, kind: AdminKind, query: AdminQuery): Promise<AdminAnswer> {
    const r: Resource = await this.#store.get({ type: proxy.type, ...(proxy.mesh !== undefined ? { mesh: proxy.mesh } : {}), name: proxy.name });
    const zone = r.labels[ZONE_LABEL];
    const name = r.labels[DISPLAY_NAME_LABEL];
    if (!zone || !name) throw new MeshworkError('BAD_REQUEST', `${proxy.type} "${proxy.name}" was not reported by a zone: global has no proxy to ask`);
    return this.#forwarder.request(zone, kind, { ...proxy, name }, query);
  }
}
