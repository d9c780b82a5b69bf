import { describe, expect, it } from 'vitest';
import { dp, mesh } from '../../test/helpers/proxy-fixtures.ts';
import { meshServiceDataplanes, meshServices, meshSvc } from '../../test/helpers/mesh-service-fixtures.ts';
import type { Resource } from '../resources/resource.ts';
import type { MeshSpec } from '../resources/types/mesh.ts';
import { destinationName, meshServiceDestinations, meshServiceOutbounds, meshServiceSni, resolveBackendRef } from './destinations.ts';

const { destinations, endpoints } = meshServiceDestinations(meshServices, meshServiceDataplanes);
const modeMesh = (mode: string): Resource<MeshSpec> => ({ ...mesh, spec: { meshServices: { mode: mode as 'Exclusive' } } });
const tp = (extra: object = {}) => ({ redirectPortInbound: 15006, redirectPortOutbound: 15001, ...extra });

describe('MeshServices as destinations', () => {
  it("names each port's cluster and SNI as Kuma does", () => {
    expect(destinations.map((d) => d.cluster)).toEqual(['default_backend__zone-1_msvc_8080', 'default_db__zone-1_msvc_5432', 'default_db-replica__zone-1_msvc_5432', 'default_api__zone-1_msvc_9090']);
    expect(destinations.map((d) => d.kri)).toContain('kri_msvc_default_zone-1__db_pg');
    // The value in Kuma 2.14.3's meshhttproute golden files for MeshService backend, port 80, mesh default.
    expect(meshServiceSni(meshSvc('backend', {}), 80)).toBe('a601e0c00295a9fbe.backend.80.default.ms');
    // A namespace label and no zone (a copy of a Kubernetes service on Universal).
    expect(destinationName(meshSvc('x', {}, {}, { 'k8s.kuma.io/namespace': 'prod', 'kuma.io/zone': '' }), 80)).toBe('default_x_prod__msvc_80');
  });

  it('endpoints: the Ready inbounds serving the targetPort (by number or inbound name) of the selected Dataplanes, at the advertised address', () => {
    const addresses = (cluster: string) => endpoints.get(cluster)!.map((e) => `${e.address}:${e.port}`);
    expect(addresses('default_backend__zone-1_msvc_8080')).toEqual(['10.0.0.3:8080', '127.0.0.2:8080']);
    // By name (postgres), not the admin inbound; the replica is another service.
    expect(addresses('default_db__zone-1_msvc_5432')).toEqual(['127.0.0.20:15432']);
    expect(addresses('default_db-replica__zone-1_msvc_5432')).toEqual(['127.0.0.21:15432']);
    // A port without targetPort serves nothing (Kuma's MatchInboundWithMeshServicePort).
    const none = meshServiceDestinations([meshSvc('backend', { selector: { dataplaneTags: { 'kuma.io/service': 'backend' } }, ports: [{ port: 8080 }] })], meshServiceDataplanes);
    expect(none.endpoints.get('default_backend__zone-1_msvc_8080')).toEqual([]);
    expect(none.destinations[0]!.protocol).toBe('tcp');
  });

  it('a backendRef resolves by name, or by labels to the oldest match; its port must be one of the service', () => {
    expect(resolveBackendRef({ kind: 'MeshService', name: 'backend', port: 8080 }, destinations)?.cluster).toBe('default_backend__zone-1_msvc_8080');
    expect(resolveBackendRef({ kind: 'MeshService', labels: { team: 'data' }, port: 5432 }, destinations)?.name).toBe('db');
    expect(resolveBackendRef({ kind: 'MeshService', name: 'backend', port: 80 }, destinations)).toBeUndefined();
    expect(resolveBackendRef({ kind: 'MeshService', labels: { team: 'nobody' }, port: 5432 }, destinations)).toBeUndefined();
    expect(resolveBackendRef({ kind: 'MeshExternalService', name: 'backend', port: 8080 }, destinations)).toBeUndefined();
  });

  it('outbounds: resolved backendRefs on their own port, or with transparent proxying every VIP of the reachable ports', () => {
    const client = dp('web-1', { networking: { address: '127.0.0.1', outbound: [{ port: 10001, backendRef: { kind: 'MeshService', name: 'backend', port: 8080 } }, { port: 10002, address: '127.0.0.5', backendRef: { kind: 'MeshService', name: 'gone', port: 1 } }] } });
    expect(meshServiceOutbounds(client, mesh, destinations).map((o) => `${o.address}:${o.port}>${o.destination.cluster}`)).toEqual(['127.0.0.1:10001>default_backend__zone-1_msvc_8080']);
    const listed = (spec: object, m: Resource<MeshSpec> = mesh) => meshServiceOutbounds(dp('web-2', { networking: { address: '127.0.0.2', ...spec } }), m, destinations).map((o) => `${o.address}:${o.port}`);
    // Everything reachable, on its VIP; not the VIP:port an inbound of the proxy uses.
    expect(listed({ transparentProxying: tp() })).toEqual(['241.0.0.1:8080', '241.0.0.2:5432', '241.0.0.3:5432', '241.0.0.4:9090']);
    expect(listed({ inbound: [{ port: 5432, address: '241.0.0.2', tags: { 'kuma.io/service': 'x' } }], transparentProxying: tp() })).toEqual(['241.0.0.1:8080', '241.0.0.3:5432', '241.0.0.4:9090']);
    // Backend refs select the VIPs, then reachableBackends; ReachableBackends mode needs a list.
    expect(listed({ outbound: [{ port: 10001, backendRef: { kind: 'MeshService', labels: { team: 'data' }, port: 5432 } }], transparentProxying: tp() })).toEqual(['241.0.0.2:5432', '241.0.0.3:5432']);
    expect(listed({ transparentProxying: tp({ reachableBackends: { refs: [{ kind: 'MeshService', name: 'api' }] } }) })).toEqual(['241.0.0.4:9090']);
    expect(listed({ transparentProxying: tp() }, modeMesh('ReachableBackends'))).toEqual([]);
    expect(listed({ transparentProxying: tp() }, modeMesh('Exclusive'))).toHaveLength(4);
  });
});
