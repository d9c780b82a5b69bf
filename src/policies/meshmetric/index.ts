import { definePolicy } from '../core/define-policy.ts';
import { meshMetricSpec } from './schema.ts';

/** MeshMetric: the descriptor that registers the policy (schema, REST collection, CLI names, KDS). */
export const MeshMetricType = definePolicy('MeshMetric', meshMetricSpec, { shortName: 'mm' });
