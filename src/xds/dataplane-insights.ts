import { randomUUID } from 'node:crypto';
import type { Logger } from '../core/logger.ts';
import type { ResourceStore } from '../store/store.ts';
import { countResponse, zeroCounters, type ResponseCounters } from '../resources/types/insights.ts';
import { ThrottledWriter } from '../store/throttled-writer.ts';

// DataplaneInsight of each proxy, as Kuma keeps it: one subscription per ADS stream
// (connect and disconnect times, responses sent/ACKed/NACKed in total and per xDS type) and
// the state of its mTLS certificate. Written at most every flushIntervalMs, at once on
// connect and disconnect. The last few subscriptions are kept.

type Counters = ResponseCounters;

interface Subscription {
  id: string;
  controlPlaneInstanceId: string;
  connectTime: string;
  disconnectTime?: string;
  status: { lastUpdateTime: string; total: Counters } & Partial<Record<XdsShortName, Counters>>;
}

type XdsShortName = 'cds' | 'eds' | 'lds' | 'rds' | 'sds';

const SHORT: Record<string, XdsShortName> = {
  'type.googleapis.com/envoy.config.cluster.v3.Cluster': 'cds',
  'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment': 'eds',
  'type.googleapis.com/envoy.config.listener.v3.Listener': 'lds',
  'type.googleapis.com/envoy.config.route.v3.RouteConfiguration': 'rds',
  'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret': 'sds',
};

interface State {
  mesh: string;
  name: string;
  subscriptions: Subscription[];
  mTLS?: { certificateExpirationTime: string; lastCertificateRegeneration: string; certificateRegenerations: number; issuedBackend: string; supportedBackends: string[] };
}

const KEEP = 5;

export class DataplaneInsightTracker {
  readonly #store: ResourceStore;
  readonly #instanceId: string;
  readonly #writer: ThrottledWriter;
  readonly #states = new Map<string, State>();

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
    await this.#writer.flush();
  }

  async #state(mesh: string, name: string): Promise<State> {
    const key = `${mesh}/${name}`;
    let s = this.#states.get(key);
    if (!s) {
      s = { mesh, name, subscriptions: [] };
      try {
        const stored = (await this.#store.get({ type: 'DataplaneInsight', mesh, name })).spec as Pick<State, 'subscriptions' | 'mTLS'>;
        s.subscriptions = stored.subscriptions ?? [];
        if (stored.mTLS) s.mTLS = stored.mTLS;
      } catch {
        // first connection
      }
      this.#states.set(key, s);
    }
    return s;
  }

  #dirty(s: State): void {
    this.#writer.mark(`${s.mesh}/${s.name}`, () => ({
      type: 'DataplaneInsight',
      mesh: s.mesh,
      name: s.name,
      labels: {},
      spec: { subscriptions: structuredClone(s.subscriptions), ...(s.mTLS ? { mTLS: s.mTLS } : {}) },
    }));
  }

  async open(mesh: string, name: string): Promise<{ count(typeUrl: string, event: 'sent' | 'acked' | 'nacked'): void; close(): void }> {
    const s = await this.#state(mesh, name);
    const now = new Date().toISOString();
    const sub: Subscription = { id: randomUUID(), controlPlaneInstanceId: this.#instanceId, connectTime: now, status: { lastUpdateTime: now, total: zeroCounters() } };
    for (const old of s.subscriptions) old.disconnectTime ??= now;
    s.subscriptions = [...s.subscriptions, sub].slice(-KEEP);
    this.#dirty(s);
    void this.#writer.flush();
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
        void this.#writer.flush();
      },
    };
  }

  async certificate(mesh: string, name: string, cert: { notAfter: Date; backend: string }): Promise<void> {
    const s = await this.#state(mesh, name);
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
