import type { Resource } from '../../resources/resource.ts';
import type { DataplaneSpec } from '../../resources/types/dataplane.ts';
import type { MeshSpec } from '../../resources/types/mesh.ts';
import type { EnvoyAdminServerTls } from '../../envoy-admin/tls.ts';
import type { Policy } from './policy.ts';

// Everything generators and policy plugins need to configure one proxy.

export interface Endpoint {
  address: string;
  port: number;
  tags: Record<string, string>;
  /** Dataplane the endpoint belongs to (for logs and debugging), or the remote ingress. */
  dataplane: string;
  /** Set for endpoints in other zones: reached through that zone's ingress. */
  zone?: string;
  /** Load-balancing weight (a remote zone ingress weighs its instance count). */
  weight?: number;
}

export interface ProxyContext extends AgentPaths {
  mesh: Resource<MeshSpec>;
  dataplane: Resource<DataplaneSpec>;
  zone: string;
  adminPort: number;
  /** Endpoints of every service of the mesh, by kuma.io/service. */
  endpoints: ReadonlyMap<string, Endpoint[]>;
  /** Set when the mesh has mTLS enabled: the proxy's identity and the mesh CA. */
  mtls?: MtlsContext;
  /** The mesh's policies, by type. */
  policies?: ReadonlyMap<string, Policy[]>;
  /** The certificate of the proxy's Envoy admin listener; unset: no admin listener on its address. */
  envoyAdmin?: EnvoyAdminServerTls;
  /** The MeshService ports this proxy reaches, each on its listener address and port (real-resource outbounds). */
  meshServiceOutbounds?: readonly MeshServiceOutbound[];
  /** Every MeshService port of the mesh, for route backendRefs that name one (`name` and `port`). */
  meshServiceDestinations?: readonly MeshServiceDestination[];
}

/**
 * One port of a MeshService as a destination (Kuma's real-resource outbound): its Envoy cluster
 * is named as Kuma's legacy destination name, and its endpoints are `endpoints.get(cluster)`.
 */
export interface MeshServiceDestination {
  /** `<mesh>_<display name>_<namespace>_<zone>_msvc_<port>` (Kuma's default naming). */
  readonly cluster: string;
  /** Its resource identifier with the port's name as section. */
  readonly kri: string;
  /** The MeshService's resource name and display name (policies name it by the latter). */
  readonly name: string;
  readonly displayName: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly creationTime: string;
  readonly port: number;
  readonly portName: string;
  /** Its appProtocol (tcp when unset). */
  readonly protocol: string;
  /** The SNI its clients send (Kuma's SNIForResource). */
  readonly sni: string;
  /** What the upstream's certificate must name: its identities, or anything of the mesh. */
  readonly sans: readonly ({ readonly exact: string } | { readonly prefix: string })[];
  readonly vips: readonly string[];
  /** Its hostnames (status.addresses, from HostnameGenerators). */
  readonly hostnames: readonly string[];
  /** status.tls is Ready: every selected proxy has its certificate (PERMISSIVE clients wait for it). */
  readonly tlsReady: boolean;
}

/** A listener of a proxy for a MeshService port. */
export interface MeshServiceOutbound {
  readonly address: string;
  readonly port: number;
  readonly destination: MeshServiceDestination;
}

/** What the proxy's agent (meshwork-dp) runs beside Envoy, announced in the node metadata. */
export interface AgentPaths {
  /** The FIFO it streams access log lines from to TCP backends. Unset: TCP log backends are skipped. */
  accessLogPath?: string;
  /** The unix socket where it merges MeshMetric applications' metrics. Unset: applications are not merged. */
  metricsSocket?: string;
  /** The unix socket where Envoy serves it the MeshMetric config. Unset: OpenTelemetry metrics backends are skipped. */
  dynamicConfigSocket?: string;
  /** The loopback port of its DNS proxy, when it runs one: the dynamic configuration answers its records. */
  dnsProxyPort?: string;
  /** Certificate and key files on the proxy's host for a ProvidedTLS Prometheus endpoint. */
  metricsCertPath?: string;
  metricsKeyPath?: string;
}

export interface MtlsContext {
  mode: 'STRICT' | 'PERMISSIVE';
  caCert: string;
  identity: { cert: string; key: string };
}
