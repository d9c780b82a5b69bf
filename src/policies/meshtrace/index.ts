import { definePolicy } from '../core/define-policy.ts';
import { meshTraceSpec } from './schema.ts';

/** MeshTrace: its descriptor (schema, REST collection, CLI names, KDS) and its Envoy plugin. */
export const MeshTrace = definePolicy('MeshTrace', meshTraceSpec, { shortName: 'mtr', plugin: async () => (await import('./plugin.ts')).meshTracePlugin });
