import { buildApi, type ApiDeps } from '../api/server.ts';
import { AdminTokenVerifier } from '../tokens/admin-token.ts';
import { httpServer } from './components/http-server.ts';
import { storeConnection } from './components/store-connection.ts';
import { buildDiagnostics } from './diagnostics.ts';
import type { Runtime } from './runtime.ts';

/** Diagnostics, store and REST API: what every control plane runs, in start order. */
export function registerCommonComponents(rt: Runtime, extra: Pick<ApiDeps, 'zoneTokens' | 'dataplaneTokens' | 'userTokens' | 'proxyConfig' | 'zoneIngressTokens' | 'envoyAdmin'> = {}): void {
  const { config, logger } = rt;
  const api = buildApi({
    registry: rt.registry,
    manager: rt.manager,
    config,
    role: rt.role,
    logger,
    metrics: rt.metrics,
    adminTokens: new AdminTokenVerifier(rt.store),
    instanceId: rt.instanceId,
    version: rt.version,
    hostname: rt.hostname,
    ...extra,
  });
  rt.components.add(
    httpServer('diagnostics', buildDiagnostics(rt.components, rt.metrics), config.diagnostics.address, config.diagnostics.port, logger),
    storeConnection(rt.store, logger.child({ component: 'store' })),
    httpServer('api-server', api, config.apiServer.address, config.apiServer.port, logger),
  );
}
