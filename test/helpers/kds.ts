import * as grpc from '@grpc/grpc-js';
import { silentLogger, type Logger } from '../../src/core/logger.ts';
import { identityFromMetadata, KdsServer } from '../../src/kds/global/kds-server.ts';
import { ZoneInsightTracker } from '../../src/kds/global/zone-insights.ts';
import { KdsZoneClient } from '../../src/kds/zone/kds-client.ts';
import { registry } from '../../src/resources/all.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { ResourceCache } from '../../src/store/resource-cache.ts';
import type { ResourceStore } from '../../src/store/store.ts';

// A global and zones wired over real gRPC on loopback, in one process, on any stores:
// for protocol tests that do not need separate processes.

export interface InProcessGlobal {
  store: ResourceStore;
  cache: ResourceCache;
  server: KdsServer;
  insights: ZoneInsightTracker;
  port: number;
  stop(): Promise<void>;
}

export interface InProcessZone {
  name: string;
  store: ResourceStore;
  cache: ResourceCache;
  client: KdsZoneClient;
  stop(): Promise<void>;
}

const MAX = 1024 * 1024;

export async function startGlobal(options: { store?: ResourceStore; maxMessageBytes?: number; heartbeatIntervalMs?: number; zoneOfflineAfterMs?: number; logger?: Logger } = {}): Promise<InProcessGlobal> {
  const logger = options.logger ?? silentLogger();
  const store = options.store ?? new MemoryStore({ registry, maxResourceBytes: MAX });
  const ac = new AbortController();
  const cache = new ResourceCache({ store, registry, logger: silentLogger() });
  const running = cache.run(ac.signal);
  await cache.ready();
  const insights = new ZoneInsightTracker({ store, logger: silentLogger(), globalInstanceId: 'global-test', flushIntervalMs: 50, offlineAfterMs: options.zoneOfflineAfterMs ?? 20_000 });
  await insights.start();
  const server = new KdsServer({
    store,
    cache,
    registry,
    logger,
    insights,
    maxMessageBytes: options.maxMessageBytes ?? 4 * MAX,
    maxResourceBytes: MAX,
    debounceMs: 5,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 500,
    authenticate: async (md) => ({ ...identityFromMetadata(md), authenticationType: 'none' }),
  });
  server.start();
  const port = await new Promise<number>((resolve, reject) => server.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return {
    store,
    cache,
    server,
    insights,
    port,
    async stop() {
      server.stop();
      server.server.forceShutdown();
      await insights.stop();
      ac.abort();
      await running;
    },
  };
}

export async function startZone(name: string, globalPort: number, options: { store?: ResourceStore; maxMessageBytes?: number; logger?: Logger } = {}): Promise<InProcessZone> {
  const store = options.store ?? new MemoryStore({ registry, maxResourceBytes: MAX });
  const ac = new AbortController();
  const cache = new ResourceCache({ store, registry, logger: silentLogger() });
  const cacheRunning = cache.run(ac.signal);
  await cache.ready();
  const client = new KdsZoneClient({
    zone: name,
    target: `127.0.0.1:${globalPort}`,
    credentials: grpc.credentials.createInsecure(),
    store,
    cache,
    registry,
    logger: options.logger ?? silentLogger(),
    version: 'test',
    maxMessageBytes: options.maxMessageBytes ?? 4 * MAX,
    maxResourceBytes: MAX,
    upDebounceMs: 5,
    reconnectBaseMs: 50,
    reconnectMaxMs: 500,
    heartbeatIntervalMs: 500,
  });
  const running = client.run(ac.signal);
  return {
    name,
    store,
    cache,
    client,
    async stop() {
      ac.abort();
      await running;
      await cacheRunning;
    },
  };
}

/** Starts globals and zones and stops them all, zones first: `afterEach(() => cluster.stopAll())`. */
export function kdsCluster() {
  let globals: InProcessGlobal[] = [];
  let zones: InProcessZone[] = [];
  return {
    async global(options?: Parameters<typeof startGlobal>[0]) {
      const g = await startGlobal(options);
      globals.push(g);
      return g;
    },
    async zone(...args: Parameters<typeof startZone>) {
      const z = await startZone(...args);
      zones.push(z);
      return z;
    },
    async stopAll() {
      for (const z of zones) await z.stop();
      for (const g of globals) await g.stop();
      zones = [];
      globals = [];
    },
  };
}
