import { definePolicy } from '../core/define-policy.ts';
import { meshFaultInjectionSpec } from './schema.ts';

/** MeshFaultInjection: the descriptor that registers the policy (schema, REST collection, CLI names, KDS). */
export const MeshFaultInjectionType = definePolicy('MeshFaultInjection', meshFaultInjectionSpec, { shortName: 'mfi' });
