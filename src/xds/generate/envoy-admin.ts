import { isIP } from 'node:net';
import type { EnvoyAdminServerTls } from '../../envoy-admin/tls.ts';
import { ENVOY_ADMIN_CLIENT_SAN } from '../../envoy-admin/tls.ts';
import type { ProxyContext } from './context.ts';
import { httpConnectionManager, socketAddress, staticCluster, T, tlsInspector } from './envoy-objects.ts';
import { addResource, type Generator, type ResourceSet } from '../model/resource-set.ts';

// Envoy's admin on the proxy's own address, as Kuma's AdminProxyGenerator: Envoy binds its
// admin to the loopback; this listener on <address>:<admin port> serves /ready in plaintext,
// and, over TLS, everything of the admin to the one client it admits: the zone control plane,
// with its certificate from the zone's Envoy admin CA (`kumactl inspect dataplane --type=stats`).

export const ENVOY_ADMIN_CLUSTER = 'meshwork:envoy:admin';
export const ENVOY_ADMIN_LISTENER = 'meshwork:envoy:admin';

/** Loopback addresses Envoy's admin itself may be bound to: no second listener there. */
const ADMIN_ADDRESSES = new Set(['127.0.0.1', '0.0.0.0', '::1', '::', '']);

export function envoyAdminResources(out: ResourceSet, p: { address: string; adminPort: number; tls?: EnvoyAdminServerTls | undefined }): void {
  addResource(out, 'cluster', ENVOY_ADMIN_CLUSTER, staticCluster(ENVOY_ADMIN_CLUSTER, '127.0.0.1', p.adminPort), { kind: 'prometheus' });
  // A listener binds an IP: a proxy known by a hostname gets none (its admin is read where Envoy binds it).
  if (!p.tls || ADMIN_ADDRESSES.has(p.address) || isIP(p.address) === 0) return;
  const name = ENVOY_ADMIN_LISTENER;
  const routes = (paths: string[]) => httpConnectionManager(name, { name, virtual_hosts: [{ name, domains: ['*'], routes: paths.map((path) => ({ match: path === '/' ? { prefix: '/' } : { path }, route: { cluster: ENVOY_ADMIN_CLUSTER } })) }] });
  addResource(out, 'listener', name, {
    name,
    address: socketAddress(p.address, p.adminPort),
    traffic_direction: 'INBOUND',
    listener_filters: [tlsInspector()],
    filter_chains: [
      { filters: [routes(['/ready'])] },
      {
        filter_chain_match: { transport_protocol: 'tls' },
        transport_socket: {
          name: 'envoy.transport_sockets.tls',
          typed_config: {
            '@type': T.downstreamTls,
            require_client_certificate: true,
            common_tls_context: {
              tls_params: { tls_minimum_protocol_version: 'TLSv1_2' },
              tls_certificates: [{ certificate_chain: { inline_string: p.tls.cert }, private_key: { inline_string: p.tls.key } }],
              validation_context: { trusted_ca: { inline_string: p.tls.caCert }, match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: ENVOY_ADMIN_CLIENT_SAN } }] },
            },
          },
        },
        filters: [routes(['/ready', '/'])],
      },
    ],
  }, { kind: 'envoy-admin' });
}

export const envoyAdminGenerator: Generator = {
  name: 'envoy-admin',
  generate(ctx: ProxyContext, out) {
    envoyAdminResources(out, { address: ctx.dataplane.spec.networking.address, adminPort: ctx.adminPort, tls: ctx.envoyAdmin });
  },
};
