import { randomUUID } from 'node:crypto';
import type { Logger } from '../core/logger.ts';
import type { ResourceStore } from '../store/store.ts';
import { countResponse, zeroCounters, type ResponseCounters } from '../resources/types/insights.ts';
import { ThrottledWriter } from '../store/throttled-writer.ts';

// DataplaneInsight of each proxy (ZoneIngressInsight of each zone ingress), as Kuma keeps it:
// one subscription per ADS stream (connect and disconnect times, the proxy's versions,
// responses sent/ACKed/NACKed in total and per xDS type) and the state of its mTLS certificate. Written at most every flushIntervalMs, at once on
// connect and disconnect (one write for all that connected in the same turn). The last few subscriptions are kept.

type Counters = ResponseCounters;

interface Subscription {
  id: string;
  controlPlaneInstanceId: string;
  connectTime: string;
  disconnectTime?: string;
  status: { lastUpdateTime: string; total: Counters } & Partial<Record<XdsShortName, Counters>>;
  /** Kuma's `version`: `kumaDp` (meshwork-dp) and `envoy`, as the proxy reports them. */
  version?: ProxyVersions;
}

export interface ProxyVersions {
  kumaDp?: { version: string };
  envoy?: { version: string; build?: string };
}

/** Whose insight: a Dataplane's (in its mesh) or a zone ingress's. */
export type InsightOf = { type: 'DataplaneInsight'; mesh: string; name: string } | { type: 'ZoneIngressInsight'; name: string };

type XdsShortName = 'cds' | 'eds' | 'lds' | 'rds' | 'sds';

const SHORT: Record<string, XdsShortName> = {
  'type.googleapis.com/envoy.config.cluster.v3.Cluster': 'cds',
  'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment': 'eds',
  'type.googleapis.com/envoy.config.listener.v3.Listener': 'lds',
  'type.googleapis.com/envoy.config.route.v3.RouteConfiguration': 'rds',
  'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret': 'sds',
};

interface State {
  of: InsightOf;
  subscriptions: Subscription[];
  mTLS?: { certificateExpirationTime: string; lastCertificateRegeneration: string; certificateRegenerations: number; issuedBackend: string; supportedBackends: string[] };
  /** Reading what was stored before (earlier subscriptions); not written until it is merged. */
  loading?: Promise<void>;
}

const KEEP = 5;

const keyOf = (of: InsightOf) => `${of.type}/${'mesh' in of ? of.mesh : ''}/${of.name}`;

export class DataplaneInsightTracker {
  readonly #store: ResourceStore;
  readonly #instanceId: string;
  readonly #writer: ThrottledWriter;
  readonly #states = new Map<string, State>();
  #soon: NodeJS.Immediate | undefined;

  constructor(options: { store: ResourceStore; logger: Logger; controlPlaneInstanceId: string }) {
    this.#store = options.store;
    this.#instanceId = options.controlPlaneInstanceId;
    this.#writer = new ThrottledWriter(options.store, options.logger);
  }

  start(flushIntervalMs: number): void {
    this.#writer.start(flushIntervalMs);
  }

  async stop(): Promise<void> {
    this.#writer.stop();
    clearImmediate(this.#soon);
    await Promise.all([...this.#states.values()].map((s) => s.loading));
    await this.#writer.flush();
  }

  /**
   * A proxy's state, at once: what was stored before (earlier subscriptions, certificate
   * history) is read in the background and merged, so a proxy's admission never waits on
   * the store (behind a flush of thousands of insights, during a reconnect storm).
   */
  #state(of: InsightOf): State {
    const key = keyOf(of);
    const s = this.#states.get(key);
    if (s) return s;
    const state: State = { of, subscriptions: [] };
    this.#states.set(key, state);
    state.loading = this.#store.get(of).then(
      (r) => {
        const stored = r.spec as Pick<State, 'subscriptions' | 'mTLS'>;
        const firstConnect = state.subscriptions[0]?.connectTime ?? new Date().toISOString();
        for (const old of stored.subscriptions ?? []) old.disconnectTime ??= firstConnect;
        state.subscriptions = [...(stored.subscriptions ?? []), ...state.subscriptions].slice(-KEEP);
        if (stored.mTLS) state.mTLS = state.mTLS ? { ...state.mTLS, certificateRegenerations: state.mTLS.certificateRegenerations + stored.mTLS.certificateRegenerations } : stored.mTLS;
      },
      () => undefined, // never stored: a first connection
    );
    void state.loading.then(() => {
      state.loading = undefined;
      this.#flushSoon();
    });
    return state;
  }

  /** One flush for everything that connected or disconnected in this turn of the event loop. */
  #flushSoon(): void {
    this.#soon ??= setImmediate(() => {
      this.#soon = undefined;
      void this.#writer.flush();
    });
  }

  #dirty(s: State): void {
    this.#writer.mark(keyOf(s.of), () => s.loading ? undefined : ({
      ...s.of,
      labels: {},
      spec: { subscriptions: structuredClone(s.subscriptions), ...(s.mTLS ? { mTLS: s.mTLS } : {}) },
    }));
  }

  open(of: InsightOf, version?: ProxyVersions): { count(typeUrl: string, event: 'sent' | 'acked' | 'nacked'): void; close(): void } {
    const s = this.#state(of);
    const now = new Date().toISOString();
    const sub: Subscription = { id: randomUUID(), controlPlaneInstanceId: this.#instanceId, connectTime: now, status: { lastUpdateTime: now, total: zeroCounters() }, ...(version ? { version } : {}) };
    for (const old of s.subscriptions) old.disconnectTime ??= now;
    s.subscriptions = [...s.subscriptions, sub].slice(-KEEP);
    this.#dirty(s);
    this.#flushSoon();
    return {
      count: (typeUrl, event) => {
        countResponse(sub.status.total, event);
        const short = SHORT[typeUrl];
        if (short) countResponse((sub.status[short] ??= zeroCounters()), event);
        sub.status.lastUpdateTime = new Date().toISOString();
        this.#dirty(s);
      },
      close: () => {
        sub.disconnectTime ??= new Date().toISOString();
        this.#dirty(s);
        this.#flushSoon();
      },
    };
  }

  certificate(mesh: string, name: string, cert: { notAfter: Date; backend: string }): void {
    const s = this.#state({ type: 'DataplaneInsight', mesh, name });
    s.mTLS = {
      certificateExpirationTime: cert.notAfter.toISOString(),
      lastCertificateRegeneration: new Date().toISOString(),
      certificateRegenerations: (s.mTLS?.certificateRegenerations ?? 0) + 1,
      issuedBackend: cert.backend,
      supportedBackends: [cert.backend],
    };
    this.#dirty(s);
  }
}
