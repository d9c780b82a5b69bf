import { definePolicy } from '../core/define-policy.ts';
import { meshRateLimitSpec } from './schema.ts';

/** MeshRateLimit: its descriptor (schema, REST collection, CLI names, KDS) and its Envoy plugin. */
export const MeshRateLimit = definePolicy('MeshRateLimit', meshRateLimitSpec, { shortName: 'mrl', plugin: async () => (await import('./plugin.ts')).meshRateLimitPlugin });
