import { SERVICE_TAG, type DataplaneSpec } from '../resources/types/dataplane.ts';
import { socketAddress, T } from '../xds/generate/envoy-objects.ts';

// The Envoy bootstrap a sidecar starts with: node id <mesh>.<name>, admin on loopback, and
// one static cluster to the zone CP's DP server over TLS (h2) for ADS.

export const ADS_CLUSTER = 'meshwork:ads';
export const DATAPLANE_METADATA = 'meshwork.io/dataplane';
export const INGRESS_METADATA = 'meshwork.io/zoneingress';
export const PROXY_TYPE_METADATA = 'meshwork.io/proxy-type';
const UPSTREAM_TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';

export interface BootstrapParams {
  mesh: string;
  name: string;
  dataplane: DataplaneSpec;
  /** A zone ingress instead of a dataplane: node id is its name, the resource travels in the metadata. */
  ingress?: object;
  adminPort: number;
  cpHost: string;
  cpPort: number;
  /** PEM of the CA that signed the DP server certificate; without it Envoy does not verify the CP. */
  caCert?: string;
  /** Sent by Envoy on every ADS call as `authorization`. */
  token?: string;
  delta?: boolean;
  version: string;
  /** meshwork-dp's own version, as its bootstrap request said (DataplaneInsight shows it). */
  dpVersion?: string;
}

export const DP_VERSION_METADATA = 'meshwork.io/dp-version';

export function envoyBootstrap(p: BootstrapParams): object {
  // The first inbound with a service tag names the cluster (inbounds may have no tags, or be none).
  const service = p.dataplane.networking?.inbound?.find((ib) => ib.tags?.[SERVICE_TAG])?.tags?.[SERVICE_TAG] ?? p.name;
  const isIp = /^[\d.]+$/.test(p.cpHost) || p.cpHost.includes(':');
  return {
    node: p.ingress
      ? { id: p.name, cluster: 'zone-ingress', metadata: { 'meshwork.io/version': p.version, ...(p.dpVersion ? { [DP_VERSION_METADATA]: p.dpVersion } : {}), 'meshwork.io/admin-port': p.adminPort, [PROXY_TYPE_METADATA]: 'ingress', [INGRESS_METADATA]: JSON.stringify({ name: p.name, ...p.ingress }) } }
      : {
          id: `${p.mesh}.${p.name}`,
          cluster: service,
          // The Dataplane travels with the proxy: a CP that does not know it (restarted on a
          // memory store) registers it from here when the proxy connects.
          metadata: { 'meshwork.io/version': p.version, ...(p.dpVersion ? { [DP_VERSION_METADATA]: p.dpVersion } : {}), 'meshwork.io/admin-port': p.adminPort, [DATAPLANE_METADATA]: JSON.stringify({ mesh: p.mesh, name: p.name, ...p.dataplane }) },
        },
    admin: { address: socketAddress('127.0.0.1', p.adminPort) },
    dynamic_resources: {
      ads_config: {
        api_type: p.delta ? 'DELTA_GRPC' : 'GRPC',
        transport_api_version: 'V3',
        set_node_on_first_message_only: true,
        grpc_services: [{ envoy_grpc: { cluster_name: ADS_CLUSTER }, ...(p.token ? { initial_metadata: [{ key: 'authorization', value: p.token }] } : {}) }],
      },
      cds_config: { ads: {}, resource_api_version: 'V3' },
      lds_config: { ads: {}, resource_api_version: 'V3' },
    },
    static_resources: {
      clusters: [
        {
          name: ADS_CLUSTER,
          type: isIp ? 'STATIC' : 'STRICT_DNS',
          connect_timeout: '5s',
          load_assignment: { cluster_name: ADS_CLUSTER, endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(p.cpHost, p.cpPort) } }] }] },
          typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': T.httpProtocolOptions, explicit_http_config: { http2_protocol_options: {} } } },
          upstream_connection_options: { tcp_keepalive: { keepalive_time: 30, keepalive_interval: 10, keepalive_probes: 3 } },
          transport_socket: {
            name: 'envoy.transport_sockets.tls',
            typed_config: {
              '@type': UPSTREAM_TLS,
              ...(isIp ? {} : { sni: p.cpHost }),
              common_tls_context: {
                alpn_protocols: ['h2'],
                ...(p.caCert ? { validation_context: { trusted_ca: { inline_string: p.caCert }, ...(isIp ? {} : { match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: p.cpHost } }] }) } } : {}),
              },
            },
          },
        },
      ],
    },
  };
}
