import { definePolicy } from '../core/define-policy.ts';
import { meshPassthroughSpec } from './schema.ts';

/** MeshPassthrough: its descriptor (schema, REST collection, CLI names, KDS) and its Envoy plugin. */
export const MeshPassthrough = definePolicy('MeshPassthrough', meshPassthroughSpec, { shortName: 'mp', plugin: async () => (await import('./plugin.ts')).meshPassthroughPlugin });
