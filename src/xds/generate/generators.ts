import { DNS_CONFIG_PATH, MESH_METRIC_CONFIG_PATH, type DnsProxyConfig } from '../../dp/agent-protocol.ts';
import { tagsHeaderValue, TAGS_HEADER } from '../model/source-tags.ts';
import { inboundProtocol, SERVICE_TAG } from '../../resources/types/dataplane.ts';
import { HTTP_PROTOCOLS, serviceProtocol, type Endpoint } from './context.ts';
import { serviceSni } from '../../ingress/sni.ts';
import { spiffeId } from '../../mtls/identity-certs.ts';
import { ENVOY_ADMIN_CLUSTER, envoyAdminGenerator } from './envoy-admin.ts';
import {
  caSecretName,
  downstreamMtls,
  http2ProtocolOptions,
  httpConnectionManager,
  identitySecretName,
  routeAllTo,
  socketAddress,
  staticCluster,
  tcpProxy,
  tlsInspector,
  upstreamMtls,
} from './envoy-objects.ts';

// Generators turn a ProxyContext into Envoy resources, in a fixed order; each adds to the
// resource set and touches nothing else. Policy plugins (issue 5) run after them.

export { emptyResourceSet, type Generator, type ResourceSet } from '../model/resource-set.ts';
import { addResource, resourcesOf, type Generator, type ResourceOrigin, type ResourceSet } from '../model/resource-set.ts';
import type { MeshServiceDestination, ProxyContext } from '../model/context.ts';

const MTLS = { kind: 'mtls' } as const;
const PROMETHEUS_ORIGIN = { kind: 'prometheus' } as const;

/** Transparent proxying's catch-all listeners, by direction. */
export const PASSTHROUGH_LISTENERS = { OUTBOUND: 'outbound:passthrough:ipv4', INBOUND: 'inbound:passthrough:ipv4' } as const;

const isHttp = (protocol: string | undefined) => HTTP_PROTOCOLS.has(protocol ?? 'tcp');

/**
 * A ClusterLoadAssignment with one locality per zone: the local zone at priority 0, other
 * zones (through their ingresses) at priority 1, so remote endpoints take traffic only
 * when no local endpoint is healthy. Without local endpoints, remote ones are priority 0.
 */
export function loadAssignment(cluster: string, endpoints: readonly Endpoint[], localZone: string): object {
  const byZone = new Map<string, Endpoint[]>();
  for (const e of endpoints) byZone.set(e.zone ?? localZone, [...(byZone.get(e.zone ?? localZone) ?? []), e]);
  const hasLocal = byZone.has(localZone);
  return {
    cluster_name: cluster,
    endpoints: (byZone.size ? [...byZone] : [[localZone, []] as [string, Endpoint[]]]).map(([zone, list]) => localityEndpoints({ zone, priority: zone !== localZone && hasLocal ? 1 : 0, endpoints: list })),
  };
}

/**
 * One locality of a ClusterLoadAssignment: its endpoints (weighted, a remote zone's ingress
 * by its instances) and its weight, by default the sum of theirs.
 */
export function localityEndpoints(l: { zone: string; subZone?: string; priority: number; weight?: number; endpoints: readonly Endpoint[] }): object {
  return {
    locality: { zone: l.zone, ...(l.subZone ? { sub_zone: l.subZone } : {}) },
    load_balancing_weight: l.weight ?? (l.endpoints.reduce((n, e) => n + (e.weight ?? 1), 0) || 1),
    ...(l.priority ? { priority: l.priority } : {}),
    lb_endpoints: l.endpoints.map((e) => ({ endpoint: { address: socketAddress(e.address, e.port) }, load_balancing_weight: e.weight ?? 1 })),
  };
}

/** One listener per inbound on the dataplane's address, to a local cluster for the app. */
export const inboundGenerator: Generator = {
  name: 'inbound',
  generate(ctx, out) {
    const net = ctx.dataplane.spec.networking;
    for (const ib of net.inbound ?? []) {
      const address = ib.address ?? net.address;
      const servicePort = ib.servicePort ?? ib.port;
      const protocol = inboundProtocol(ib);
      const cluster = `localhost:${servicePort}`;
      const name = `inbound:${address}:${ib.port}`;
      const http2 = protocol === 'http2' || protocol === 'grpc';
      const origin = { kind: 'inbound', address, port: ib.port, ...(ib.tags?.[SERVICE_TAG] ? { service: ib.tags[SERVICE_TAG] } : {}), protocol, tags: ib.tags ?? {} } as const;
      addResource(out, 'cluster', cluster, staticCluster(cluster, ib.serviceAddress ?? '127.0.0.1', servicePort, { http2 }), origin);
      const filter = (forwardClientCert: boolean) => (isHttp(protocol) ? httpConnectionManager(name, routeAllTo(name, cluster), { http2, forwardClientCert }) : tcpProxy(name, cluster));
      const mesh = ctx.mesh.name;
      // With mTLS, a TLS chain requires a mesh client certificate; PERMISSIVE also keeps a
      // plaintext chain, STRICT has none, so plaintext connections are refused.
      const chains = ctx.mtls
        ? [
            { filter_chain_match: { transport_protocol: 'tls' }, transport_socket: downstreamMtls(mesh), filters: [filter(true)] },
            ...(ctx.mtls.mode === 'PERMISSIVE' ? [{ filter_chain_match: { transport_protocol: 'raw_buffer' }, filters: [filter(false)] }] : []),
          ]
        : [{ filters: [filter(false)] }];
      addResource(out, 'listener', name, {
        name,
        address: socketAddress(address, ib.port),
        traffic_direction: 'INBOUND',
        ...(ctx.mtls ? { listener_filters: [tlsInspector()] } : {}),
        filter_chains: chains,
      }, origin);
    }
  },
};

/**
 * One listener per outbound, to an EDS cluster of the destination: a tag outbound's cluster is
 * its kuma.io/service; a MeshService port's (a resolved backendRef outbound, or with
 * transparent proxying a VIP of a reachable port) is named by Kuma's destination name. A
 * backendRef that names no MeshService port gets no listener, as in Kuma.
 */
export const outboundGenerator: Generator = {
  name: 'outbound',
  generate(ctx, out) {
    // The caller's tags ride along (x-kuma-tags), for callee policies that select callers.
    const tagsHeader = tagsHeaderValue(ctx.dataplane.spec);
    const withTags = (routes: { virtual_hosts: object[] }) => (tagsHeader ? { ...routes, request_headers_to_add: [{ header: { key: TAGS_HEADER, value: tagsHeader }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }] } : routes);
    for (const ob of ctx.dataplane.spec.networking.outbound ?? []) {
      const service = ob.tags?.[SERVICE_TAG];
      if (!service || ob.backendRef) continue;
      const address = ob.address ?? '127.0.0.1';
      const name = `outbound:${address}:${ob.port}`;
      const endpoints = ctx.endpoints.get(service) ?? [];
      const protocol = serviceProtocol(endpoints);
      const http2 = protocol === 'http2' || protocol === 'grpc';
      const origin = { kind: 'outbound', address, port: ob.port, service, cluster: service, protocol, tags: ob.tags ?? {} } as const;
      if (!out.cluster.has(service)) {
        addResource(out, 'cluster', service, {
          name: service,
          type: 'EDS',
          eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } },
          connect_timeout: '5s',
          ...(http2 ? { typed_extension_protocol_options: http2ProtocolOptions() } : {}),
          ...(ctx.mtls ? { transport_socket: upstreamMtls(ctx.mesh.name, serviceSni(ctx.mesh.name, { [SERVICE_TAG]: service }), spiffeId(ctx.mesh.name, service)) } : {}),
        }, origin);
        addResource(out, 'endpoint', service, loadAssignment(service, endpoints, ctx.zone), origin);
      }
      const filter = isHttp(protocol) ? httpConnectionManager(name, withTags(routeAllTo(name, service)), { http2 }) : tcpProxy(name, service);
      addResource(out, 'listener', name, { name, address: socketAddress(address, ob.port), traffic_direction: 'OUTBOUND', filter_chains: [{ filters: [filter] }] }, origin);
    }
    for (const { address, port, destination: d } of ctx.meshServiceOutbounds ?? []) {
      const name = `outbound:${address}:${port}`;
      const origin = { kind: 'outbound', address, port, service: d.displayName, cluster: d.cluster, protocol: d.protocol, tags: { [SERVICE_TAG]: d.displayName }, meshService: d } as const;
      addMeshServiceCluster(ctx, out, d, origin);
      // As Kuma names them: stats and the virtual host by the destination, the route configuration by its kri.
      const filter = isHttp(d.protocol) ? httpConnectionManager(d.cluster, withTags(routeAllTo(d.kri, d.cluster)), { http2: d.protocol !== 'http' }) : tcpProxy(d.cluster, d.cluster);
      addResource(out, 'listener', name, { name, address: socketAddress(address, port), traffic_direction: 'OUTBOUND', filter_chains: [{ filters: [filter] }] }, origin);
    }
  },
};

/**
 * A MeshService port's cluster and endpoints, unless the set has them. Client mTLS when the
 * mesh has it: STRICT always; PERMISSIVE once the service's proxies all have certificates
 * (status.tls Ready), as Kuma, so that a mesh turning mTLS on keeps its traffic.
 */
export function addMeshServiceCluster(ctx: ProxyContext, out: ResourceSet, d: MeshServiceDestination, origin: ResourceOrigin): void {
  if (out.cluster.has(d.cluster)) return;
  const tls = ctx.mtls && (ctx.mtls.mode === 'STRICT' || d.tlsReady);
  addResource(out, 'cluster', d.cluster, {
    name: d.cluster,
    type: 'EDS',
    eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } },
    connect_timeout: '5s',
    ...(d.protocol === 'http2' || d.protocol === 'grpc' ? { typed_extension_protocol_options: http2ProtocolOptions() } : {}),
    ...(tls ? { transport_socket: upstreamMtls(ctx.mesh.name, d.sni, d.sans) } : {}),
  }, origin);
  addResource(out, 'endpoint', d.cluster, loadAssignment(d.cluster, ctx.endpoints.get(d.cluster) ?? [], ctx.zone), origin);
}

/** The proxy's identity certificate and the mesh CA, served by SDS. */
export const mtlsSecretsGenerator: Generator = {
  name: 'mtls-secrets',
  generate(ctx, out) {
    if (!ctx.mtls) return;
    const mesh = ctx.mesh.name;
    addResource(out, 'secret', identitySecretName(mesh), {
      name: identitySecretName(mesh),
      tls_certificate: { certificate_chain: { inline_string: ctx.mtls.identity.cert }, private_key: { inline_string: ctx.mtls.identity.key } },
    }, MTLS);
    addResource(out, 'secret', caSecretName(mesh), { name: caSecretName(mesh), validation_context: { trusted_ca: { inline_string: ctx.mtls.caCert } } }, MTLS);
  },
};

const ORIGINAL_DST_FILTER = { name: 'envoy.filters.listener.original_dst', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst' } };

/**
 * Transparent proxying (traffic redirected by iptables to redirectPortOutbound and
 * redirectPortInbound): a catch-all listener per direction hands each connection to the
 * listener of its original destination (use_original_dst), and passes through what no
 * listener claims to its original destination. The per-inbound and per-outbound listeners
 * then no longer bind their ports.
 */
export const transparentProxyGenerator: Generator = {
  name: 'transparent-proxy',
  generate(ctx, out) {
    const tp = ctx.dataplane.spec.networking.transparentProxying;
    if (!tp) return;
    const passthrough = ctx.mesh.spec.networking?.outbound?.passthrough !== false;
    const directions = [
      { port: tp.redirectPortOutbound, direction: 'OUTBOUND', name: PASSTHROUGH_LISTENERS.OUTBOUND, handles: 'outbound' },
      { port: tp.redirectPortInbound, direction: 'INBOUND', name: PASSTHROUGH_LISTENERS.INBOUND, handles: 'inbound' },
    ] as const;
    for (const d of directions) {
      if (!d.port) continue;
      for (const { name, resource } of resourcesOf(out, 'listener', d.handles)) out.listener.set(name, { ...resource, bind_to_port: false });
      const allowed = d.direction === 'INBOUND' || passthrough;
      const origin = { kind: 'passthrough', direction: d.direction } as const;
      if (allowed) addResource(out, 'cluster', d.name, { name: d.name, type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', connect_timeout: '5s' }, origin);
      addResource(out, 'listener', d.name, {
        name: d.name,
        address: socketAddress('0.0.0.0', d.port),
        use_original_dst: true,
        traffic_direction: d.direction,
        listener_filters: [ORIGINAL_DST_FILTER],
        // Outbound without passthrough: unknown destinations are closed, not forwarded.
        filter_chains: allowed ? [{ filters: [tcpProxy(d.name, d.name)] }] : [{ filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', stat_prefix: 'blackhole', cluster: 'meshwork:blackhole' } }] }],
      }, origin);
      if (!allowed) addResource(out, 'cluster', 'meshwork:blackhole', { name: 'meshwork:blackhole', type: 'STATIC', connect_timeout: '1s', load_assignment: { cluster_name: 'meshwork:blackhole', endpoints: [] } }, origin);
    }
  },
};

export const PROMETHEUS_PORT = 5670;

/** Prometheus metrics of the proxy on <address>:5670/metrics, served from the loopback admin. */
export const prometheusGenerator: Generator = {
  name: 'prometheus',
  generate(ctx, out) {
    const cluster = ENVOY_ADMIN_CLUSTER;
    addResource(out, 'cluster', cluster, staticCluster(cluster, '127.0.0.1', ctx.adminPort), PROMETHEUS_ORIGIN);
    const name = 'meshwork:metrics:prometheus';
    addResource(out, 'listener', name, {
      name,
      address: socketAddress(ctx.dataplane.spec.networking.address, PROMETHEUS_PORT),
      traffic_direction: 'INBOUND',
      filter_chains: [
        {
          filters: [
            httpConnectionManager(name, {
              name,
              virtual_hosts: [{ name, domains: ['*'], routes: [{ match: { path: '/metrics' }, route: { cluster, prefix_rewrite: '/stats/prometheus' } }] }],
            }),
          ],
        },
      ],
    }, PROMETHEUS_ORIGIN);
  },
};

export const DYNAMIC_CONFIG_LISTENER = 'meshwork:dynamicconfig';

/** Kuma's TTL of the DNS proxy's records (30 s, so that names follow their services soon). */
const DNS_TTL_S = 30;

/**
 * What meshwork-dp's DNS proxy answers (Kuma's DNS generator with the embedded DNS): with
 * transparent proxying, each hostname of a MeshService port the proxy has a VIP listener for,
 * and its VIPs; sorted by name.
 */
export function dnsRecords(ctx: ProxyContext): { name: string; ips: string[] }[] {
  if (!ctx.dataplane.spec.networking.transparentProxying?.redirectPortOutbound) return [];
  const byName = new Map<string, Set<string>>();
  for (const { address, destination } of ctx.meshServiceOutbounds ?? []) {
    if (!destination.vips.includes(address)) continue;
    for (const name of destination.hostnames) byName.set(name, (byName.get(name) ?? new Set()).add(address));
  }
  return [...byName].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, ips]) => ({ name, ips: [...ips].sort() }));
}

/**
 * The listener where Envoy serves meshwork-dp its dynamic configuration (as kuma-dp's), on
 * the unix socket meshwork-dp announced. Always there while the agent is: policies change
 * what it answers (MeshMetric), never whether it is bound, so the socket is never rebound.
 * With the agent's DNS proxy, it answers the proxy's DNS records on /dns.
 */
export const dynamicConfigGenerator: Generator = {
  name: 'dynamic-config',
  generate(ctx, out) {
    if (!ctx.dynamicConfigSocket) return;
    const name = DYNAMIC_CONFIG_LISTENER;
    const dns = ctx.dnsProxyPort ? JSON.stringify({ records: dnsRecords(ctx), ttl: DNS_TTL_S, extraLabels: { mesh: ctx.mesh.name, kuma_io_zone: ctx.zone } } satisfies DnsProxyConfig) : undefined;
    addResource(out, 'listener', name, {
      name,
      address: { pipe: { path: ctx.dynamicConfigSocket } },
      filter_chains: [
        {
          filters: [
            httpConnectionManager(name, {
              name,
              ...(dns ? { max_direct_response_body_size_bytes: Math.max(4096, Buffer.byteLength(dns)) } : {}),
              virtual_hosts: [
                {
                  name,
                  domains: ['*'],
                  routes: [
                    { match: { path: MESH_METRIC_CONFIG_PATH }, direct_response: { status: 404, body: { inline_string: 'no MeshMetric with OpenTelemetry backends applies to this proxy\n' } } },
                    ...(dns ? [{ match: { path: DNS_CONFIG_PATH }, direct_response: { status: 200, body: { inline_string: dns } } }] : []),
                  ],
                },
              ],
            }),
          ],
        },
      ],
    }, { kind: 'agent' });
  },
};

export const GENERATORS: readonly Generator[] = [mtlsSecretsGenerator, inboundGenerator, outboundGenerator, transparentProxyGenerator, prometheusGenerator, envoyAdminGenerator, dynamicConfigGenerator];
