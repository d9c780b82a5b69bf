import { definePolicy } from '../core/define-policy.ts';
import { meshTrafficPermissionSpec } from './schema.ts';

/** MeshTrafficPermission: the descriptor that registers the policy (schema, REST collection, CLI names, KDS). */
export const MeshTrafficPermissionType = definePolicy('MeshTrafficPermission', meshTrafficPermissionSpec, { shortName: 'mtp' });
