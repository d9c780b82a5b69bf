import * as grpc from '@grpc/grpc-js';
import type { Runtime } from '../../app/runtime.ts';
import type { Component } from '../../core/component.ts';
import { isMeshworkError } from '../../core/errors.ts';
import type { ResourceCache } from '../../store/resource-cache.ts';
import { scopeAllowsZoneCp, type ZoneTokens } from '../../tokens/zone-token.ts';
import { MD } from '../proto.ts';
import { identityFromMetadata, KdsServer, type ZoneIdentity } from './kds-server.ts';
import { grpcError } from '../../core/grpc-errors.ts';
import { kdsServerCertificate } from './tls.ts';
import type { EnvoyAdminForwarder } from './envoy-admin-forwarder.ts';
import { ZoneInsightTracker } from './zone-insights.ts';

/** Checks a zone's token against its client-id; a zone can only connect as itself. */
export function zoneTokenAuthenticator(tokens: ZoneTokens | undefined): (md: grpc.Metadata) => Promise<ZoneIdentity> {
  return async (md) => {
    const id = identityFromMetadata(md);
    if (!tokens) return { ...id, authenticationType: 'none' };
    const header = String(md.get(MD.authorization)[0] ?? '');
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (!token) throw grpcError(grpc.status.UNAUTHENTICATED, `zone "${id.zone}" sent no zone token; generate one with \`meshctl generate zone-token --zone ${id.zone}\``);
    let claims;
    try {
      claims = await tokens.verify(token);
    } catch (err) {
      if (isMeshworkError(err, 'UNAUTHENTICATED')) throw grpcError(grpc.status.UNAUTHENTICATED, err.message);
      throw grpcError(grpc.status.UNAVAILABLE, `cannot verify the zone token: ${(err as Error).message}`);
    }
    if (claims.zone !== id.zone) throw grpcError(grpc.status.PERMISSION_DENIED, `the zone token was issued for zone "${claims.zone}", not "${id.zone}"`);
    if (!scopeAllowsZoneCp(claims.scope)) throw grpcError(grpc.status.PERMISSION_DENIED, `the zone token is scoped to ${claims.scope.join(', ') || 'nothing'}: a zone control plane needs the "cp" scope (or Kuma's full scope, ingress and egress)`);
    return { ...id, authenticationType: 'zoneToken' };
  };
}

/** Global's KDS: the gRPC server zones dial, and the zone insight tracker. */
export function kdsGlobalComponents(rt: Runtime, cache: ResourceCache, zoneTokens: ZoneTokens, options: { envoyAdmin?: EnvoyAdminForwarder } = {}): Component[] {
  const { config } = rt;
  const logger = rt.logger.child({ component: 'kds-server' });
  const insights = new ZoneInsightTracker({
    store: rt.store,
    logger: rt.logger.child({ component: 'zone-insights' }),
    globalInstanceId: rt.instanceId,
    flushIntervalMs: config.kds.insightFlushIntervalMs,
    offlineAfterMs: config.kds.zoneOfflineAfterMs,
    onCount: (type, result) => rt.metrics.kdsResponses.inc({ type, result }),
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
    authenticate: zoneTokenAuthenticator(config.kds.requireZoneToken ? zoneTokens : undefined),
    onDelivered: (type, seconds) => rt.metrics.kdsDelivery.observe({ type }, seconds),
    ...(options.envoyAdmin ? { envoyAdmin: options.envoyAdmin } : {}),
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
        let credentials = grpc.ServerCredentials.createInsecure();
        let tlsInfo: Record<string, unknown> = { tls: false };
        if (config.kds.tls.enabled) {
          const cert = await kdsServerCertificate(config.kds.tls, rt.store);
          credentials = grpc.ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(cert.cert), private_key: Buffer.from(cert.key) }], false);
          tlsInfo = { tls: true, selfSigned: cert.selfSigned, fingerprint: cert.fingerprint };
        }
        kds.start();
        const address = `${config.kds.address}:${config.kds.port}`;
        await new Promise<void>((resolve, reject) =>
          kds.server.bindAsync(address, credentials, (err) => (err ? reject(new Error(`cannot listen on ${address}: ${err.message}`)) : resolve())),
        );
        logger.info({ address, ...tlsInfo, zoneTokensRequired: config.kds.requireZoneToken }, 'KDS server listening');
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
