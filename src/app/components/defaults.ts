import type { Component } from '../../core/component.ts';
import { isMeshworkError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { ResourceStore } from '../../store/store.ts';
import { ensureAdminToken } from '../../tokens/admin-token.ts';
import { createDefaultPolicies } from '../../policies/defaults.ts';
import type { Resource, ResourceInput } from '../../resources/resource.ts';
import { ensureHostnameGenerators } from '../../meshservice/default-generators.ts';
import type { MeshSpec } from '../../resources/types/mesh.ts';

/**
 * First-start defaults, as Kuma creates them: the admin user token (global only), the
 * `default` mesh with its default policies (unless skipped), and the default HostnameGenerators. Idempotent: existing resources are left alone.
 */
export function defaults(options: { store: ResourceStore; logger: Logger; adminToken: boolean; defaultMesh: boolean; hostnameGenerators?: readonly ResourceInput[] }): Component {
  const { store, logger } = options;
  return {
    name: 'defaults',
    needsLeader: true,
    async start() {
      if (options.adminToken) {
        const { created } = await ensureAdminToken(store);
        if (created) logger.info('generated the admin user token: read it with `meshctl get global-secret admin-user-token -o json`');
      }
      if (options.defaultMesh) {
        try {
          const mesh = await store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
          const policies = await createDefaultPolicies(store, mesh as Resource<MeshSpec>);
          logger.info({ policies }, 'created the default mesh and its default policies');
        } catch (err) {
          if (!isMeshworkError(err, 'ALREADY_EXISTS')) throw err;
        }
      }
      if (options.hostnameGenerators) {
        const created = await ensureHostnameGenerators(store, options.hostnameGenerators);
        if (created.length) logger.info({ hostnameGenerators: created }, 'created the default HostnameGenerators');
      }
    },
    async stop() {},
  };
}
