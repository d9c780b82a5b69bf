import type { Component } from '../core/component.ts';
import type { Logger } from '../core/logger.ts';
import type { Resource } from '../resources/resource.ts';
import type { MeshSpec } from '../resources/types/mesh.ts';
import { debounce, type ResourceCache } from '../store/resource-cache.ts';
import type { ResourceStore } from '../store/store.ts';
import { ensureMeshCas } from './builtin-ca.ts';

/** Creates the builtin CA of every mesh that needs one, at start and whenever meshes change. */
export function meshCaManager(options: { store: ResourceStore; cache: ResourceCache; logger: Logger }): Component {
  const { store, cache, logger } = options;
  let running = Promise.resolve();
  const pass = () => {
    running = running.then(async () => {
      for (const mesh of cache.list('Mesh') as Resource<MeshSpec>[]) {
        try {
          const created = await ensureMeshCas(store, mesh);
          for (const backend of created) logger.info({ mesh: mesh.name, backend }, 'created the builtin CA of a mesh');
        } catch (err) {
          logger.error({ mesh: mesh.name, err: (err as Error).message }, 'cannot create the builtin CA of a mesh; will retry on the next change');
        }
      }
    });
  };
  const refresh = debounce(pass, 50);
  let off: (() => void) | undefined;
  return {
    name: 'mesh-ca-manager',
    needsLeader: true,
    async start() {
      await cache.ready();
      off = cache.onChange((c) => {
        if (c.resync || c.keys.some((k) => k.type === 'Mesh')) refresh.trigger();
      });
      pass();
      await running;
    },
    async stop() {
      off?.();
      refresh.cancel();
      await running;
    },
  };
}
