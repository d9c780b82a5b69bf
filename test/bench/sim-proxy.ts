import * as grpc from '@grpc/grpc-js';
import { adsService } from '../../src/xds/server/ads-server.ts';
import { typeUrl } from '../../src/xds/envoy/protos.ts';
import type { DiscoveryRequest, DiscoveryResponse } from '../../src/xds/server/sotw-session.ts';

// A simulated Envoy for benchmarks: one TLS connection to the DP server, SotW ADS, CDS and
// LDS wildcard subscriptions, EDS for the given clusters, every response ACKed. It records
// when the first response and the full config (CDS, EDS, LDS ACKed) arrived, and, like
// Envoy, opens a new stream after a jittered delay (0.2–0.7 s) when its stream fails.

const AdsClient = grpc.makeGenericClientConstructor(adsService(), 'AggregatedDiscoveryService');

export interface SimProxy {
  readonly firstResponseMs: Promise<number>;
  readonly configuredMs: Promise<number>;
  /** Resolves at the next ACKed LDS or CDS response after now (a config change arrived). */
  nextUpdate(): Promise<number>;
  /**
   * For the first stream opened after `since` (performance.now()): how long that stream
   * waited for its first response, and when (performance.now()) its full config was ACKed.
   */
  reconnected(since: number): Promise<{ waitedMs: number; configuredAt: number }>;
  close(): void;
}

export function simProxy(target: string, nodeId: string, edsClusters: string[]): SimProxy {
  const started = performance.now();
  const client = new AdsClient(target, grpc.credentials.createSsl(null, null, null, { rejectUnauthorized: false, checkServerIdentity: () => undefined }), {
    'grpc.use_local_subchannel_pool': 1,
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
  });
  let resolveFirst!: (ms: number) => void;
  let resolveConfigured!: (ms: number) => void;
  const firstResponseMs = new Promise<number>((r) => (resolveFirst = r));
  const configuredMs = new Promise<number>((r) => (resolveConfigured = r));
  let waiters: ((ms: number) => void)[] = [];
  let reconnectWaiters: { since: number; resolve: (r: { waitedMs: number; configuredAt: number }) => void }[] = [];
  let closed = false;
  let stream: grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse> | undefined;

  const open = () => {
    const openedAt = performance.now();
    const s = (client as unknown as { StreamAggregatedResources(): grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse> }).StreamAggregatedResources();
    stream = s;
    const acked = new Set<string>();
    let firstAt: number | undefined;
    let configured = false;
    s.on('data', (res: DiscoveryResponse) => {
      const now = performance.now();
      if (firstAt === undefined) {
        firstAt = now;
        resolveFirst(now - started);
      }
      s.write({ type_url: res.type_url, version_info: res.version_info, response_nonce: res.nonce, resource_names: res.type_url === typeUrl('endpoint') ? edsClusters : [] });
      acked.add(res.type_url);
      if (!configured && [typeUrl('cluster'), typeUrl('endpoint'), typeUrl('listener')].every((t) => acked.has(t))) {
        configured = true;
        resolveConfigured(now - started);
        reconnectWaiters = reconnectWaiters.filter((w) => {
          if (openedAt < w.since) return true;
          w.resolve({ waitedMs: firstAt! - openedAt, configuredAt: now });
          return false;
        });
      }
      if (res.type_url === typeUrl('listener') || res.type_url === typeUrl('cluster')) {
        for (const w of waiters) w(now);
        waiters = [];
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
    s.write({ node: { id: nodeId, cluster: nodeId }, type_url: typeUrl('cluster'), resource_names: [] });
    s.write({ type_url: typeUrl('endpoint'), resource_names: edsClusters });
    s.write({ type_url: typeUrl('listener'), resource_names: [] });
  };
  open();
  return {
    firstResponseMs,
    configuredMs,
    nextUpdate: () => new Promise((r) => waiters.push(r)),
    reconnected: (since) => new Promise((resolve) => reconnectWaiters.push({ since, resolve })),
    close() {
      closed = true;
      stream?.cancel();
      client.close();
    },
  };
}
