import { definePolicy } from '../core/define-policy.ts';
import { meshRetrySpec } from './schema.ts';

/** MeshRetry: the descriptor that registers the policy (schema, REST collection, CLI names, KDS). */
export const MeshRetryType = definePolicy('MeshRetry', meshRetrySpec, { shortName: 'mr' });
