import { isIP } from 'node:net';
// Small builders of Envoy proto3-JSON objects shared by generators.

export const T = {
  hcm: 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  tcpProxy: 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
  router: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
  httpProtocolOptions: 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
  downstreamTls: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
  upstreamTls: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
  tlsInspector: 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
  httpInspector: 'type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector',
} as const;

/** SDS secret names, as Kuma names them. */
export const identitySecretName = (mesh: string) => `identity_cert:secret:${mesh}`;
export const caSecretName = (mesh: string) => `mesh_ca:secret:${mesh}`;

function sds(name: string) {
  return { name, sds_config: { ads: {}, resource_api_version: 'V3' } };
}

export type SanMatcher = { readonly exact: string } | { readonly prefix: string };

function meshTlsContext(mesh: string, sans: readonly SanMatcher[]) {
  return {
    tls_certificate_sds_secret_configs: [sds(identitySecretName(mesh))],
    combined_validation_context: {
      default_validation_context: { match_typed_subject_alt_names: sans.map((matcher) => ({ san_type: 'URI', matcher })) },
      validation_context_sds_secret_config: sds(caSecretName(mesh)),
    },
  };
}

/** Inbound mTLS: a client certificate of the mesh is required. */
export function downstreamMtls(mesh: string) {
  return { name: 'envoy.transport_sockets.tls', typed_config: { '@type': T.downstreamTls, require_client_certificate: true, common_tls_context: meshTlsContext(mesh, [{ prefix: `spiffe://${mesh}/` }]) } };
}

/** Outbound mTLS: present our identity, accept only the destination's identity (one, or any of several matchers). */
export function upstreamMtls(mesh: string, sni: string, expected: string | readonly SanMatcher[]) {
  return { name: 'envoy.transport_sockets.tls', typed_config: { '@type': T.upstreamTls, sni, common_tls_context: meshTlsContext(mesh, typeof expected === 'string' ? [{ exact: expected }] : expected) } };
}

export function tlsInspector() {
  return { name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': T.tlsInspector } };
}

export function httpInspector() {
  return { name: 'envoy.filters.listener.http_inspector', typed_config: { '@type': T.httpInspector } };
}

export function socketAddress(address: string, port: number) {
  return { socket_address: { address, port_value: port } };
}

export function routerFilter() {
  return { name: 'envoy.filters.http.router', typed_config: { '@type': T.router } };
}

export function httpConnectionManager(statPrefix: string, routeConfig: object, options: { http2?: boolean; forwardClientCert?: boolean } = {}) {
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': T.hcm,
      stat_prefix: statPrefix,
      codec_type: options.http2 ? 'HTTP2' : 'AUTO',
      route_config: routeConfig,
      http_filters: [routerFilter()],
      // The app learns the caller's identity (x-forwarded-client-cert: …;URI=spiffe://mesh/svc).
      ...(options.forwardClientCert ? { forward_client_cert_details: 'SANITIZE_SET', set_current_client_cert_details: { uri: true } } : {}),
    },
  };
}

export function tcpProxy(statPrefix: string, cluster: string) {
  return { name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': T.tcpProxy, stat_prefix: statPrefix, cluster } };
}

/** A route config sending everything to one cluster. */
export function routeAllTo(name: string, cluster: string) {
  return { name, virtual_hosts: [{ name: cluster, domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster, timeout: '15s' } }] }] };
}

export function http2ProtocolOptions() {
  return { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': T.httpProtocolOptions, explicit_http_config: { http2_protocol_options: {} } } };
}

/** A cluster of one endpoint: an IP address (STATIC) or a host name (STRICT_DNS). */
export function staticCluster(name: string, host: string, port: number, options: { http2?: boolean } = {}) {
  const address = host.replace(/^\[(.*)\]$/, '$1');
  return {
    name,
    type: isIP(address) ? 'STATIC' : 'STRICT_DNS',
    connect_timeout: '5s',
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(address, port) } }] }] },
    ...(options.http2 ? { typed_extension_protocol_options: http2ProtocolOptions() } : {}),
  };
}
