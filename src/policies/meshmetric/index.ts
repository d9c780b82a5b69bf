import { definePolicy } from '../core/define-policy.ts';
import { meshMetricSpec } from './schema.ts';

/** MeshMetric: its descriptor (schema, REST collection, CLI names, KDS) and its Envoy plugin. */
export const MeshMetric = definePolicy('MeshMetric', meshMetricSpec, { shortName: 'mm', plugin: async () => (await import('./plugin.ts')).meshMetricPlugin });
