import { definePolicy } from '../core/define-policy.ts';
import { meshTcpRouteSpec } from './schema.ts';

/** MeshTCPRoute: its descriptor (schema, REST collection, CLI names, KDS) and its Envoy plugin. */
export const MeshTCPRoute = definePolicy('MeshTCPRoute', meshTcpRouteSpec, { shortName: 'mtcpr', plugin: async () => (await import('./plugin.ts')).meshTcpRoutePlugin });
