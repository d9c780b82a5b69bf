import type { Component } from '../core/component.ts';
import { isMeshworkError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { ORIGIN_LABEL } from '../kds/naming.ts';
import type { Resource } from '../resources/resource.ts';
import type { ZoneIngressSpec } from '../resources/types/zone-ingress.ts';
import { debounce, type ResourceCache } from '../store/resource-cache.ts';
import type { ResourceStore } from '../store/store.ts';
import { availableServices } from './available-services.ts';

/** Keeps `availableServices` of this zone's own ZoneIngresses in step with its dataplanes. */
export function availableServicesUpdater(options: { store: ResourceStore; cache: ResourceCache; logger: Logger; debounceMs: number }): Component {
  const { store, cache, logger } = options;
  let running = Promise.resolve();
  const pass = () => {
    running = running.then(async () => {
      const services = availableServices(cache);
      for (const zi of cache.list('ZoneIngress') as Resource<ZoneIngressSpec>[]) {
        if (zi.labels[ORIGIN_LABEL] === 'global') continue;
        if (JSON.stringify(zi.spec.availableServices ?? []) === JSON.stringify(services)) continue;
        try {
          await store.update({ type: 'ZoneIngress', name: zi.name, labels: zi.labels, spec: { ...zi.spec, availableServices: services } }, zi.version);
        } catch (err) {
          // A concurrent change re-triggers the pass; anything else is logged.
          if (!isMeshworkError(err, 'VERSION_CONFLICT') && !isMeshworkError(err, 'NOT_FOUND')) logger.warn({ ingress: zi.name, err: (err as Error).message }, 'cannot update available services');
        }
      }
    });
  };
  const refresh = debounce(pass, options.debounceMs);
  let off: (() => void) | undefined;
  return {
    name: 'ingress-available-services',
    needsLeader: true,
    async start() {
      await cache.ready();
      off = cache.onChange((c) => {
        if (c.resync || c.keys.some((k) => k.type === 'Dataplane' || k.type === 'ZoneIngress')) refresh.trigger();
      });
      pass();
    },
    async stop() {
      off?.();
      refresh.cancel();
      await running;
    },
  };
}
