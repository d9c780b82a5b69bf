import type { Logger } from '../core/logger.ts';
import type { ResourceInput } from '../resources/resource.ts';
import type { ResourceStore } from './store.ts';
import { upsert } from './upsert.ts';

const FLUSH_CONCURRENCY = 16;

/**
 * Writes resources that change often (insights) at most every `intervalMs`: callers mark a
 * key dirty with a function producing its current state; flush() writes each dirty key
 * once (flushes are serialized, a few keys written at a time), and keeps a key dirty if
 * its write failed.
 */
export class ThrottledWriter {
  readonly #store: ResourceStore;
  readonly #logger: Logger;
  readonly #dirty = new Map<string, () => ResourceInput | undefined>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(store: ResourceStore, logger: Logger) {
    this.#store = store;
    this.#logger = logger;
  }

  start(intervalMs: number, beforeFlush?: () => void): void {
    this.#timer = setInterval(() => {
      beforeFlush?.();
      void this.flush();
    }, intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  /** `state` gives the resource to write, or undefined when it is not ready (the key stays dirty). */
  mark(key: string, state: () => ResourceInput | undefined): void {
    this.#dirty.set(key, state);
  }

  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      const batch = [...this.#dirty];
      this.#dirty.clear();
      // Keys are independent: a few writes at a time, so a flush of thousands (a zone CP
      // stopping with every proxy connected) is not thousands of round trips end to end.
      const worker = async () => {
        for (let next = batch.pop(); next; next = batch.pop()) {
          const [key, state] = next;
          const input = state();
          if (!input) {
            if (!this.#dirty.has(key)) this.#dirty.set(key, state);
            continue;
          }
          try {
            await upsert(this.#store, input);
          } catch (err) {
            if (!this.#dirty.has(key)) this.#dirty.set(key, state);
            this.#logger.warn({ key, err: (err as Error).message }, 'cannot write an insight; will retry');
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(FLUSH_CONCURRENCY, batch.length) }, worker));
    });
    return this.#flushing;
  }
}
