import { definePolicy } from '../core/define-policy.ts';
import { meshTraceSpec } from './schema.ts';

/** MeshTrace: the descriptor that registers the policy (schema, REST collection, CLI names, KDS). */
export const MeshTraceType = definePolicy('MeshTrace', meshTraceSpec, { shortName: 'mtr' });
