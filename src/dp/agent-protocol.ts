import type { SidecarProfiles } from './metric-profiles.ts';

// How the config a zone CP generates and meshwork-dp's helpers meet. The tcp backend of
// MeshAccessLog: meshwork-dp announces its FIFO in the node metadata; Envoy writes lines
// there tagged with their backend's address. MeshMetric applications: meshwork-dp
// announces a unix socket serving merged metrics; the Prometheus listener routes scrapes
// there, telling it in headers what to merge. MeshMetric OpenTelemetry backends, as
// kuma-dp's dynamic configuration: meshwork-dp announces a unix socket path where Envoy
// listens and answers MESH_METRIC_CONFIG_PATH with a MeshMetricAgentConfig; meshwork-dp
// polls it and pushes the metrics it scrapes to each backend.

/** Envoy's admin port when a proxy names none (Kuma's default, meshwork-dp --admin-port). */
export const DEFAULT_ADMIN_PORT = 9901;

/** Node metadata key: the FIFO meshwork-dp reads access log lines from. */
export const ACCESS_LOG_PATH_METADATA = 'meshwork.io/access-log-path';

/** The key of a JSON access log line that carries its TCP backend's address (removed before sending). */
export const ACCESS_LOG_ADDRESS_KEY = 'meshwork.io/access-log-address';

/** Node metadata key: the unix socket where meshwork-dp merges Envoy's and the applications' metrics. */
export const METRICS_SOCKET_METADATA = 'meshwork.io/metrics-socket';

/** Node metadata keys: the certificate and key files of the Prometheus endpoint (MeshMetric tls.mode ProvidedTLS). */
export const METRICS_CERT_PATH_METADATA = 'meshwork.io/metrics-cert-path';
export const METRICS_KEY_PATH_METADATA = 'meshwork.io/metrics-key-path';

/** Request headers the Prometheus listener sets on scrapes it sends to meshwork-dp. */
export const METRICS_APPLICATIONS_HEADER = 'x-meshwork-metrics-applications';
export const METRICS_ENVOY_PATH_HEADER = 'x-meshwork-metrics-envoy-path';
export const METRICS_PROFILES_HEADER = 'x-meshwork-metrics-profiles';

/** Node metadata key: the unix socket where Envoy serves meshwork-dp its dynamic configuration. */
export const DYNAMIC_CONFIG_SOCKET_METADATA = 'meshwork.io/dynamic-config-socket';

/** The path of the dynamic configuration listener that answers the MeshMetric config. */
export const MESH_METRIC_CONFIG_PATH = '/meshmetric';

/** Node metadata key: the loopback port of meshwork-dp's DNS proxy (announced only while it runs). */
export const DNS_PROXY_PORT_METADATA = 'meshwork.io/dns-proxy-port';

/** The path of the dynamic configuration listener that answers the DNS proxy's records (Kuma's dpapi PATH). */
export const DNS_CONFIG_PATH = '/dns';

/** The DNS proxy's records, as Kuma's DNSProxyConfig: the hostnames of reachable services and their VIPs. */
export interface DnsProxyConfig {
  records: { name: string; ips: string[] }[];
  ttl: number;
  extraLabels?: Record<string, string>;
}

export interface MetricsApplication {
  name?: string;
  address?: string;
  port: number;
  path?: string;
}

/** What meshwork-dp needs to push a proxy's metrics to MeshMetric's OpenTelemetry backends. */
export interface MeshMetricAgentConfig {
  /** Envoy admin path of its Prometheus stats (`?usedonly` with sidecar.includeUnused: false). */
  envoyPath: string;
  applications: MetricsApplication[];
  /** MeshMetric sidecar.profiles (Kuma's Basic when unset). */
  profiles?: SidecarProfiles;
  openTelemetry: { endpoint: string; refreshIntervalMs: number }[];
  /** OTLP resource attributes of the pushed metrics. */
  resource: Record<string, string>;
}
