import { definePolicy } from '../core/define-policy.ts';
import { meshAccessLogSpec } from './schema.ts';

/** MeshAccessLog: its descriptor (schema, REST collection, CLI names, KDS) and its Envoy plugin. */
export const MeshAccessLog = definePolicy('MeshAccessLog', meshAccessLogSpec, { shortName: 'mal', plugin: async () => (await import('./plugin.ts')).meshAccessLogPlugin });
