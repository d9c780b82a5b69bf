import { backoffDelay, sleep } from '../../core/backoff.ts';
import { READY_CHECK_MS, type Component } from '../../core/component.ts';
import type { Logger } from '../../core/logger.ts';
import type { ResourceStore } from '../../store/store.ts';

/**
 * Waits until the store answers (retrying with backoff, so a CP started before etcd or
 * Redis comes up on its own), and closes the store on stop. Everything that uses the
 * store is added after this component.
 */
export function storeConnection(store: ResourceStore, logger: Logger): Component {
  return {
    name: 'store',
    needsLeader: false,
    async start(signal) {
      for (let attempt = 0; !signal.aborted; attempt++) {
        try {
          await store.ping();
          logger.info({ store: store.kind }, 'store is reachable');
          return;
        } catch (err) {
          const delay = backoffDelay(attempt, 200, 5000);
          logger.warn({ store: store.kind, err: (err as Error).message, retryInMs: delay }, 'store is not reachable yet');
          await sleep(delay, signal);
        }
      }
    },
    async stop() {
      await store.close();
    },
    async ready() {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${READY_CHECK_MS / 2} ms`)), READY_CHECK_MS / 2)));
      try {
        await Promise.race([store.ping(), late]);
        return undefined;
      } catch (err) {
        return `the ${store.kind} store does not answer: ${(err as Error).message}`;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
