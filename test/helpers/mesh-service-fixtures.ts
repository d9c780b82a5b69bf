import { meshServiceDestinations, meshServiceOutbounds } from '../../src/meshservice/destinations.ts';
import type { Resource } from '../../src/resources/resource.ts';
import type { DataplaneSpec } from '../../src/resources/types/dataplane.ts';
import type { MeshSpec } from '../../src/resources/types/mesh.ts';
import type { MeshServiceSpec, MeshServiceStatus } from '../../src/resources/types/mesh-service.ts';
import type { ProxyContext } from '../../src/xds/generate/context.ts';
import { dp, endpoints, meta } from './proxy-fixtures.ts';

// MeshServices of a zone (zone-1) and the Dataplanes they select, for builds of proxies that
// reach them: the destinations and endpoints a proxy's context gets, as the reconciler
// computes them per mesh generation.

export const meshSvc = (name: string, spec: MeshServiceSpec, status: MeshServiceStatus = {}, labels: Record<string, string> = {}, creationTime = '2026-01-01T00:00:00Z'): Resource<MeshServiceSpec> => ({
  type: 'MeshService',
  mesh: 'default',
  name,
  spec,
  status,
  ...meta,
  creationTime,
  labels: { 'kuma.io/zone': 'zone-1', 'kuma.io/origin': 'zone', 'kuma.io/env': 'universal', ...labels },
});

const hostname = (name: string, generator = 'local-universal-mesh-service') => ({ hostname: name, origin: 'HostnameGenerator' as const, hostnameGeneratorRef: { coreName: generator } });

export const meshServices = [
  // As the generator makes it from kuma.io/service: backend.
  meshSvc('backend', { selector: { dataplaneTags: { 'kuma.io/service': 'backend' } }, ports: [{ name: '8080', port: 8080, targetPort: 8080, appProtocol: 'http' }], identities: [{ type: 'ServiceTag', value: 'backend' }] }, { vips: [{ ip: '241.0.0.1' }], tls: { status: 'Ready' }, addresses: [hostname('backend.svc.mesh.local')] }),
  // A user's: its own name, a named port on another targetPort (by inbound name), selected by Dataplane labels.
  meshSvc('db', { selector: { dataplaneLabels: { matchLabels: { app: 'db', role: 'primary' } } }, ports: [{ name: 'pg', port: 5432, targetPort: 'postgres', appProtocol: 'tcp' }] }, { vips: [{ ip: '241.0.0.2' }] }, { team: 'data' }),
  // A newer one with the same labels: a backendRef by labels picks the oldest.
  meshSvc('db-replica', { selector: { dataplaneLabels: { matchLabels: { app: 'db', role: 'replica' } } }, ports: [{ name: 'pg', port: 5432, targetPort: 'postgres' }] }, { vips: [{ ip: '241.0.0.3' }] }, { team: 'data' }, '2026-02-01T00:00:00Z'),
  meshSvc('api', { selector: { dataplaneTags: { app: 'api' } }, ports: [{ name: 'grpc', port: 9090, targetPort: 9000, appProtocol: 'grpc' }], identities: [{ type: 'SpiffeID', value: 'spiffe://default/ns/prod/api' }] }, { vips: [{ ip: '241.0.0.4' }], addresses: [hostname('api.svc.mesh.local'), hostname('api.internal', 'custom')] }),
];

const withLabels = (d: Resource<DataplaneSpec>, labels: Record<string, string>) => ({ ...d, labels });

export const meshServiceDataplanes = [
  dp('backend-1', { networking: { address: '127.0.0.2', inbound: [{ port: 8080, tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' } }] } }),
  dp('backend-2', { networking: { address: '127.0.0.3', advertisedAddress: '10.0.0.3', inbound: [{ port: 8080, tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' } }] } }),
  // Not Ready: no endpoint.
  dp('backend-3', { networking: { address: '127.0.0.9', inbound: [{ port: 8080, state: 'NotReady', tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' } }] } }),
  withLabels(dp('db-1', { networking: { address: '127.0.0.20', inbound: [{ port: 15432, servicePort: 5432, name: 'postgres', tags: { 'kuma.io/service': 'db-1' } }, { port: 9901, name: 'admin', tags: { 'kuma.io/service': 'db-admin' } }] } }), { app: 'db', role: 'primary' }),
  withLabels(dp('db-2', { networking: { address: '127.0.0.21', inbound: [{ port: 15432, name: 'postgres', tags: { 'kuma.io/service': 'db-2' } }] } }), { app: 'db', role: 'replica' }),
  dp('api-1', { networking: { address: '127.0.0.30', inbound: [{ port: 9000, tags: { 'kuma.io/service': 'api', app: 'api' } }] } }),
];

/** A proxy's context with the mesh's MeshServices: its real-resource outbounds and their endpoints (besides the tag services'). */
export function withMeshServices(ctx: ProxyContext, list: readonly Resource<MeshServiceSpec>[] = meshServices, dataplanes: readonly Resource<DataplaneSpec>[] = meshServiceDataplanes): ProxyContext {
  const { destinations, endpoints: byCluster } = meshServiceDestinations(list, dataplanes);
  return { ...ctx, endpoints: new Map([...endpoints, ...byCluster]), meshServiceDestinations: destinations, meshServiceOutbounds: meshServiceOutbounds(ctx.dataplane, ctx.mesh as Resource<MeshSpec>, destinations) };
}
