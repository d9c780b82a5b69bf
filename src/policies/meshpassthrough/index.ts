import { definePolicy } from '../core/define-policy.ts';
import { meshPassthroughSpec } from './schema.ts';

/** MeshPassthrough: the descriptor that registers the policy (schema, REST collection, CLI names, KDS). */
export const MeshPassthroughType = definePolicy('MeshPassthrough', meshPassthroughSpec, { shortName: 'mp' });
