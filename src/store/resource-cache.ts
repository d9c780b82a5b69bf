import { backoffDelay, sleep } from '../core/backoff.ts';
import { isMeshworkError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { ResourceRegistry } from '../resources/registry.ts';
import type { Resource, ResourceKey } from '../resources/resource.ts';
import { encodeKey } from './common.ts';
import type { ResourceStore, StoreEvent } from './store.ts';

// An in-memory mirror of the store, kept current by list + watch. Readers (KDS snapshot
// builders, later xDS generators) read it synchronously; listeners learn that something
// changed (with the changed keys) and debounce on their own. Contract:
//  - ready() resolves after the first full list;
//  - after a watch error (compaction, store down) it relists with backoff and notifies
//    the listeners with `resync: true`, so they recompute everything;
//  - when the store lost its data (STORE_RESET, or a revision behind one already seen) the
//    change also carries `reset` with what the cache held before, so that owners of state
//    the store lost (the proxies connected to a zone) can write it again;
//  - resources handed out are shared: readers must not mutate them.

export interface CacheChange {
  keys: ResourceKey[];
  resync: boolean;
  /** The store lost its data: what the cache held before, by key. */
  reset?: { reason: string; before(key: ResourceKey): Resource | undefined };
}

export class ResourceCache {
  readonly #store: ResourceStore;
  readonly #registry: ResourceRegistry;
  readonly #logger: Logger;
  readonly #types: string[];
  #data = new Map<string, Map<string, Resource>>();
  readonly #listeners = new Set<(change: CacheChange) => void>();
  #revision = 0;
  #ready: Promise<void>;
  #resolveReady!: () => void;

  constructor(options: { store: ResourceStore; registry: ResourceRegistry; logger: Logger; types?: string[] }) {
    this.#store = options.store;
    this.#registry = options.registry;
    this.#logger = options.logger;
    this.#types = options.types ?? options.registry.names();
    this.#ready = new Promise((r) => (this.#resolveReady = r));
  }

  /** Runs until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    let reset: string | undefined;
    for (let attempt = 0; !signal.aborted; ) {
      try {
        await this.#relist(reset);
        reset = undefined;
        attempt = 0;
        for await (const event of this.#store.watch({ fromRevision: this.#revision, signal })) this.#apply(event);
      } catch (err) {
        if (signal.aborted) return;
        if (isMeshworkError(err, 'STORE_RESET')) {
          reset = err.message;
          this.#logger.error({ err: err.message, code: err.code }, 'the store lost its data; relisting and restoring what this control plane can');
          continue;
        }
        const delay = isMeshworkError(err, 'REVISION_COMPACTED') ? 0 : backoffDelay(attempt++, 200, 5000);
        this.#logger.warn({ err: (err as Error).message, retryInMs: delay }, 'resource cache watch ended; relisting');
        await sleep(delay, signal);
      }
    }
  }

  ready(): Promise<void> {
    return this.#ready;
  }

  get revision(): number {
    return this.#revision;
  }

  async #relist(reset?: string): Promise<void> {
    // The revision is read before listing: events between the two are replayed by the watch.
    const revision = await this.#store.revision();
    if (reset === undefined && revision < this.#revision) reset = `its revision went back from ${this.#revision} to ${revision}`;
    const data = new Map<string, Map<string, Resource>>();
    for (const type of this.#types) {
      const table = new Map<string, Resource>();
      for (const r of (await this.#store.list(type)).items) table.set(encodeKey(r), r);
      data.set(type, table);
    }
    const before = this.#data;
    this.#data = data;
    this.#revision = revision;
    this.#resolveReady();
    this.#notify({ keys: [], resync: true, ...(reset !== undefined ? { reset: { reason: reset, before: (k: ResourceKey) => before.get(k.type)?.get(encodeKey(k)) } } : {}) });
  }

  #apply(event: StoreEvent): void {
    const table = this.#data.get(event.key.type);
    this.#revision = Math.max(this.#revision, event.revision);
    if (!table) return;
    if (event.kind === 'put' && event.resource) table.set(encodeKey(event.key), event.resource);
    else table.delete(encodeKey(event.key));
    this.#notify({ keys: [event.key], resync: false });
  }

  #notify(change: CacheChange): void {
    for (const l of this.#listeners) {
      try {
        l(change);
      } catch (err) {
        this.#logger.error({ err }, 'resource cache listener failed');
      }
    }
  }

  /** Subscribes to changes; returns the unsubscribe function. */
  onChange(listener: (change: CacheChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  list(type: string, mesh?: string): Resource[] {
    const items = [...(this.#data.get(type)?.values() ?? [])];
    return mesh === undefined ? items : items.filter((r) => r.mesh === mesh);
  }

  get(key: ResourceKey): Resource | undefined {
    return this.#data.get(key.type)?.get(encodeKey(key));
  }

  get registry(): ResourceRegistry {
    return this.#registry;
  }
}

/** Calls `fn` once per burst of calls, `delayMs` after the first call of the burst. */
export function debounce(fn: () => void, delayMs: number): { trigger: () => void; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  return {
    trigger() {
      if (timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        fn();
      }, delayMs);
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
