import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { ComponentManager } from '../core/component.ts';
import type { Config } from '../core/config/schema.ts';
import type { Logger } from '../core/logger.ts';
import { createMetrics, type CpMetrics } from '../core/metrics.ts';
import { registry as defaultRegistry } from '../resources/all.ts';
import { ResourceManager, type CpRole } from '../resources/manager.ts';
import type { ResourceRegistry } from '../resources/registry.ts';
import { createStore } from '../store/factory.ts';
import type { ResourceStore } from '../store/store.ts';
import pkg from '../../package.json' with { type: 'json' };

/** Everything a control plane's components share. Built once per process by buildRuntime. */
export interface Runtime {
  readonly config: Readonly<Config>;
  readonly role: CpRole;
  readonly logger: Logger;
  readonly registry: ResourceRegistry;
  readonly store: ResourceStore;
  readonly manager: ResourceManager;
  readonly metrics: CpMetrics;
  readonly components: ComponentManager;
  readonly instanceId: string;
  readonly hostname: string;
  readonly version: string;
}

export const VERSION: string = pkg.version;

export function roleOf(config: Readonly<Config>): CpRole {
  if (config.mode === 'global') return 'global';
  return config.multizone.zone.globalAddress ? 'federated-zone' : 'standalone';
}

export function buildRuntime(config: Readonly<Config>, logger: Logger, options: { store?: ResourceStore } = {}): Runtime {
  const registry = defaultRegistry;
  const store = options.store ?? createStore(config.store, registry);
  const role = roleOf(config);
  const host = hostname();
  return {
    config,
    role,
    logger,
    registry,
    store,
    manager: new ResourceManager({ registry, store, role, ...(config.mode === 'zone' && config.multizone.zone.name ? { zone: config.multizone.zone.name } : {}) }),
    metrics: createMetrics({ defaultMetrics: true }),
    components: new ComponentManager(logger.child({ component: 'component-manager' })),
    instanceId: `${host}-${randomUUID().slice(0, 8)}`,
    hostname: host,
    version: VERSION,
  };
}
