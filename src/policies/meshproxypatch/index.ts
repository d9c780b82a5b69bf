import { definePolicy } from '../core/define-policy.ts';
import { meshProxyPatchSpec } from './schema.ts';

/** MeshProxyPatch: its descriptor (schema, REST collection, CLI names, KDS) and its Envoy plugin. */
export const MeshProxyPatch = definePolicy('MeshProxyPatch', meshProxyPatchSpec, { shortName: 'mpp', plugin: async () => (await import('./plugin.ts')).meshProxyPatchPlugin });
