import * as grpc from '@grpc/grpc-js';
import type { Runtime } from '../../app/runtime.ts';
import type { Component } from '../../core/component.ts';
import type { ResourceCache } from '../../store/resource-cache.ts';
import { KdsZoneClient } from './kds-client.ts';

/** A federated zone's KDS client. The zone is ready without global: it serves its last state. */
export function kdsZoneComponents(rt: Runtime, cache: ResourceCache): { components: Component[]; client: KdsZoneClient } {
  const { config } = rt;
  const zone = config.multizone.zone;
  const url = new URL(zone.globalAddress!);
  const client = new KdsZoneClient({
    zone: zone.name!,
    target: url.host,
    credentials: grpc.credentials.createInsecure(),
    store: rt.store,
    cache,
    registry: rt.registry,
    logger: rt.logger.child({ component: 'kds-client' }),
    version: rt.version,
    maxMessageBytes: config.kds.maxMessageBytes,
    maxResourceBytes: config.store.maxResourceBytes,
    debounceMs: config.kds.debounceMs,
    reconnectBaseMs: zone.reconnectBaseMs,
    reconnectMaxMs: zone.reconnectMaxMs,
    heartbeatIntervalMs: config.kds.heartbeatIntervalMs,
  });
  let running: Promise<void> | undefined;
  return {
    client,
    components: [
      {
        name: 'kds-client',
        needsLeader: true,
        async start(signal) {
          running = client.run(signal);
        },
        async stop() {
          await running;
        },
      },
    ],
  };
}
