import { definePolicy } from '../core/define-policy.ts';
import { meshHttpRouteSpec } from './schema.ts';

/** MeshHTTPRoute: its descriptor (schema, REST collection, CLI names, KDS) and its Envoy plugin. */
export const MeshHTTPRoute = definePolicy('MeshHTTPRoute', meshHttpRouteSpec, { shortName: 'mhttpr', plugin: async () => (await import('./plugin.ts')).meshHttpRoutePlugin });
