import { definePolicy } from '../core/define-policy.ts';
import { meshCircuitBreakerSpec } from './schema.ts';

/** MeshCircuitBreaker: its descriptor (schema, REST collection, CLI names, KDS) and its Envoy plugin. */
export const MeshCircuitBreaker = definePolicy('MeshCircuitBreaker', meshCircuitBreakerSpec, { shortName: 'mcb', plugin: async () => (await import('./plugin.ts')).meshCircuitBreakerPlugin });
