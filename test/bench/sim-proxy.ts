import * as grpc from '@grpc/grpc-js';
import { adsService } from '../../src/xds/server/ads-server.ts';
import { typeUrl, type XdsKind } from '../../src/xds/envoy/protos.ts';
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse } from '../../src/xds/delta/messages.ts';
import type { DiscoveryRequest, DiscoveryResponse } from '../../src/xds/server/sotw-session.ts';

// A simulated Envoy for benchmarks: one TLS connection to the DP server, ADS in either
// protocol — state of the world (CDS and LDS wildcard, then EDS for its clusters) or delta
// (CDS and LDS "*", then EDS by name) — and every response ACKed. Like Envoy, it warms a
// new or changed cluster until that cluster's ClusterLoadAssignment arrives: in SotW it asks
// for the endpoints again (names and version unchanged) after ACKing the clusters; in delta
// it asks nothing and ACKs the clusters only once they are warm. A cluster not warmed
// within Envoy's initial fetch timeout (15 s) counts in `warmTimeouts`. It records when the
// first response and the full config (CDS, EDS, LDS ACKed, no cluster warming) arrived,
// and, like Envoy, opens a new stream after a jittered delay (0.2–0.7 s) when one fails.

const AdsClient = grpc.makeGenericClientConstructor(adsService(), 'AggregatedDiscoveryService');

/** Envoy's default initial_fetch_timeout. */
const INITIAL_FETCH_TIMEOUT_MS = 15_000;

export interface SimProxyOptions {
  /** Speak delta xDS (DeltaAggregatedResources) instead of state of the world. */
  delta?: boolean;
  /** The node's metadata (a google.protobuf.Struct), as JSON: what a bootstrap puts there, e.g. kuma-dp's for kuma-cp. */
  nodeMetadata?: Record<string, unknown>;
}

/** A JSON value as a google.protobuf.Value, as grpc encodes it (camelCase fields). */
function structValue(v: unknown): Record<string, unknown> {
  if (v === null || v === undefined) return { nullValue: 'NULL_VALUE' };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(structValue) } };
  return { structValue: toStruct(v as Record<string, unknown>) };
}
const toStruct = (o: Record<string, unknown>) => ({ fields: Object.fromEntries(Object.entries(o).map(([k, v]) => [k, structValue(v)])) });

/** A high-resolution wall-clock time in ms, comparable between threads (unlike performance.now()). */
export const now = () => performance.timeOrigin + performance.now();

/** Times are now() values. */
export interface SimProxy {
  readonly nodeId: string;
  readonly firstResponseAt: Promise<number>;
  readonly configuredAt: Promise<number>;
  /** Resolves at the next ACK of a `kind` response received from now on. */
  nextAck(kind: XdsKind): Promise<number>;
  /** Resolves when the clusters of the next CDS response received from now on are all warm. */
  nextWarm(): Promise<number>;
  /** Clusters that warmed only by Envoy's initial fetch timeout (their endpoints never came). */
  readonly warmTimeouts: number;
  /**
   * For the first stream opened after `since`: how long that stream waited for its first
   * response, and when its full config was ACKed.
   */
  reconnected(since: number): Promise<{ waitedMs: number; configuredAt: number }>;
  close(): void;
}

type Stream = grpc.ClientDuplexStream<DiscoveryRequest | DeltaDiscoveryRequest, DiscoveryResponse | DeltaDiscoveryResponse>;
const CDS = typeUrl('cluster');
const EDS = typeUrl('endpoint');
const LDS = typeUrl('listener');
const CONFIG_TYPES = [CDS, EDS, LDS];

/** Field 1 of an encoded message when it is a string: Cluster.name, ClusterLoadAssignment.cluster_name. */
function firstStringField(buf: Buffer): string {
  if (buf[0] !== 0x0a) return '';
  let len = 0;
  let shift = 0;
  let i = 1;
  for (; i < buf.length; i++) {
    len |= (buf[i]! & 0x7f) << shift;
    shift += 7;
    if ((buf[i]! & 0x80) === 0) break;
  }
  return buf.subarray(i + 1, i + 1 + len).toString('utf8');
}

// One TLS context for every simulated proxy: creating one loads the system's CA store, which
// would cost more than the connection itself. (The DP server's self-signed cert is not verified.)
let credentials: grpc.ChannelCredentials | undefined;

type Waiter<T> = { resolve: (v: T) => void };

export function simProxy(target: string, nodeId: string, edsClusters: string[], options: SimProxyOptions = {}): SimProxy {
  credentials ??= grpc.credentials.createSsl(null, null, null, { rejectUnauthorized: false, checkServerIdentity: () => undefined });
  const client = new AdsClient(target, credentials, {
    'grpc.use_local_subchannel_pool': 1,
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
  }) as unknown as Record<'StreamAggregatedResources' | 'DeltaAggregatedResources', () => Stream> & grpc.Client;
  let resolveFirst!: (at: number) => void;
  let resolveConfigured!: (at: number) => void;
  const firstResponseAt = new Promise<number>((r) => (resolveFirst = r));
  const configuredAt = new Promise<number>((r) => (resolveConfigured = r));
  let ackWaiters: (Waiter<number> & { type: string })[] = [];
  let warmWaiters: (Waiter<number> & { armed: boolean })[] = [];
  let reconnectWaiters: (Waiter<{ waitedMs: number; configuredAt: number }> & { since: number })[] = [];
  let closed = false;
  let stream: Stream | undefined;
  let warmTimeouts = 0;
  // Like Envoy, the proxy keeps its clusters across streams: on a reconnect, unchanged ones do not warm.
  const clusters = new Map<string, Buffer>();
  const edsNames = new Set(edsClusters);

  const open = () => {
    const openedAt = now();
    const delta = options.delta === true;
    const s = delta ? client.DeltaAggregatedResources() : client.StreamAggregatedResources();
    stream = s;
    const acked = new Set<string>();
    let firstAt: number | undefined;
    let configured = false;
    let edsRequested = false;
    let lastEds: { version: string; nonce: string } | undefined;
    /** Clusters waiting for their endpoints, and what completes when they are warm. */
    let warming = new Set<string>();
    let onWarm: (() => void)[] = [];
    let warmTimer: NodeJS.Timeout | undefined;

    const ack = (type: string, at: number) => {
      acked.add(type);
      ackWaiters = ackWaiters.filter((w) => (w.type === type ? (w.resolve(at), false) : true));
      checkConfigured(at);
    };
    const checkConfigured = (at: number) => {
      if (configured || warming.size > 0 || !CONFIG_TYPES.every((t) => acked.has(t))) return;
      configured = true;
      resolveConfigured(at);
      reconnectWaiters = reconnectWaiters.filter((w) => (openedAt < w.since ? true : (w.resolve({ waitedMs: firstAt! - openedAt, configuredAt: at }), false)));
    };
    const warmed = (at: number) => {
      clearTimeout(warmTimer);
      warmTimer = undefined;
      warming = new Set();
      const done = onWarm;
      onWarm = [];
      for (const f of done) f();
      warmWaiters = warmWaiters.filter((w) => (w.armed ? (w.resolve(at), false) : true));
      checkConfigured(at);
    };
    const requestEds = () => {
      if (edsRequested) return;
      edsRequested = true;
      if (delta) s.write({ type_url: EDS, resource_names_subscribe: edsClusters });
      else s.write({ type_url: EDS, resource_names: edsClusters });
    };

    s.on('data', (res: DiscoveryResponse | DeltaDiscoveryResponse) => {
      const at = now();
      if (firstAt === undefined) {
        firstAt = at;
        resolveFirst(at);
      }
      const type = res.type_url;
      const ackRequest = delta ? { type_url: type, response_nonce: res.nonce } : { type_url: type, version_info: (res as DiscoveryResponse).version_info, response_nonce: res.nonce, resource_names: type === EDS ? edsClusters : [] };
      if (type === CDS) {
        for (const w of warmWaiters) w.armed = true;
        const incoming = delta ? (res as DeltaDiscoveryResponse).resources.map((r) => ({ name: r.name, value: r.resource.value })) : (res as DiscoveryResponse).resources.map((r) => ({ name: firstStringField(r.value), value: r.value }));
        const changed = incoming.filter((c) => edsNames.has(c.name) && !clusters.get(c.name)?.equals(c.value)).map((c) => c.name);
        for (const c of incoming) clusters.set(c.name, c.value);
        for (const name of changed) warming.add(name);
        if (warming.size > 0 && !warmTimer) {
          warmTimer = setTimeout(() => {
            warmTimeouts += warming.size;
            warmed(now());
          }, INITIAL_FETCH_TIMEOUT_MS);
        }
        if (delta && warming.size > 0) {
          // Envoy ACKs the clusters once they are warm.
          onWarm.push(() => {
            s.write(ackRequest);
            ack(type, now());
          });
        } else {
          s.write(ackRequest);
          ack(type, at);
        }
        if (!edsRequested) requestEds();
        // A warming cluster's endpoints, asked for again with what the proxy already has.
        else if (!delta && changed.length > 0) s.write({ type_url: EDS, version_info: lastEds?.version ?? '', response_nonce: lastEds?.nonce ?? '', resource_names: edsClusters });
        if (warming.size === 0) warmed(at);
        return;
      }
      if (type === EDS) {
        if (!delta) lastEds = { version: (res as DiscoveryResponse).version_info, nonce: res.nonce };
        const names = delta ? (res as DeltaDiscoveryResponse).resources.map((r) => r.name) : (res as DiscoveryResponse).resources.map((r) => firstStringField(r.value));
        for (const n of names) warming.delete(n);
        s.write(ackRequest);
        ack(type, at);
        if (warmTimer && warming.size === 0) warmed(at);
        return;
      }
      s.write(ackRequest);
      ack(type, at);
    });
    let failed = false;
    const retry = () => {
      clearTimeout(warmTimer);
      if (failed || closed) return;
      failed = true;
      setTimeout(() => !closed && open(), 200 + Math.random() * 500);
    };
    s.on('error', retry);
    s.on('end', retry);
    const node = { id: nodeId, cluster: nodeId, ...(options.nodeMetadata ? { metadata: toStruct(options.nodeMetadata) } : {}) };
    if (delta) {
      s.write({ node, type_url: CDS, resource_names_subscribe: ['*'] });
      s.write({ type_url: LDS, resource_names_subscribe: ['*'] });
    } else {
      s.write({ node, type_url: CDS, resource_names: [] });
      s.write({ type_url: LDS, resource_names: [] });
    }
  };
  open();
  return {
    nodeId,
    firstResponseAt,
    configuredAt,
    get warmTimeouts() {
      return warmTimeouts;
    },
    nextAck: (kind) => new Promise((resolve) => ackWaiters.push({ type: typeUrl(kind), resolve })),
    nextWarm: () => new Promise((resolve) => warmWaiters.push({ armed: false, resolve })),
    reconnected: (since) => new Promise((resolve) => reconnectWaiters.push({ since, resolve })),
    close() {
      closed = true;
      stream?.cancel();
      client.close();
    },
  };
}
