import { definePolicy } from '../core/define-policy.ts';
import { meshHttpRouteSpec } from './schema.ts';

/** MeshHTTPRoute: the descriptor that registers the policy (schema, REST collection, CLI names, KDS). */
export const MeshHTTPRouteType = definePolicy('MeshHTTPRoute', meshHttpRouteSpec, { shortName: 'mhttpr' });
