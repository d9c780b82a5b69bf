import { definePolicy } from '../core/define-policy.ts';
import { meshHealthCheckSpec } from './schema.ts';

/** MeshHealthCheck: the descriptor that registers the policy (schema, REST collection, CLI names, KDS). */
export const MeshHealthCheckType = definePolicy('MeshHealthCheck', meshHealthCheckSpec, { shortName: 'mhc' });
