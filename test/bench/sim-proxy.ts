import * as grpc from '@grpc/grpc-js';
import { adsService } from '../../src/xds/server/ads-server.ts';
import { typeUrl } from '../../src/xds/envoy/protos.ts';
import type { DiscoveryRequest, DiscoveryResponse } from '../../src/xds/server/sotw-session.ts';

// A simulated Envoy for benchmarks: one TLS connection to the DP server, SotW ADS, CDS and
// LDS wildcard subscriptions, EDS for the given clusters, every response ACKed. It records
// when the first response and the full config (CDS, EDS, LDS ACKed) arrived.

const AdsClient = grpc.makeGenericClientConstructor(adsService(), 'AggregatedDiscoveryService');

export interface SimProxy {
  readonly firstResponseMs: Promise<number>;
  readonly configuredMs: Promise<number>;
  /** Resolves at the next ACKed LDS or CDS response after now (a config change arrived). */
  nextUpdate(): Promise<number>;
  close(): void;
}

export function simProxy(target: string, nodeId: string, edsClusters: string[]): SimProxy {
  const started = performance.now();
  const client = new AdsClient(target, grpc.credentials.createSsl(null, null, null, { rejectUnauthorized: false, checkServerIdentity: () => undefined }), {
    'grpc.use_local_subchannel_pool': 1,
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
  });
  const stream = (client as unknown as { StreamAggregatedResources(): grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse> }).StreamAggregatedResources();
  let resolveFirst!: (ms: number) => void;
  let resolveConfigured!: (ms: number) => void;
  const firstResponseMs = new Promise<number>((r) => (resolveFirst = r));
  const configuredMs = new Promise<number>((r) => (resolveConfigured = r));
  const acked = new Set<string>();
  let waiters: ((ms: number) => void)[] = [];
  let first = true;
  stream.on('data', (res: DiscoveryResponse) => {
    if (first) resolveFirst(performance.now() - started);
    first = false;
    stream.write({ type_url: res.type_url, version_info: res.version_info, response_nonce: res.nonce, resource_names: res.type_url === typeUrl('endpoint') ? edsClusters : [] });
    acked.add(res.type_url);
    if ([typeUrl('cluster'), typeUrl('endpoint'), typeUrl('listener')].every((t) => acked.has(t))) resolveConfigured(performance.now() - started);
    if (res.type_url === typeUrl('listener') || res.type_url === typeUrl('cluster')) {
      const now = performance.now();
      for (const w of waiters) w(now);
      waiters = [];
    }
  });
  stream.on('error', () => {});
  stream.write({ node: { id: nodeId, cluster: nodeId }, type_url: typeUrl('cluster'), resource_names: [] });
  stream.write({ type_url: typeUrl('endpoint'), resource_names: edsClusters });
  stream.write({ type_url: typeUrl('listener'), resource_names: [] });
  return {
    firstResponseMs,
    configuredMs,
    nextUpdate: () => new Promise((r) => waiters.push(r)),
    close() {
      stream.cancel();
      client.close();
    },
  };
}
