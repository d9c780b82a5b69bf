import { registerCommonComponents } from '../app/common-components.ts';
import { defaults } from '../app/components/defaults.ts';
import type { Runtime } from '../app/runtime.ts';

/** The global control plane: wiring only. */
export function setupGlobal(rt: Runtime): void {
  registerCommonComponents(rt);
  rt.components.add(
    defaults({ store: rt.store, logger: rt.logger.child({ component: 'defaults' }), adminToken: true, defaultMesh: !rt.config.defaults.skipMeshCreation }),
  );
}
