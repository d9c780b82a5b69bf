import type { Component } from '../../core/component.ts';
import { isMeshworkError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { ResourceStore } from '../../store/store.ts';
import { ensureAdminToken } from '../../tokens/admin-token.ts';
import { createDefaultPolicies } from '../../policies/defaults.ts';
import type { Resource } from '../../resources/resource.ts';
import type { MeshSpec } from '../../resources/types/mesh.ts';

/**
 * First-start defaults, as Kuma creates them: the admin user token (global only) and the
 * `default` mesh with its default policies (unless skipped). Idempotent: existing resources are left alone.
 */
export function defaults(options: { store: ResourceStore; logger: Logger; adminToken: boolean; defaultMesh: boolean }): Component {
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
    },
    async stop() {},
  };
}
