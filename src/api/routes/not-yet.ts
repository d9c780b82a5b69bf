import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MeshworkError } from '../../core/errors.ts';
import type { ApiDeps } from '../deps.ts';
import { listBody, listOptionsFromQuery } from '../paging.ts';

// Kuma 2.14 types Meshwork does not serve yet. Their collections answer as Kuma's would with
// none stored (kumactl `get meshexternalservices` prints an empty table instead of failing on a 404),
// and writes are refused naming the type.

interface KumaType {
  type: string;
  collection: string;
  scope: 'mesh' | 'global';
}

const mesh = (type: string, collection: string): KumaType => ({ type, collection, scope: 'mesh' });

export const NOT_YET_SUPPORTED: readonly KumaType[] = [
  mesh('MeshExternalService', 'meshexternalservices'),
  mesh('MeshMultiZoneService', 'meshmultizoneservices'),
  mesh('MeshGateway', 'meshgateways'),
  mesh('MeshGatewayRoute', 'meshgatewayroutes'),
  mesh('MeshIdentity', 'meshidentities'),
  mesh('MeshTrust', 'meshtrusts'),
  mesh('MeshZoneAddress', 'meshzoneaddresses'),
  mesh('Workload', 'workloads'),
  // Kuma's legacy (pre-targetRef) policies.
  mesh('CircuitBreaker', 'circuit-breakers'),
  mesh('ExternalService', 'external-services'),
  mesh('FaultInjection', 'fault-injections'),
  mesh('HealthCheck', 'health-checks'),
  mesh('ProxyTemplate', 'proxytemplates'),
  mesh('RateLimit', 'rate-limits'),
  mesh('Retry', 'retries'),
  mesh('Timeout', 'timeouts'),
  mesh('TrafficLog', 'traffic-logs'),
  mesh('TrafficPermission', 'traffic-permissions'),
  mesh('TrafficRoute', 'traffic-routes'),
  mesh('TrafficTrace', 'traffic-traces'),
  mesh('VirtualOutbound', 'virtual-outbounds'),
  { type: 'ZoneEgress', collection: 'zoneegresses', scope: 'global' },
  { type: 'ZoneEgressInsight', collection: 'zoneegressinsights', scope: 'global' },
];

type Params = { mesh?: string; name?: string };

export function notYetSupportedRoutes(app: FastifyInstance, deps: ApiDeps): void {
  for (const t of NOT_YET_SUPPORTED) {
    const refuse = () => {
      throw new MeshworkError('BAD_REQUEST', `${t.type} resources are not supported by Meshwork yet`, { invalidParameters: [{ field: 'type', reason: `${t.type} is not supported yet` }] });
    };
    const empty = async (req: FastifyRequest<{ Params: Params }>) => {
      if (req.params.mesh !== undefined) await deps.manager.get({ type: 'Mesh', name: req.params.mesh });
      return listBody(req, { items: [], total: 0 }, [], listOptionsFromQuery(req).size);
    };
    const none = async (req: FastifyRequest<{ Params: Params }>) => {
      throw new MeshworkError('NOT_FOUND', `${t.type} "${req.params.name}" not found: Meshwork does not support ${t.type} yet`);
    };
    const bases = t.scope === 'mesh' ? [`/meshes/:mesh/${t.collection}`, `/${t.collection}`] : [`/${t.collection}`];
    for (const base of bases) {
      app.get(base, empty);
      app.get(`${base}/_overview`, empty);
    }
    const one = t.scope === 'mesh' ? `/meshes/:mesh/${t.collection}/:name` : `/${t.collection}/:name`;
    app.get(one, none);
    app.put(one, refuse);
    app.delete(one, none);
  }
}
