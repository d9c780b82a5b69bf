import { definePolicy } from '../core/define-policy.ts';
import { meshTimeoutSpec } from './schema.ts';

/** MeshTimeout: the descriptor that registers the policy (schema, REST collection, CLI names, KDS). */
export const MeshTimeoutType = definePolicy('MeshTimeout', meshTimeoutSpec, { shortName: 'mt' });
