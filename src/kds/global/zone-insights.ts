import { randomUUID } from 'node:crypto';
import type { Logger } from '../../core/logger.ts';
import type { ResourceStore } from '../../store/store.ts';
import { countResponse, zeroCounters, type ResponseCounters } from '../../resources/types/insights.ts';
import { ThrottledWriter } from '../../store/throttled-writer.ts';

// Keeps each zone's ZoneInsight: one subscription per connection of a zone CP instance
// (open while any of its KDS streams is), per-type counters of responses sent, ACKed and
// NACKed in both directions, and the last heartbeat. State lives in memory and is written
// to the store when it changes, at most every flushIntervalMs (at once on connect and
// disconnect). A subscription whose zone stopped heartbeating for offlineAfterMs is closed
// by the sweep: that covers zones that vanished without a TCP reset, and subscriptions left
// open by a previous global process.

type Counters = ResponseCounters;

interface SubscriptionState {
  id: string;
  globalInstanceId: string;
  zoneInstanceId: string;
  connectTime: string;
  disconnectTime?: string;
  status: { lastUpdateTime: string; total: Counters; stat: Record<string, Counters> };
  version: { kumaCp: { version: string; kumaCpGlobalCompatible: boolean } };
  config?: string;
  authenticationType: string;
}

interface ZoneState {
  subscriptions: SubscriptionState[];
  healthCheck?: { time: string };
  loaded: boolean;
}

export interface SubscriptionHandle {
  readonly id: string;
  count(direction: 'sent' | 'acked' | 'nacked', typeUrl: string, n?: number): void;
  /** One stream of this subscription ended; the subscription closes with its last stream. */
  release(): void;
}

const KEEP_SUBSCRIPTIONS = 5;

export class ZoneInsightTracker {
  readonly #store: ResourceStore;
  readonly #logger: Logger;
  readonly #globalInstanceId: string;
  readonly #flushMs: number;
  readonly #offlineAfterMs: number;
  readonly #zones = new Map<string, ZoneState>();
  /** `${zone}/${zoneInstanceId}` → open subscription and its stream count. */
  readonly #open = new Map<string, { sub: SubscriptionState; streams: number }>();
  readonly #writer: ThrottledWriter;

  readonly #onCount: ((typeUrl: string, result: 'sent' | 'acked' | 'nacked') => void) | undefined;

  constructor(options: { store: ResourceStore; logger: Logger; globalInstanceId: string; flushIntervalMs: number; offlineAfterMs: number; onCount?: (typeUrl: string, result: 'sent' | 'acked' | 'nacked') => void }) {
    this.#onCount = options.onCount;
    this.#store = options.store;
    this.#logger = options.logger;
    this.#globalInstanceId = options.globalInstanceId;
    this.#flushMs = options.flushIntervalMs;
    this.#offlineAfterMs = options.offlineAfterMs;
    this.#writer = new ThrottledWriter(options.store, options.logger);
  }

  /** Marks a zone's insight for the next write. */
  #dirty(zone: string): void {
    const state = this.#zones.get(zone)!;
    this.#writer.mark(zone, () => ({
      type: 'ZoneInsight',
      name: zone,
      labels: {},
      spec: { subscriptions: structuredClone(state.subscriptions), ...(state.healthCheck ? { healthCheck: state.healthCheck } : {}) },
    }));
  }

  /** Loads stored insights (so the sweep also closes subscriptions a previous process left open). */
  async start(): Promise<void> {
    for (const r of (await this.#store.list('ZoneInsight')).items) {
      const spec = r.spec as { subscriptions?: SubscriptionState[]; healthCheck?: { time: string } };
      this.#zones.set(r.name, { subscriptions: spec.subscriptions ?? [], ...(spec.healthCheck ? { healthCheck: spec.healthCheck } : {}), loaded: true });
    }
    this.#writer.start(this.#flushMs, () => this.#sweep());
  }

  async stop(): Promise<void> {
    this.#writer.stop();
    for (const { sub } of this.#open.values()) sub.disconnectTime ??= new Date().toISOString();
    for (const zone of this.#zones.keys()) this.#dirty(zone);
    this.#open.clear();
    await this.flush();
  }

  async #zone(zone: string): Promise<ZoneState> {
    let state = this.#zones.get(zone);
    if (!state) {
      state = { subscriptions: [], loaded: false };
      this.#zones.set(zone, state);
    }
    if (!state.loaded) {
      state.loaded = true;
      try {
        const stored = await this.#store.get({ type: 'ZoneInsight', name: zone });
        const spec = stored.spec as { subscriptions?: SubscriptionState[]; healthCheck?: { time: string } };
        state.subscriptions = [...(spec.subscriptions ?? []), ...state.subscriptions];
        state.healthCheck ??= spec.healthCheck;
      } catch {
        // No insight yet.
      }
    }
    return state;
  }

  /** A stream of a zone CP instance opened; returns its subscription (shared by its streams). */
  async open(zone: string, zoneInstanceId: string, meta: { version: string; features: string[]; authenticationType: string; storeType?: string }): Promise<SubscriptionHandle> {
    const key = `${zone}/${zoneInstanceId}`;
    const state = await this.#zone(zone);
    let entry = this.#open.get(key);
    if (!entry) {
      const now = new Date().toISOString();
      // A new connection of the zone supersedes any subscription still marked open.
      for (const s of state.subscriptions) s.disconnectTime ??= now;
      const sub: SubscriptionState = {
        id: randomUUID(),
        globalInstanceId: this.#globalInstanceId,
        zoneInstanceId,
        connectTime: now,
        status: { lastUpdateTime: now, total: zeroCounters(), stat: {} },
        // Kuma's shapes: kumactl inspect zones shows version.kumaCp.version and the config's store type.
        version: { kumaCp: { version: meta.version, kumaCpGlobalCompatible: true } },
        config: JSON.stringify({ features: meta.features, store: { type: meta.storeType ?? 'unknown' } }),
        authenticationType: meta.authenticationType,
      };
      state.subscriptions = [...state.subscriptions, sub].slice(-KEEP_SUBSCRIPTIONS);
      state.healthCheck = { time: now };
      entry = { sub, streams: 0 };
      this.#open.set(key, entry);
      this.#dirty(zone);
      void this.flush();
      this.#logger.info({ zone, zoneInstanceId, subscription: sub.id }, 'zone connected');
    }
    entry.streams++;
    const opened = entry;
    let released = false;
    return {
      id: opened.sub.id,
      count: (direction, typeUrl, n = 1) => {
        this.#onCount?.(typeUrl, direction);
        const stat = (opened.sub.status.stat[typeUrl] ??= zeroCounters());
        for (let i = 0; i < n; i++) {
          countResponse(stat, direction);
          countResponse(opened.sub.status.total, direction);
        }
        opened.sub.status.lastUpdateTime = new Date().toISOString();
        this.#dirty(zone);
      },
      release: () => {
        if (released) return;
        released = true;
        if (--opened.streams > 0) return;
        if (this.#open.get(key) === opened) this.#open.delete(key);
        opened.sub.disconnectTime ??= new Date().toISOString();
        this.#dirty(zone);
        void this.flush();
        this.#logger.info({ zone, zoneInstanceId, subscription: opened.sub.id }, 'zone disconnected');
      },
    };
  }

  heartbeat(zone: string): void {
    const state = this.#zones.get(zone);
    if (!state) return;
    state.healthCheck = { time: new Date().toISOString() };
    this.#dirty(zone);
  }

  /** Whether a zone CP instance has an open subscription (both streams counted by the caller). */
  streams(zone: string, zoneInstanceId: string): number {
    return this.#open.get(`${zone}/${zoneInstanceId}`)?.streams ?? 0;
  }

  #sweep(): void {
    const now = Date.now();
    for (const [zone, state] of this.#zones) {
      const last = state.healthCheck ? Date.parse(state.healthCheck.time) : 0;
      if (now - last < this.#offlineAfterMs) continue;
      for (const s of state.subscriptions) {
        if (s.disconnectTime) continue;
        s.disconnectTime = new Date(now).toISOString();
        this.#dirty(zone);
        this.#logger.warn({ zone, subscription: s.id }, 'zone stopped heartbeating; marked offline');
      }
    }
  }

  /** Writes every changed insight; serialized so writes of one zone never race. */
  flush(): Promise<void> {
    return this.#writer.flush();
  }
}
