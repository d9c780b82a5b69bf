import type { Resource } from '../resources/resource.ts';
import { PROTOCOL_TAG, SERVICE_TAG } from '../resources/types/dataplane.ts';
import type { ZoneIngressSpec } from '../resources/types/zone-ingress.ts';
import type { Endpoint } from '../xds/generate/context.ts';
import { socketAddress, tcpProxy, tlsInspector } from '../xds/generate/envoy-objects.ts';
import { emptyResourceSet, loadAssignment, type ResourceSet } from '../xds/generate/generators.ts';
import { serviceSni } from './sni.ts';
import type { EnvoyAdminServerTls } from '../envoy-admin/tls.ts';
import { envoyAdminResources } from '../xds/generate/envoy-admin.ts';

// The zone ingress Envoy: one listener with tls_inspector; per available service a filter
// chain matching its SNI (`<service>{mesh=…}`) with tcp_proxy to the service's local
// endpoints. TLS is not terminated: the mTLS of the calling sidecar reaches the backend's
// sidecar. A connection whose SNI matches no service is closed; with no services at all the
// ingress answers with a short description instead.

const DIRECT = 'type.googleapis.com/envoy.extensions.filters.network.direct_response.v3.Config';

export function ingressResources(
  ingress: Resource<ZoneIngressSpec>,
  endpointsOf: (mesh: string) => ReadonlyMap<string, Endpoint[]>,
  zone: string,
  admin?: { adminPort: number; tls?: EnvoyAdminServerTls | undefined },
): ResourceSet {
  const out = emptyResourceSet();
  // The ingress's Envoy admin on its address, for `kumactl inspect zoneingress --type=stats`.
  if (admin) envoyAdminResources(out, { address: ingress.spec.networking.address, adminPort: admin.adminPort, tls: admin.tls });
  const net = ingress.spec.networking;
  const chains: object[] = [];
  // One chain per (mesh, service) — the SNI callers send for the service — and one per tag
  // subset (for routes to subsets). The protocol tag is not a routing tag.
  const targets = new Map<string, { mesh: string; service: string; tags: Record<string, string> }>();
  for (const svc of ingress.spec.availableServices ?? []) {
    const mesh = svc.mesh ?? 'default';
    const service = svc.tags[SERVICE_TAG];
    if (!service || !svc.instances) continue;
    const { [PROTOCOL_TAG]: _protocol, ...subset } = svc.tags;
    for (const tags of [{ [SERVICE_TAG]: service }, subset]) targets.set(serviceSni(mesh, tags), { mesh, service, tags });
  }
  for (const [sni, { mesh, service, tags }] of targets) {
    const endpoints = (endpointsOf(mesh).get(service) ?? []).filter((e) => !e.zone && Object.entries(tags).every(([k, v]) => e.tags[k] === v));
    out.cluster.set(sni, { name: sni, type: 'EDS', eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } }, connect_timeout: '5s' });
    out.endpoint.set(sni, loadAssignment(sni, endpoints, zone));
    chains.push({ filter_chain_match: { server_names: [sni], transport_protocol: 'tls' }, filters: [tcpProxy(sni, sni)] });
  }
  const name = `zoneingress:${net.address}:${net.port}`;
  out.listener.set(name, {
    name,
    address: socketAddress(net.address, net.port),
    traffic_direction: 'INBOUND',
    listener_filters: [tlsInspector()],
    filter_chains: chains.length
      ? chains
      : [{ filters: [{ name: 'envoy.filters.network.direct_response', typed_config: { '@type': DIRECT, response: { inline_string: `Meshwork zone ingress of ${zone}: no services are available.\n` } } }] }],
  });
  return out;
}
