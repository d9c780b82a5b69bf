import type { Component } from '../../core/component.ts';
import type { ResourceCache } from '../../store/resource-cache.ts';

/** Keeps the resource cache current; ready once the first full list is loaded. */
export function resourceCacheComponent(cache: ResourceCache): Component {
  let running: Promise<void> | undefined;
  return {
    name: 'resource-cache',
    needsLeader: false,
    async start(signal) {
      running = cache.run(signal);
      await Promise.race([cache.ready(), running]);
    },
    async stop() {
      await running;
    },
  };
}
