import type { FastifyInstance } from 'fastify';
import { afterEach } from 'vitest';
import { buildApi, type ApiDeps } from '../../src/api/server.ts';
import { loadConfig } from '../../src/core/config/load.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { registry } from '../../src/resources/all.ts';
import { ResourceManager, type CpRole } from '../../src/resources/manager.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import type { ResourceStore } from '../../src/store/store.ts';
import { AdminTokenVerifier, ensureAdminToken } from '../../src/tokens/admin-token.ts';

/** A REST API on an in-memory store, for inject() tests. */
export async function buildTestApi(options: { role?: CpRole; zone?: string; localhostIsAdmin?: boolean; store?: ResourceStore; deps?: Partial<ApiDeps> } = {}) {
  const config = loadConfig({
    flags: { mode: options.role === 'global' || options.role === undefined ? 'global' : 'zone', 'apiServer.auth.localhostIsAdmin': options.localhostIsAdmin ?? true },
  });
  const store = options.store ?? new MemoryStore({ registry, maxResourceBytes: config.store.maxResourceBytes });
  const role = options.role ?? 'global';
  const { token } = await ensureAdminToken(store);
  const manager = new ResourceManager({ registry, store, role, ...(options.zone ? { zone: options.zone } : {}) });
  const app = buildApi({
    registry,
    manager,
    config,
    role,
    logger: silentLogger(),
    adminTokens: new AdminTokenVerifier(store, 0),
    instanceId: 'test-instance',
    version: '0.0.0-test',
    hostname: 'test-host',
    ...options.deps,
  });
  await app.ready();
  return { app, store, token, manager };
}

/** `setup(options)` builds a test API; the app a test built is closed after it. Call once per file. */
export function testApiPerTest(): (options?: Parameters<typeof buildTestApi>[0]) => ReturnType<typeof buildTestApi> {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  return async (options = {}) => {
    const built = await buildTestApi(options);
    app = built.app;
    return built;
  };
}
