import { definePolicy } from '../core/define-policy.ts';
import { meshRateLimitSpec } from './schema.ts';

/** MeshRateLimit: the descriptor that registers the policy (schema, REST collection, CLI names, KDS). */
export const MeshRateLimitType = definePolicy('MeshRateLimit', meshRateLimitSpec, { shortName: 'mrl' });
