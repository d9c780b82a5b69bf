import * as grpc from '@grpc/grpc-js';
import { adsService } from '../../src/xds/server/ads-server.ts';
import { typeUrl, type XdsKind } from '../../src/xds/envoy/protos.ts';
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse } from '../../src/xds/delta/messages.ts';
import type { DiscoveryRequest, DiscoveryResponse } from '../../src/xds/server/sotw-session.ts';

// A simulated Envoy for benchmarks: one TLS connection to the DP server, ADS in either
// protocol — state of the world (CDS and LDS wildcard, EDS for the given clusters) or delta
// (every type subscribed with "*") — and every response ACKed. It records when the first
// response and the full config (CDS, EDS, LDS ACKed) arrived, and, like Envoy, opens a new
// stream after a jittered delay (0.2–0.7 s) when its stream fails.

const AdsClient = grpc.makeGenericClientConstructor(adsService(), 'AggregatedDiscoveryService');

export interface SimProxyOptions {
  /** Speak delta xDS (DeltaAggregatedResources) instead of state of the world. */
  delta?: boolean;
}

/** A high-resolution wall-clock time in ms, comparable between threads (unlike performance.now()). */
export const now = () => performance.timeOrigin + performance.now();

/** Times are now() values. */
export interface SimProxy {
  readonly nodeId: string;
  readonly firstResponseAt: Promise<number>;
  readonly configuredAt: Promise<number>;
  /** Resolves at the next ACK of a `kind` response received from now on. */
  nextAck(kind: XdsKind): Promise<number>;
  /**
   * For the first stream opened after `since`: how long that stream waited for its first
   * response, and when its full config was ACKed.
   */
  reconnected(since: number): Promise<{ waitedMs: number; configuredAt: number }>;
  close(): void;
}

type Stream = grpc.ClientDuplexStream<DiscoveryRequest | DeltaDiscoveryRequest, DiscoveryResponse | DeltaDiscoveryResponse>;
const CONFIG_TYPES = [typeUrl('cluster'), typeUrl('endpoint'), typeUrl('listener')];

// One TLS context for every simulated proxy: creating one loads the system's CA store, which
// would cost more than the connection itself. (The DP server's self-signed cert is not verified.)
let credentials: grpc.ChannelCredentials | undefined;

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
  let ackWaiters: { type: string; resolve: (at: number) => void }[] = [];
  let reconnectWaiters: { since: number; resolve: (r: { waitedMs: number; configuredAt: number }) => void }[] = [];
  let closed = false;
  let stream: Stream | undefined;

  const open = () => {
    const openedAt = now();
    const s = options.delta ? client.DeltaAggregatedResources() : client.StreamAggregatedResources();
    stream = s;
    const acked = new Set<string>();
    let firstAt: number | undefined;
    let configured = false;
    s.on('data', (res: DiscoveryResponse | DeltaDiscoveryResponse) => {
      const at = now();
      if (firstAt === undefined) {
        firstAt = at;
        resolveFirst(at);
      }
      if (options.delta) s.write({ type_url: res.type_url, response_nonce: res.nonce });
      else s.write({ type_url: res.type_url, version_info: (res as DiscoveryResponse).version_info, response_nonce: res.nonce, resource_names: res.type_url === typeUrl('endpoint') ? edsClusters : [] });
      acked.add(res.type_url);
      if (!configured && CONFIG_TYPES.every((t) => acked.has(t))) {
        configured = true;
        resolveConfigured(at);
        reconnectWaiters = reconnectWaiters.filter((w) => {
          if (openedAt < w.since) return true;
          w.resolve({ waitedMs: firstAt! - openedAt, configuredAt: at });
          return false;
        });
      }
      if (ackWaiters.length > 0) {
        ackWaiters = ackWaiters.filter((w) => {
          if (w.type !== res.type_url) return true;
          w.resolve(at);
          return false;
        });
      }
    });
    let failed = false;
    const retry = () => {
      if (failed || closed) return;
      failed = true;
      setTimeout(() => !closed && open(), 200 + Math.random() * 500);
    };
    s.on('error', retry);
    s.on('end', retry);
    const node = { id: nodeId, cluster: nodeId };
    if (options.delta) {
      CONFIG_TYPES.forEach((type_url, i) => s.write({ ...(i === 0 ? { node } : {}), type_url, resource_names_subscribe: ['*'] }));
    } else {
      s.write({ node, type_url: typeUrl('cluster'), resource_names: [] });
      s.write({ type_url: typeUrl('endpoint'), resource_names: edsClusters });
      s.write({ type_url: typeUrl('listener'), resource_names: [] });
    }
  };
  open();
  return {
    nodeId,
    firstResponseAt,
    configuredAt,
    nextAck: (kind) => new Promise((resolve) => ackWaiters.push({ type: typeUrl(kind), resolve })),
    reconnected: (since) => new Promise((resolve) => reconnectWaiters.push({ since, resolve })),
    close() {
      closed = true;
      stream?.cancel();
      client.close();
    },
  };
}
