import { definePolicy } from '../core/define-policy.ts';
import { meshTrafficPermissionSpec } from './schema.ts';

/** MeshTrafficPermission: its descriptor (schema, REST collection, CLI names, KDS) and its Envoy plugin. */
export const MeshTrafficPermission = definePolicy('MeshTrafficPermission', meshTrafficPermissionSpec, { shortName: 'mtp', plugin: async () => (await import('./plugin.ts')).meshTrafficPermissionPlugin });
