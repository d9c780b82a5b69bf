import { definePolicy } from '../core/define-policy.ts';
import { meshLoadBalancingStrategySpec } from './schema.ts';

/** MeshLoadBalancingStrategy: the descriptor that registers the policy (schema, REST collection, CLI names, KDS). */
export const MeshLoadBalancingStrategyType = definePolicy('MeshLoadBalancingStrategy', meshLoadBalancingStrategySpec, { shortName: 'mlbs' });
