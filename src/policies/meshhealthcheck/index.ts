import { definePolicy } from '../core/define-policy.ts';
import { meshHealthCheckSpec } from './schema.ts';

/** MeshHealthCheck: its descriptor (schema, REST collection, CLI names, KDS) and its Envoy plugin. */
export const MeshHealthCheck = definePolicy('MeshHealthCheck', meshHealthCheckSpec, { shortName: 'mhc', plugin: async () => (await import('./plugin.ts')).meshHealthCheckPlugin });
