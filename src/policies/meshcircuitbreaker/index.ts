import { definePolicy } from '../core/define-policy.ts';
import { meshCircuitBreakerSpec } from './schema.ts';

/** MeshCircuitBreaker: the descriptor that registers the policy (schema, REST collection, CLI names, KDS). */
export const MeshCircuitBreakerType = definePolicy('MeshCircuitBreaker', meshCircuitBreakerSpec, { shortName: 'mcb' });
