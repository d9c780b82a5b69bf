import { definePolicy } from '../core/define-policy.ts';
import { meshRetrySpec } from './schema.ts';

/** MeshRetry: its descriptor (schema, REST collection, CLI names, KDS) and its Envoy plugin. */
export const MeshRetry = definePolicy('MeshRetry', meshRetrySpec, { shortName: 'mr', plugin: async () => (await import('./plugin.ts')).meshRetryPlugin });
