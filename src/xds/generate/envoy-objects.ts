// Small builders of Envoy proto3-JSON objects shared by generators.

export const T = {
  hcm: 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  tcpProxy: 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
  router: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
  httpProtocolOptions: 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
} as const;

export function socketAddress(address: string, port: number) {
  return { socket_address: { address, port_value: port } };
}

export function routerFilter() {
  return { name: 'envoy.filters.http.router', typed_config: { '@type': T.router } };
}

export function httpConnectionManager(statPrefix: string, routeConfig: object, options: { http2?: boolean } = {}) {
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': T.hcm,
      stat_prefix: statPrefix,
      codec_type: options.http2 ? 'HTTP2' : 'AUTO',
      route_config: routeConfig,
      http_filters: [routerFilter()],
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

export function staticCluster(name: string, address: string, port: number, options: { http2?: boolean } = {}) {
  return {
    name,
    type: 'STATIC',
    connect_timeout: '5s',
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(address, port) } }] }] },
    ...(options.http2 ? { typed_extension_protocol_options: http2ProtocolOptions() } : {}),
  };
}
