import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.ts';
import { registry } from '../resources/all.ts';
import { debounce, ResourceCache, type CacheChange } from './resource-cache.ts';
import { MemoryStore } from './memory-store.ts';
import { compacted } from './common.ts';
import type { ResourceStore } from './store.ts';
import { waitFor } from '../../test/helpers/wait.ts';

describe('ResourceCache', () => {
  it('mirrors the store: initial list, then watched changes, with change notifications', async () => {
    const store = new MemoryStore({ registry, maxResourceBytes: 1 << 20 });
    await store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
    const cache = new ResourceCache({ store, registry, logger: silentLogger() });
    const changes: CacheChange[] = [];
    cache.onChange((c) => changes.push(c));
    const ac = new AbortController();
    const running = cache.run(ac.signal);
    await cache.ready();
    expect(cache.list('Mesh').map((m) => m.name)).toEqual(['default']);
    expect(changes[0]).toEqual({ keys: [], resync: true });

    await store.create({ type: 'Mesh', name: 'other', labels: {}, spec: {} });
    await waitFor(() => cache.get({ type: 'Mesh', name: 'other' }));
    await store.delete({ type: 'Mesh', name: 'default' });
    await waitFor(() => cache.get({ type: 'Mesh', name: 'default' }) === undefined);
    expect(changes.slice(1).map((c) => c.keys[0]!.name)).toEqual(['other', 'default']);
    expect(cache.revision).toBe(await store.revision());
    ac.abort();
    await running;
  });

  it('relists after the watch position is compacted, and catches up', async () => {
    const store = new MemoryStore({ registry, maxResourceBytes: 1 << 20 });
    // The first watch fails as a compacted one would, after a write it never delivers.
    let watches = 0;
    const watch: ResourceStore['watch'] = (options) => {
      if (watches++ > 0) return store.watch(options);
      return (async function* () {
        await store.create({ type: 'Mesh', name: 'missed', labels: {}, spec: {} });
        throw compacted(options.fromRevision);
      })();
    };
    const flaky = new Proxy(store, {
      get(target, prop) {
        if (prop === 'watch') return watch;
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const cache = new ResourceCache({ store: flaky, registry, logger: silentLogger(), types: ['Mesh'] });
    let resyncs = 0;
    cache.onChange((c) => (resyncs += c.resync ? 1 : 0));
    const ac = new AbortController();
    const running = cache.run(ac.signal);
    await waitFor(() => cache.get({ type: 'Mesh', name: 'missed' }));
    expect(resyncs).toBe(2);
    expect(watches).toBe(2);
    await store.create({ type: 'Mesh', name: 'live', labels: {}, spec: {} });
    await waitFor(() => cache.get({ type: 'Mesh', name: 'live' }));
    ac.abort();
    await running;
  });

  it('debounce runs once per burst', async () => {
    let runs = 0;
    const d = debounce(() => runs++, 10);
    d.trigger();
    d.trigger();
    d.trigger();
    await waitFor(() => runs === 1);
    d.trigger();
    await waitFor(() => runs === 2);
    d.cancel();
  });
});
