import { definePolicy } from '../core/define-policy.ts';
import { meshTimeoutSpec } from './schema.ts';

/** MeshTimeout: its descriptor (schema, REST collection, CLI names, KDS) and its Envoy plugin. */
export const MeshTimeout = definePolicy('MeshTimeout', meshTimeoutSpec, { shortName: 'mt', plugin: async () => (await import('./plugin.ts')).meshTimeoutPlugin });
