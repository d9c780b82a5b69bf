import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
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
