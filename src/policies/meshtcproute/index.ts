import { definePolicy } from '../core/define-policy.ts';
import { meshTcpRouteSpec } from './schema.ts';

/** MeshTCPRoute: the descriptor that registers the policy (schema, REST collection, CLI names, KDS). */
export const MeshTCPRouteType = definePolicy('MeshTCPRoute', meshTcpRouteSpec, { shortName: 'mtcpr' });
