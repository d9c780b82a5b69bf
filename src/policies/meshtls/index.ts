import { definePolicy } from '../core/define-policy.ts';
import { meshTlsSpec } from './schema.ts';

/** MeshTLS: its descriptor (schema, REST collection, CLI names, KDS) and its Envoy plugin. */
export const MeshTLS = definePolicy('MeshTLS', meshTlsSpec, { shortName: 'mtls', plugin: async () => (await import('./plugin.ts')).meshTlsPlugin });
