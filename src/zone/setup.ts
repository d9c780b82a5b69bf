import { UserTokens } from '../tokens/user-token.ts';
import { registerCommonComponents } from '../app/common-components.ts';
import { defaults } from '../app/components/defaults.ts';
import { resourceCacheComponent } from '../app/components/resource-cache.ts';
import type { Runtime } from '../app/runtime.ts';
import { dpServerComponents } from '../dp-server/components.ts';
import { availableServicesUpdater } from '../ingress/component.ts';
import { kdsZoneComponents } from '../kds/zone/components.ts';
import { meshCaManager } from '../mtls/components.ts';
import { meshServiceManager } from '../meshservice/component.ts';
import { ZONE_HOSTNAME_GENERATORS } from '../meshservice/default-generators.ts';
import { ResourceCache } from '../store/resource-cache.ts';
import { DataplaneTokens } from '../tokens/dataplane-token.ts';
import { LocalEnvoyAdmin } from '../envoy-admin/access.ts';
import { EnvoyAdminClient } from '../envoy-admin/client.ts';

/**
 * The zone control plane: wiring only. Standalone, it owns its meshes and policies; with a
 * global address, it gets them from global over KDS and sends its own resources up.
 */
export function setupZone(rt: Runtime): void {
  const federated = rt.role === 'federated-zone';
  const cache = new ResourceCache({ store: rt.store, registry: rt.registry, logger: rt.logger.child({ component: 'resource-cache' }) });
  const dp = dpServerComponents(rt, cache);
  // `inspect dataplane --type=config-dump|stats|clusters`: asked here, or by global over KDS.
  const zoneName = rt.config.multizone.zone.name ?? 'standalone';
  const envoyAdmin = new LocalEnvoyAdmin({ store: rt.store, client: new EnvoyAdminClient(dp.envoyAdminTls), zone: zoneName });
  // Signing keys of a federated zone come from global; only a standalone zone issues tokens.
  registerCommonComponents(rt, {
    proxyConfig: (nodeId) => dp.snapshots.get(nodeId)?.toJSON(),
    zoneIngressTokens: dp.ingressTokens,
    envoyAdmin,
    ...(federated ? {} : { dataplaneTokens: new DataplaneTokens(rt.store), userTokens: new UserTokens(rt.store) }),
  });
  rt.components.add(
    resourceCacheComponent(cache),
    // A federated zone has its own admin token (global's never leaves global); its meshes come from global.
    defaults({ store: rt.store, logger: rt.logger.child({ component: 'defaults' }), adminToken: true, defaultMesh: !federated && !rt.config.defaults.skipMeshCreation, hostnameGenerators: ZONE_HOSTNAME_GENERATORS }),
  );
  // Meshes are authored here when standalone: so are their CAs. A federated zone gets both from global.
  if (!federated) rt.components.add(meshCaManager({ store: rt.store, cache, logger: rt.logger.child({ component: 'mesh-ca-manager' }) }));
  rt.components.add(
    meshServiceManager({
      store: rt.store,
      cache,
      logger: rt.logger.child({ component: 'meshservice' }),
      zone: zoneName,
      meshServiceCidr: rt.config.ipam.meshServiceCidr,
      deletionGracePeriodMs: rt.config.meshService.deletionGracePeriodMs,
    }),
  );
  rt.components.add(...dp.components, availableServicesUpdater({ store: rt.store, cache, logger: rt.logger.child({ component: 'ingress' }), debounceMs: 100 }));
  if (federated) rt.components.add(...kdsZoneComponents(rt, cache, { beforeUp: dp.restored, envoyAdmin }).components);
}
