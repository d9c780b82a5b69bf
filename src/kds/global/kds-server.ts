import { kdsChannelLimit } from '../channel-limits.ts';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../core/logger.ts';
import { isMeshworkError } from '../../core/errors.ts';
import { grpcError } from '../../core/grpc-errors.ts';
import { debounce, type CacheChange, type ResourceCache } from '../../store/resource-cache.ts';
import type { ResourceStore } from '../../store/store.ts';
import type { ResourceRegistry } from '../../resources/registry.ts';
import { nameSchema } from '../../resources/common.ts';
import { DeltaClientSession } from '../../xds/delta/client-session.ts';
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse } from '../../xds/delta/messages.ts';
import { DeltaServerSession } from '../../xds/delta/server-session.ts';
import { downTypes, fromZone, upTypes } from '../directions.ts';
import { kdsName } from '../envelope.ts';
import { DISPLAY_NAME_LABEL, ZONE_LABEL } from '../naming.ts';
import { kdsServices, MD } from '../proto.ts';
import { StoreSyncer } from '../sync/store-syncer.ts';
import type { ZoneInsightTracker, SubscriptionHandle } from './zone-insights.ts';
import { ZoneSnapshotBuilder } from './zone-snapshots.ts';
import { onStreamEnd } from './stream-end.ts';
import type { EnvoyAdminForwarder } from './envoy-admin-forwarder.ts';
import type { AdminKind } from '../../envoy-admin/access.ts';
import type { AdminRequestMessage, AdminResponseMessage } from '../envoy-admin-streams.ts';

// Global's KDS server. Each zone CP instance opens two streams: GlobalToZoneSync, where
// global serves the zone's snapshot (recomputed on every store change, debounced), and
// ZoneToGlobalSync, where global subscribes to the zone's dataplanes, ingresses, insights
// and zone-origin policies and stores them under its own names. The zone's identity is the
// `client-id` metadata (checked against its token when tokens are required).

export interface ZoneIdentity {
  zone: string;
  zoneInstanceId: string;
  version: string;
  features: string[];
  storeType: string;
  authenticationType: string;
}

export interface KdsServerOptions {
  store: ResourceStore;
  cache: ResourceCache;
  registry: ResourceRegistry;
  logger: Logger;
  insights: ZoneInsightTracker;
  maxMessageBytes: number;
  maxResourceBytes: number;
  debounceMs: number;
  heartbeatIntervalMs: number;
  /** Checks the caller; returns its identity or throws a gRPC-status error. */
  authenticate(metadata: grpc.Metadata): Promise<ZoneIdentity>;
  /** A global → zone response of `typeUrl` was ACKed `seconds` after it was sent. */
  onDelivered?(typeUrl: string, seconds: number): void;
  /** Takes the zones' Envoy admin streams; without it they are refused (UNIMPLEMENTED). */
  envoyAdmin?: EnvoyAdminForwarder;
}

/**
 * Whether a change of global's cache may change what zones are sent: only the types that go
 * down (and Zones, which say which zones are enabled). The dataplanes and insights zones send
 * up change all the time and go nowhere; each push re-reads every resource for every zone.
 */
export function startsZonePush(registry: ResourceRegistry): (change: CacheChange) => boolean {
  const pushed = new Set([...downTypes(registry).map((d) => d.name), 'Zone']);
  return (change) => change.resync || change.keys.some((k) => pushed.has(k.type));
}

type Duplex<Req, Res> = grpc.ServerDuplexStream<Req, Res>;



/** Ends a server stream with a gRPC status (destroy() would drop the status). */
function failCall(call: grpc.ServerDuplexStream<unknown, unknown>, err: grpc.ServiceError): void {
  call.emit('error', err);
}

export function identityFromMetadata(md: grpc.Metadata): Omit<ZoneIdentity, 'authenticationType'> {
  const one = (k: string) => {
    const v = md.get(k)[0];
    return v === undefined ? undefined : String(v);
  };
  const zone = one(MD.clientId);
  if (!zone || !nameSchema.safeParse(zone).success) throw grpcError(grpc.status.INVALID_ARGUMENT, `metadata "${MD.clientId}" must be the zone name`);
  return {
    zone,
    zoneInstanceId: one(MD.zoneInstanceId) ?? 'unknown',
    version: one(MD.version) ?? 'unknown',
    features: (one(MD.features) ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    storeType: one(MD.storeType) ?? 'unknown',
  };
}

export class KdsServer {
  readonly #o: KdsServerOptions;
  readonly #builder: ZoneSnapshotBuilder;
  readonly #sessions = new Set<{ zone: string; session: DeltaServerSession }>();
  /**
   * The zone CP instance whose streams global serves, per zone, and how many are open. A zone
   * syncs through one instance at a time (its leader): the zone → global sync is a reconcile,
   * so a second instance under the same name (another cluster, a copy with an empty store)
   * would replace, and delete, what the first one holds. It is refused while the first one's
   * streams are open (a crashed instance's streams close by keepalive within ~15 s).
   */
  readonly #holders = new Map<string, { instanceId: string; streams: number }>();
  readonly #refresh: ReturnType<typeof debounce>;
  #unsubscribe: (() => void) | undefined;
  readonly server: grpc.Server;

  constructor(options: KdsServerOptions) {
    this.#o = options;
    this.#builder = new ZoneSnapshotBuilder(options.cache, options.registry);
    this.#refresh = debounce(() => this.#pushAll(), options.debounceMs);
    this.server = new grpc.Server({
      'grpc.max_receive_message_length': kdsChannelLimit(options.maxMessageBytes),
      'grpc.max_send_message_length': kdsChannelLimit(options.maxMessageBytes),
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.http2.min_ping_interval_without_data_ms': 5_000,
    });
    const { sync, global } = kdsServices();
    // A stream that fails (the store is down, a list fails) ends with UNAVAILABLE and the zone
    // reconnects; it never escapes as an unhandled rejection.
    const guard = <C extends grpc.ServerDuplexStream<unknown, unknown>>(stream: string, run: (call: C) => Promise<void>) => (call: C) =>
      void run(call).catch((err: unknown) => {
        this.#o.logger.error({ stream, err: (err as Error).message }, 'KDS stream failed; the zone will reconnect');
        failCall(call, grpcError(grpc.status.UNAVAILABLE, `global cannot serve the ${stream} stream: ${(err as Error).message}`));
      });
    this.server.addService(sync.service, {
      GlobalToZoneSync: guard('global-to-zone', (call: Duplex<DeltaDiscoveryRequest, DeltaDiscoveryResponse>) => this.#globalToZone(call)),
      ZoneToGlobalSync: guard('zone-to-global', (call: Duplex<DeltaDiscoveryResponse, DeltaDiscoveryRequest>) => this.#zoneToGlobal(call)),
    });
    const admin = (kind: AdminKind) => guard(`envoy-admin-${kind}`, (call: Duplex<AdminResponseMessage, AdminRequestMessage>) => this.#envoyAdmin(kind, call));
    this.server.addService(global.service, {
      HealthCheck: (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => void this.#healthCheck(call, callback),
      StreamXDSConfigs: admin('xds'),
      StreamStats: admin('stats'),
      StreamClusters: admin('clusters'),
    });
  }

  start(): void {
    const changesZones = startsZonePush(this.#o.registry);
    this.#unsubscribe = this.#o.cache.onChange((change) => {
      if (changesZones(change)) this.#refresh.trigger();
    });
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#refresh.cancel();
  }

  /** Zones with an open GlobalToZoneSync stream. */
  connectedZones(): string[] {
    return [...new Set([...this.#sessions].map((s) => s.zone))];
  }

  #pushAll(): void {
    const started = performance.now();
    const byZone = new Map<string, ReturnType<ZoneSnapshotBuilder['build']>>();
    for (const s of this.#sessions) {
      let snapshot = byZone.get(s.zone);
      if (!snapshot) byZone.set(s.zone, (snapshot = this.#builder.build(s.zone)));
      s.session.setSnapshot(snapshot);
    }
    this.#builder.prune();
    if (byZone.size > 0) this.#o.logger.debug({ zones: byZone.size, ms: Math.round(performance.now() - started) }, 'pushed snapshots to zones');
  }

  async #identify(call: grpc.ServerDuplexStream<unknown, unknown>): Promise<ZoneIdentity | undefined> {
    try {
      return await this.#o.authenticate(call.metadata);
    } catch (err) {
      this.#o.logger.warn({ err: (err as Error).message }, 'refused a KDS stream');
      failCall(call, err as grpc.ServiceError);
      return undefined;
    }
  }

  async #ensureZone(zone: string): Promise<boolean> {
    try {
      const z = await this.#o.store.get({ type: 'Zone', name: zone });
      return (z.spec as { enabled?: boolean }).enabled !== false;
    } catch (err) {
      if (!isMeshworkError(err, 'NOT_FOUND')) throw err;
    }
    try {
      await this.#o.store.create({ type: 'Zone', name: zone, labels: {}, spec: { enabled: true } });
      this.#o.logger.info({ zone }, 'registered a new zone');
    } catch (err) {
      if (!isMeshworkError(err, 'ALREADY_EXISTS')) throw err;
    }
    return true;
  }

  async #open(call: grpc.ServerDuplexStream<unknown, unknown>): Promise<{ id: ZoneIdentity; sub: SubscriptionHandle } | undefined> {
    const id = await this.#identify(call);
    if (!id) return undefined;
    try {
      if (!(await this.#ensureZone(id.zone))) {
        failCall(call, grpcError(grpc.status.FAILED_PRECONDITION, `zone "${id.zone}" is disabled on global`));
        return undefined;
      }
    } catch (err) {
      failCall(call, grpcError(grpc.status.UNAVAILABLE, `cannot register zone: ${(err as Error).message}`));
      return undefined;
    }
    const holder = this.#holders.get(id.zone);
    if (holder && holder.instanceId !== id.zoneInstanceId && holder.streams > 0) {
      const message = `zone "${id.zone}" is already connected to global from another control plane instance (${holder.instanceId}); a zone syncs through one instance at a time. Is a second zone control plane running under the name "${id.zone}"?`;
      this.#o.logger.warn({ zone: id.zone, instance: id.zoneInstanceId, connected: holder.instanceId }, 'refused a second instance of a connected zone');
      failCall(call, grpcError(grpc.status.FAILED_PRECONDITION, message));
      return undefined;
    }
    // Claimed before anything else is awaited: two instances cannot both pass the check.
    const claim = holder?.instanceId === id.zoneInstanceId ? holder : { instanceId: id.zoneInstanceId, streams: 0 };
    claim.streams++;
    this.#holders.set(id.zone, claim);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      if (--claim.streams === 0 && this.#holders.get(id.zone) === claim) this.#holders.delete(id.zone);
    };
    for (const event of ['end', 'error', 'cancelled', 'close']) call.on(event, release);
    const sub = await this.#o.insights.open(id.zone, id.zoneInstanceId, id);
    return { id, sub };
  }

  async #globalToZone(call: Duplex<DeltaDiscoveryRequest, DeltaDiscoveryResponse>): Promise<void> {
    const opened = await this.#open(call);
    if (!opened) return;
    const { id, sub } = opened;
    const log = this.#o.logger.child({ zone: id.zone, stream: 'global-to-zone' });
    // When the response in flight of each type was sent (one per type awaits its ACK).
    const sentAt = new Map<string, number>();
    const session = new DeltaServerSession({
      send: (res) => call.write(res),
      maxMessageBytes: this.#o.maxMessageBytes,
      logger: log,
      events: {
        sent: (t) => {
          sub.count('sent', t);
          sentAt.set(t, performance.now());
        },
        acked: (t) => {
          sub.count('acked', t);
          const at = sentAt.get(t);
          sentAt.delete(t);
          if (at !== undefined) this.#o.onDelivered?.(t, (performance.now() - at) / 1000);
        },
        nacked: (t) => {
          sub.count('nacked', t);
          sentAt.delete(t);
        },
      },
    });
    const entry = { zone: id.zone, session };
    await this.#o.cache.ready();
    session.setSnapshot(this.#builder.build(id.zone));
    this.#sessions.add(entry);
    const close = () => {
      if (!this.#sessions.delete(entry)) return;
      sub.release();
      log.debug('stream closed');
    };
    call.on('data', (req: DeltaDiscoveryRequest) => session.handleRequest(req));
    onStreamEnd(call, close);
  }

  async #zoneToGlobal(call: Duplex<DeltaDiscoveryResponse, DeltaDiscoveryRequest>): Promise<void> {
    const opened = await this.#open(call);
    if (!opened) return;
    const { id, sub } = opened;
    const zone = id.zone;
    const log = this.#o.logger.child({ zone, stream: 'zone-to-global' });
    const syncer = new StoreSyncer({
      store: this.#o.store,
      registry: this.#o.registry,
      logger: log,
      maxResourceBytes: this.#o.maxResourceBytes,
      owns: (r) => r.labels[ZONE_LABEL] === zone && r.labels[DISPLAY_NAME_LABEL] !== undefined,
      senderName: (r) => kdsName(r.labels[DISPLAY_NAME_LABEL]!, r.mesh),
      toInput: (d, env, version) => fromZone(d, env, zone, version),
    });
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      sub.release();
    };
    const session = new DeltaClientSession({
      send: (req) => {
        if (!closed) call.write(req);
      },
      types: upTypes(this.#o.registry).map((d) => d.name),
      initialVersions: (t) => syncer.initialVersions(t),
      apply: (t, resources, removed) => syncer.apply(t, resources, removed),
      logger: log,
      onResult: (t, ok) => sub.count(ok ? 'acked' : 'nacked', t),
    });
    call.on('data', (res: DeltaDiscoveryResponse) => {
      sub.count('sent', res.type_url);
      session.handleResponse(res);
    });
    onStreamEnd(call, close);
    await session.start((err) => {
      log.error({ err: (err as Error).message }, 'cannot apply zone resources; closing the stream so the zone resyncs');
      close();
      failCall(call, grpcError(grpc.status.UNAVAILABLE, `global cannot store zone resources: ${(err as Error).message}`));
    });
  }

  /**
   * A zone's Envoy admin stream. Only the instance that syncs the zone may open one (it is
   * the one that knows the zone's proxies); it is not counted among the sync streams.
   */
  async #envoyAdmin(kind: AdminKind, call: Duplex<AdminResponseMessage, AdminRequestMessage>): Promise<void> {
    if (!this.#o.envoyAdmin) return failCall(call, grpcError(grpc.status.UNIMPLEMENTED, 'this global does not read Envoy admin through zones'));
    const id = await this.#identify(call);
    if (!id) return;
    const holder = this.#holders.get(id.zone);
    if (holder?.instanceId !== id.zoneInstanceId) {
      return failCall(call, grpcError(grpc.status.FAILED_PRECONDITION, `zone "${id.zone}" instance ${id.zoneInstanceId} does not sync the zone: open the sync streams first`));
    }
    this.#o.envoyAdmin.register(kind, id.zone, call);
  }

  async #healthCheck(call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>): Promise<void> {
    let id: ZoneIdentity;
    try {
      id = await this.#o.authenticate(call.metadata);
    } catch (err) {
      return callback(err as grpc.ServiceError);
    }
    this.#o.insights.heartbeat(id.zone);
    const ms = this.#o.heartbeatIntervalMs;
    callback(null, {
      interval: { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 },
      streams_open: this.#o.insights.streams(id.zone, id.zoneInstanceId) >= 2,
    });
  }
}
