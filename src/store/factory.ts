import type { Config } from '../core/config/schema.ts';
import type { ResourceRegistry } from '../resources/registry.ts';
import { EtcdStore } from './etcd-store.ts';
import { MemoryStore } from './memory-store.ts';
import { RedisStore } from './redis-store.ts';
import type { ResourceStore } from './store.ts';

export function createStore(cfg: Config['store'], registry: ResourceRegistry): ResourceStore {
  switch (cfg.type) {
    case 'memory':
      return new MemoryStore({ registry, maxResourceBytes: cfg.maxResourceBytes });
    case 'etcd':
      return new EtcdStore({ registry, endpoints: cfg.etcd.endpoints, prefix: cfg.etcd.prefix, maxResourceBytes: cfg.maxResourceBytes, dialTimeoutMs: cfg.etcd.dialTimeoutMs });
    case 'redis':
      return new RedisStore({ registry, url: cfg.redis.url, prefix: cfg.redis.prefix, maxResourceBytes: cfg.maxResourceBytes });
  }
}
