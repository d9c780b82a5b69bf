import { definePolicy } from '../core/define-policy.ts';
import { meshLoadBalancingStrategySpec } from './schema.ts';

/** MeshLoadBalancingStrategy: its descriptor (schema, REST collection, CLI names, KDS) and its Envoy plugin. */
export const MeshLoadBalancingStrategy = definePolicy('MeshLoadBalancingStrategy', meshLoadBalancingStrategySpec, { shortName: 'mlbs', plugin: async () => (await import('./plugin.ts')).meshLoadBalancingStrategyPlugin });
