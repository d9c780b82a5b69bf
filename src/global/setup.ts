import { GLOBAL_HOSTNAME_GENERATORS } from '../meshservice/default-generators.ts';
import { UserTokens } from '../tokens/user-token.ts';
import { registerCommonComponents } from '../app/common-components.ts';
import { defaults } from '../app/components/defaults.ts';
import { resourceCacheComponent } from '../app/components/resource-cache.ts';
import type { Runtime } from '../app/runtime.ts';
import { kdsGlobalComponents } from '../kds/global/components.ts';
import { meshCaManager } from '../mtls/components.ts';
import { ResourceCache } from '../store/resource-cache.ts';
import { ZoneTokens } from '../tokens/zone-token.ts';
import { DataplaneTokens } from '../tokens/dataplane-token.ts';
import { EnvoyAdminForwarder, GlobalEnvoyAdmin } from '../kds/global/envoy-admin-forwarder.ts';

/** The global control plane: wiring only. */
export function setupGlobal(rt: Runtime): void {
  const zoneTokens = new ZoneTokens(rt.store);
  // `inspect dataplane --type=config-dump|stats|clusters` at global: asked of the proxy's zone over KDS.
  const envoyAdmin = new EnvoyAdminForwarder({ logger: rt.logger.child({ component: 'envoy-admin-forwarder' }) });
  registerCommonComponents(rt, {
    zoneTokens,
    dataplaneTokens: new DataplaneTokens(rt.store),
    userTokens: new UserTokens(rt.store),
    envoyAdmin: new GlobalEnvoyAdmin({ store: rt.store, forwarder: envoyAdmin }),
  });
  const cache = new ResourceCache({ store: rt.store, registry: rt.registry, logger: rt.logger.child({ component: 'resource-cache' }) });
  rt.components.add(
    defaults({ store: rt.store, logger: rt.logger.child({ component: 'defaults' }), adminToken: true, defaultMesh: !rt.config.defaults.skipMeshCreation, hostnameGenerators: GLOBAL_HOSTNAME_GENERATORS }),
    resourceCacheComponent(cache),
    ...kdsGlobalComponents(rt, cache, zoneTokens, { envoyAdmin }),
    meshCaManager({ store: rt.store, cache, logger: rt.logger.child({ component: 'mesh-ca-manager' }) }),
  );
}
