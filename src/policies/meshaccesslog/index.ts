import { definePolicy } from '../core/define-policy.ts';
import { meshAccessLogSpec } from './schema.ts';

/** MeshAccessLog: the descriptor that registers the policy (schema, REST collection, CLI names, KDS). */
export const MeshAccessLogType = definePolicy('MeshAccessLog', meshAccessLogSpec, { shortName: 'mal' });
