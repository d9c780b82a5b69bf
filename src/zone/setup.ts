import { registerCommonComponents } from '../app/common-components.ts';
import { defaults } from '../app/components/defaults.ts';
import type { Runtime } from '../app/runtime.ts';
import { MeshworkError } from '../core/errors.ts';

/**
 * The zone control plane: wiring only. Standalone for now: federation with global (KDS)
 * is not built yet, so a zone configured with a global address refuses to start rather
 * than pretend to sync.
 */
export function setupZone(rt: Runtime): void {
  if (rt.role === 'federated-zone') {
    throw new MeshworkError('BAD_REQUEST', 'federation with a global control plane (MESHWORK_GLOBAL_ADDRESS) is not available yet: run the zone standalone', {
      invalidParameters: [{ field: 'multizone.zone.globalAddress', reason: 'KDS is not implemented yet' }],
    });
  }
  registerCommonComponents(rt);
  rt.components.add(
    defaults({ store: rt.store, logger: rt.logger.child({ component: 'defaults' }), adminToken: true, defaultMesh: !rt.config.defaults.skipMeshCreation }),
  );
}
