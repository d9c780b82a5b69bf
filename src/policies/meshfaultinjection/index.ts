import { definePolicy } from '../core/define-policy.ts';
import { meshFaultInjectionSpec } from './schema.ts';

/** MeshFaultInjection: its descriptor (schema, REST collection, CLI names, KDS) and its Envoy plugin. */
export const MeshFaultInjection = definePolicy('MeshFaultInjection', meshFaultInjectionSpec, { shortName: 'mfi', plugin: async () => (await import('./plugin.ts')).meshFaultInjectionPlugin });
