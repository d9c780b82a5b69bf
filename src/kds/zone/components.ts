import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { Runtime } from '../../app/runtime.ts';
import type { Component } from '../../core/component.ts';
import type { Config } from '../../core/config/schema.ts';
import { MeshworkError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { ResourceCache } from '../../store/resource-cache.ts';
import { KdsZoneClient } from './kds-client.ts';
import type { EnvoyAdminAccess } from '../../envoy-admin/access.ts';

/** Channel credentials for global's address: grpc:// plain, grpcs:// TLS (CA file, system CAs, or skip-verify). */
export function kdsChannelCredentials(zone: Config['multizone']['zone'], logger: Logger): grpc.ChannelCredentials {
  const url = new URL(zone.globalAddress!);
  if (url.protocol === 'grpc:') {
    logger.warn({ globalAddress: zone.globalAddress }, 'KDS without TLS: use grpcs:// outside of tests');
    return grpc.credentials.createInsecure();
  }
  let ca: Buffer | null = null;
  if (zone.kdsCaFile) {
    try {
      ca = readFileSync(zone.kdsCaFile);
    } catch (err) {
      throw new MeshworkError('BAD_REQUEST', `cannot read the KDS CA file: ${(err as Error).message}`, { invalidParameters: [{ field: 'multizone.zone.kdsCaFile', reason: (err as Error).message }] });
    }
  }
  if (zone.kdsTlsSkipVerify) {
    logger.warn('KDS TLS certificate of global is NOT verified (MESHWORK_KDS_TLS_SKIP_VERIFY=true)');
    return grpc.credentials.createSsl(ca, null, null, { rejectUnauthorized: false, checkServerIdentity: () => undefined });
  }
  return grpc.credentials.createSsl(ca);
}

/** The zone token, read from its file (re-read on every reconnect, so it can be rotated). */
function readToken(file: string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new MeshworkError('BAD_REQUEST', `cannot read the zone token file: ${(err as Error).message}`, { invalidParameters: [{ field: 'multizone.zone.tokenFile', reason: (err as Error).message }] });
  }
}

/** A federated zone's KDS client. The zone is ready without global: it serves its last state. */
export function kdsZoneComponents(rt: Runtime, cache: ResourceCache, options: { beforeUp?: () => Promise<void>; envoyAdmin?: EnvoyAdminAccess } = {}): { components: Component[]; client: KdsZoneClient } {
  const { config } = rt;
  const zone = config.multizone.zone;
  const url = new URL(zone.globalAddress!);
  const logger = rt.logger.child({ component: 'kds-client' });
  readToken(zone.tokenFile);
  const client = new KdsZoneClient({
    zone: zone.name!,
    target: url.host,
    credentials: kdsChannelCredentials(zone, logger),
    token: () => readToken(zone.tokenFile),
    store: rt.store,
    cache,
    registry: rt.registry,
    logger,
    version: rt.version,
    maxMessageBytes: config.kds.maxMessageBytes,
    maxResourceBytes: config.store.maxResourceBytes,
    upDebounceMs: config.multizone.zone.upDebounceMs,
    reconnectBaseMs: zone.reconnectBaseMs,
    reconnectMaxMs: zone.reconnectMaxMs,
    heartbeatIntervalMs: config.kds.heartbeatIntervalMs,
    ...(options.beforeUp ? { beforeUp: options.beforeUp } : {}),
    ...(options.envoyAdmin ? { envoyAdmin: options.envoyAdmin } : {}),
  });
  // The zone's store lost its data: get global's resources again (the zone's own go up once
  // the connected proxies are registered again, see beforeUp).
  cache.onChange((change) => {
    if (change.reset) client.resync(`the zone store lost its data (${change.reset.reason})`);
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
        // Global unreachable: the zone serves its last state and stays ready. Global refusing
        // the zone (token, disabled zone, another instance connected) is a fault to fix.
        async ready() {
          const refusal = client.refusal;
          return refusal ? `global refuses this zone: ${refusal}` : undefined;
        },
      },
    ],
  };
}
