import { definePolicy } from '../core/define-policy.ts';
import { meshProxyPatchSpec } from './schema.ts';

/** MeshProxyPatch: the descriptor that registers the policy (schema, REST collection, CLI names, KDS). */
export const MeshProxyPatchType = definePolicy('MeshProxyPatch', meshProxyPatchSpec, { shortName: 'mpp' });
