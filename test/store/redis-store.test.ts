import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.ts';
import { ResourceCache } from '../../src/store/resource-cache.ts';
import { waitFor } from '../helpers/wait.ts';
import { registry } from '../../src/resources/all.ts';
import { RedisStore } from '../../src/store/redis-store.ts';
import { startRedis, type TestServer } from '../helpers/servers.ts';
import { storeContract } from './contract.ts';

let redis: TestServer;
const prefixes = new WeakMap<object, string>();
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.[Symbol.asyncDispose]();
});

storeContract('redis', () => ({
  async create(options) {
    const prefix = `test-${randomUUID()}:`;
    const store = new RedisStore({ registry, url: redis.url, prefix, maxResourceBytes: options?.maxResourceBytes ?? 1024 * 1024 });
    prefixes.set(store, prefix);
    return store;
  },
  async compactHistory(store) {
    const conn = new Redis(redis.url);
    try {
      await conn.xtrim(`${prefixes.get(store)}events`, 'MAXLEN', 0);
    } finally {
      conn.disconnect();
    }
  },
}));

describe('RedisStore: a Redis that comes back empty', () => {
  it('fails a watch with STORE_RESET, and the resource cache relists and hands what it held to its listeners', async () => {
    const prefix = `test-${randomUUID()}:`;
    const store = new RedisStore({ registry, url: redis.url, prefix, maxResourceBytes: 1024 * 1024 });
    const ac = new AbortController();
    const cache = new ResourceCache({ store, registry, logger: silentLogger() });
    const resets: { reason: string; before: unknown }[] = [];
    cache.onChange((c) => {
      if (c.reset) resets.push({ reason: c.reset.reason, before: c.reset.before({ type: 'Mesh', name: 'default' })?.name });
    });
    const running = cache.run(ac.signal);
    try {
      await cache.ready();
      await store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
      await waitFor(() => cache.get({ type: 'Mesh', name: 'default' }), { what: 'the mesh in the cache' });
      // What a restart without persistence leaves: nothing, not even the revision counter.
      const conn = new Redis(redis.url);
      for (const key of await conn.keys(`${prefix}*`)) await conn.del(key);
      conn.disconnect();
      await waitFor(() => resets.length > 0, { what: 'the reset noticed', timeoutMs: 15_000 });
      expect(resets[0]).toEqual({ reason: expect.stringMatching(/Redis came back empty|revision went back/), before: 'default' });
      expect(cache.get({ type: 'Mesh', name: 'default' })).toBeUndefined();
      // Writes after the reset are seen again (the watch no longer waits on an old revision).
      await store.create({ type: 'Mesh', name: 'after', labels: {}, spec: {} });
      await waitFor(() => cache.get({ type: 'Mesh', name: 'after' }), { what: 'a write after the reset in the cache' });
    } finally {
      ac.abort();
      await running;
      await store.close();
    }
  });
});
