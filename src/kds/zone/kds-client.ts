import { kdsChannelLimit } from '../channel-limits.ts';
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { backoffDelay, sleep } from '../../core/backoff.ts';
import type { Logger } from '../../core/logger.ts';
import type { ResourceRegistry } from '../../resources/registry.ts';
import type { Resource } from '../../resources/resource.ts';
import { debounce, type ResourceCache } from '../../store/resource-cache.ts';
import type { ResourceStore } from '../../store/store.ts';
import { DeltaClientSession } from '../../xds/delta/client-session.ts';
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse, DeltaResource } from '../../xds/delta/messages.ts';
import { DeltaServerSession } from '../../xds/delta/server-session.ts';
import { MapSnapshot } from '../global/zone-snapshots.ts';
import { downTypes, fromGlobal, goesUp, upEnvelope, upTypes } from '../directions.ts';
import { encodeEnvelope, kdsName } from '../envelope.ts';
import { ORIGIN_LABEL } from '../naming.ts';
import { FEATURES, kdsServices, MD } from '../proto.ts';
import { StoreSyncer } from '../sync/store-syncer.ts';
import { Heartbeat } from './heartbeat.ts';
import { serveEnvoyAdmin } from './envoy-admin-streams.ts';
import type { EnvoyAdminAccess } from '../../envoy-admin/access.ts';

// The zone's KDS client: dials global, opens GlobalToZoneSync (applies global's resources
// to the zone store) and ZoneToGlobalSync (serves the zone's own resources), and keeps
// them up: any failure closes both and reconnects after a jittered exponential backoff;
// every reconnect resyncs by versions, so nothing is deleted that global still has.
// Liveness: gRPC keepalive for the connection, and a HealthCheck heartbeat that also asks
// whether global still holds both streams (a stream can die while pings succeed).

export interface KdsClientOptions {
  zone: string;
  /** host:port of global's KDS server. */
  target: string;
  credentials: grpc.ChannelCredentials;
  /** Zone token, sent as `authorization: Bearer …` when set; read anew for every connection. */
  token?: () => string | undefined;
  store: ResourceStore;
  cache: ResourceCache;
  registry: ResourceRegistry;
  logger: Logger;
  version: string;
  maxMessageBytes: number;
  maxResourceBytes: number;
  /** Changes going up to global are batched this long. */
  upDebounceMs: number;
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  /** Used until global answers the first HealthCheck with its interval. */
  heartbeatIntervalMs: number;
  /** Awaited on each connection once global's resources are applied, before the zone's own go up. */
  beforeUp?: () => Promise<void>;
  /** Answers global's requests for the Envoy admin of this zone's proxies (streams opened once in sync). */
  envoyAdmin?: EnvoyAdminAccess;
}

/** gRPC codes with which global refuses a zone for a reason a retry does not fix. */
const REFUSALS = new Set([grpc.status.UNAUTHENTICATED, grpc.status.PERMISSION_DENIED, grpc.status.FAILED_PRECONDITION, grpc.status.INVALID_ARGUMENT]);

export type KdsConnectionState = 'connecting' | 'connected' | 'backing-off' | 'stopped';

export class KdsZoneClient {
  readonly #o: KdsClientOptions;
  /** Envelopes by resource object: cached resources are immutable (a change is a new object), so each is encoded once. */
  readonly #encoded = new WeakMap<Resource, DeltaResource>();
  readonly instanceId = randomUUID();
  #state: KdsConnectionState = 'connecting';
  /** Types of which a first response from global has been applied on the current streams. */
  #synced = new Set<string>();
  /** Why the last connection ended, until the next one is in sync. */
  #failure: { code?: number; message: string } | undefined;
  #endSession: ((err: Error) => void) | undefined;
  #resyncRequested = false;

  constructor(options: KdsClientOptions) {
    this.#o = options;
  }

  get state(): KdsConnectionState {
    return this.#state;
  }

  /** True once every global→zone type has been applied on the current connection. */
  get inSync(): boolean {
    return this.#state === 'connected' && this.#allTypesSynced();
  }

  /** Why global refused this zone (bad token, disabled zone, another instance connected), if it did on the last attempt. */
  get refusal(): string | undefined {
    const f = this.#failure;
    return f?.code !== undefined && REFUSALS.has(f.code) ? f.message : undefined;
  }

  /** Why the last connection to global ended, until the next one is in sync. */
  get lastFailure(): { code?: number; message: string } | undefined {
    return this.#failure;
  }

  /** Ends the current connection; the next one resyncs everything by versions, at once. */
  resync(reason: string): void {
    this.#resyncRequested = true;
    this.#endSession?.(new Error(`resync: ${reason}`));
  }

  #allTypesSynced(): boolean {
    return downTypes(this.#o.registry).every((d) => this.#synced.has(d.name));
  }

  async run(signal: AbortSignal): Promise<void> {
    for (let attempt = 0; !signal.aborted; ) {
      this.#state = 'connecting';
      const started = Date.now();
      try {
        await this.#session(signal);
      } catch (err) {
        if (signal.aborted) break;
        const code = (err as { code?: number }).code;
        this.#failure = { ...(code !== undefined ? { code } : {}), message: (err as Error).message };
        if (code !== undefined && REFUSALS.has(code)) this.#o.logger.error({ err: (err as Error).message, code }, 'global refused this zone; fix the zone token or configuration (retrying)');
        else this.#o.logger.warn({ err: (err as Error).message }, 'KDS connection to global ended');
      }
      if (signal.aborted) break;
      // A connection that lasted a while (or a resync the zone asked for) resets the backoff.
      attempt = Date.now() - started > 30_000 || this.#resyncRequested ? 0 : attempt + 1;
      this.#resyncRequested = false;
      const delay = backoffDelay(attempt, this.#o.reconnectBaseMs, this.#o.reconnectMaxMs);
      this.#state = 'backing-off';
      this.#o.logger.info({ retryInMs: delay, attempt }, 'reconnecting to global');
      await sleep(delay, signal);
    }
    this.#state = 'stopped';
  }

  #metadata(token: string | undefined): grpc.Metadata {
    const md = new grpc.Metadata();
    md.set(MD.clientId, this.#o.zone);
    md.set(MD.zoneInstanceId, this.instanceId);
    md.set(MD.features, FEATURES.join(','));
    md.set(MD.version, this.#o.version);
    md.set(MD.storeType, this.#o.store.kind);
    if (token) md.set(MD.authorization, `Bearer ${token}`);
    return md;
  }

  #upSnapshot(): MapSnapshot {
    const out = new Map<string, Map<string, DeltaResource>>();
    for (const d of upTypes(this.#o.registry)) {
      const m = new Map<string, DeltaResource>();
      for (const r of this.#o.cache.list(d.name)) {
        if (!goesUp(d, r)) continue;
        let dr = this.#encoded.get(r);
        if (!dr) this.#encoded.set(r, (dr = encodeEnvelope(upEnvelope(r))));
        m.set(dr.name, dr);
      }
      out.set(d.name, m);
    }
    return new MapSnapshot(out);
  }

  /** One connection: resolves or rejects when it ends, after releasing everything. */
  async #session(signal: AbortSignal): Promise<void> {
    const { sync, global } = kdsServices();
    const channelOptions: grpc.ChannelOptions = {
      'grpc.max_receive_message_length': kdsChannelLimit(this.#o.maxMessageBytes),
      'grpc.max_send_message_length': kdsChannelLimit(this.#o.maxMessageBytes),
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      'grpc.keepalive_permit_without_calls': 1,
    };
    const syncClient = new sync(this.#o.target, this.#o.credentials, channelOptions);
    const healthClient = new global(this.#o.target, this.#o.credentials, channelOptions);
    const log = this.#o.logger;
    const cleanups: (() => void)[] = [];
    const token = this.#o.token?.();
    this.#synced = new Set();
    let ended = false;
    let upRequested = false;
    let onDownInSync = () => {};
    try {
      await new Promise<void>((resolve, reject) => {
        const fail = (err: unknown) => reject(err instanceof Error ? err : new Error(String(err)));
        this.#endSession = fail;
        const onAbort = () => resolve();
        signal.addEventListener('abort', onAbort, { once: true });
        cleanups.push(() => signal.removeEventListener('abort', onAbort));

        // Global → zone.
        const g2z = (syncClient as unknown as { GlobalToZoneSync(md: grpc.Metadata): grpc.ClientDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse> }).GlobalToZoneSync(this.#metadata(token));
        cleanups.push(() => g2z.cancel());
        const syncer = new StoreSyncer({
          store: this.#o.store,
          registry: this.#o.registry,
          logger: log.child({ stream: 'global-to-zone' }),
          maxResourceBytes: this.#o.maxResourceBytes,
          owns: (r) => r.labels[ORIGIN_LABEL] === 'global',
          senderName: (r) => kdsName(r.name, r.mesh),
          toInput: (d, env, version) => fromGlobal(d, env, version),
        });
        const down = new DeltaClientSession({
          send: (req) => g2z.write(req),
          types: downTypes(this.#o.registry).map((d) => d.name),
          node: { id: this.#o.zone, metadata: { fields: {} } },
          initialVersions: (t) => syncer.initialVersions(t),
          apply: (t, resources, removed) => syncer.apply(t, resources, removed),
          logger: log,
          onResult: (t) => {
            this.#synced.add(t);
            if (this.#allTypesSynced() && !upRequested) {
              upRequested = true;
              onDownInSync();
            }
          },
        });
        g2z.on('data', (res: DeltaDiscoveryResponse) => down.handleResponse(res));
        g2z.on('error', fail);
        g2z.on('end', () => fail(new Error('global closed the global-to-zone stream')));
        void down.start(fail).catch(fail);

        // Zone → global, opened once the zone holds what global has (and, after a reset of the
        // zone's store, once `beforeUp` has put back what the zone itself holds): a zone that
        // served its up stream first would report its own resources gone.
        const openUp = () => {
          const z2g = (syncClient as unknown as { ZoneToGlobalSync(md: grpc.Metadata): grpc.ClientDuplexStream<DeltaDiscoveryResponse, DeltaDiscoveryRequest> }).ZoneToGlobalSync(this.#metadata(token));
          cleanups.push(() => z2g.cancel());
          const up = new DeltaServerSession({ send: (res) => z2g.write(res), maxMessageBytes: this.#o.maxMessageBytes, logger: log.child({ stream: 'zone-to-global' }) });
          up.setSnapshot(this.#upSnapshot());
          const refresh = debounce(() => up.setSnapshot(this.#upSnapshot()), this.#o.upDebounceMs);
          cleanups.push(this.#o.cache.onChange(() => refresh.trigger()), () => refresh.cancel());
          z2g.on('data', (req: DeltaDiscoveryRequest) => up.handleRequest(req));
          z2g.on('error', fail);
          z2g.on('end', () => fail(new Error('global closed the zone-to-global stream')));
        };
        onDownInSync = () => {
          Promise.resolve(this.#o.beforeUp?.()).then(() => {
            if (ended) return;
            openUp();
            const envoyAdmin = this.#o.envoyAdmin;
            if (envoyAdmin) cleanups.push(serveEnvoyAdmin({ client: healthClient, metadata: () => this.#metadata(token), access: envoyAdmin, logger: log }));
            this.#state = 'connected';
            this.#failure = undefined;
            log.info('in sync with global');
          }, fail);
        };

        // Heartbeat: a failed call or streams global no longer holds, twice in a row, end the session.
        type HealthAnswer = { interval?: { seconds: string; nanos: number }; streams_open: boolean };
        const health = healthClient as unknown as { HealthCheck(req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: grpc.requestCallback<HealthAnswer>): void };
        const heartbeat = new Heartbeat({
          intervalMs: this.#o.heartbeatIntervalMs,
          call: (deadline, done) =>
            health.HealthCheck({}, this.#metadata(token), { deadline }, (err, res) =>
              done(err, res && { streamsOpen: res.streams_open, ...(res.interval ? { intervalMs: Number(res.interval.seconds) * 1000 + Math.round(res.interval.nanos / 1e6) } : {}) }),
            ),
          connected: () => this.#state === 'connected',
          fail,
          late: (err) => log.warn({ err: err.message }, 'heartbeat answer heard late (this process was busy); not counted'),
        });
        heartbeat.start();
        cleanups.push(() => heartbeat.stop());
      });
    } finally {
      ended = true;
      this.#endSession = undefined;
      for (const c of cleanups.reverse()) c();
      syncClient.close();
      healthClient.close();
      this.#synced = new Set();
    }
  }
}
