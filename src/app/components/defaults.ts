import type { Component } from '../../core/component.ts';
import { isMeshworkError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { ResourceStore } from '../../store/store.ts';
import { ensureAdminToken } from '../../tokens/admin-token.ts';

/**
 * First-start defaults, as Kuma creates them: the admin user token (global only) and the
 * `default` mesh (unless skipped). Idempotent: existing resources are left alone.
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
          await store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
          logger.info('created the default mesh');
        } catch (err) {
          if (!isMeshworkError(err, 'ALREADY_EXISTS')) throw err;
        }
      }
    },
    async stop() {},
  };
}
