import * as grpc from '@grpc/grpc-js';
import type { Runtime } from '../../app/runtime.ts';
import type { Component } from '../../core/component.ts';
import type { ResourceCache } from '../../store/resource-cache.ts';
import { identityFromMetadata, KdsServer } from './kds-server.ts';
import { ZoneInsightTracker } from './zone-insights.ts';

/** Global's KDS: the gRPC server zones dial, and the zone insight tracker. */
export function kdsGlobalComponents(rt: Runtime, cache: ResourceCache): Component[] {
  const { config } = rt;
  const logger = rt.logger.child({ component: 'kds-server' });
  const insights = new ZoneInsightTracker({
    store: rt.store,
    logger: rt.logger.child({ component: 'zone-insights' }),
    globalInstanceId: rt.instanceId,
    flushIntervalMs: config.kds.insightFlushIntervalMs,
    offlineAfterMs: config.kds.zoneOfflineAfterMs,
  });
  const kds = new KdsServer({
    store: rt.store,
    cache,
    registry: rt.registry,
    logger,
    insights,
    maxMessageBytes: config.kds.maxMessageBytes,
    maxResourceBytes: config.store.maxResourceBytes,
    debounceMs: config.kds.debounceMs,
    heartbeatIntervalMs: config.kds.heartbeatIntervalMs,
    authenticate: async (md) => ({ ...identityFromMetadata(md), authenticationType: 'none' }),
  });
  return [
    {
      name: 'zone-insights',
      needsLeader: false,
      start: () => insights.start(),
      stop: () => insights.stop(),
    },
    {
      name: 'kds-server',
      needsLeader: false,
      async start() {
        kds.start();
        const address = `${config.kds.address}:${config.kds.port}`;
        await new Promise<void>((resolve, reject) =>
          kds.server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(new Error(`cannot listen on ${address}: ${err.message}`)) : resolve())),
        );
        logger.info({ address, tls: false }, 'KDS server listening');
      },
      async stop() {
        kds.stop();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            kds.server.forceShutdown();
            resolve();
          }, 2000);
          kds.server.tryShutdown(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      },
    },
  ];
}
