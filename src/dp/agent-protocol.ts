// How the config a zone CP generates and meshwork-dp's helpers meet. The tcp backend of
// MeshAccessLog: meshwork-dp announces its FIFO in the node metadata; Envoy writes lines
// there tagged with their backend's address. MeshMetric applications: meshwork-dp
// announces a unix socket serving merged metrics; the Prometheus listener routes scrapes
// there, telling it in headers what to merge.

/** Node metadata key: the FIFO meshwork-dp reads access log lines from. */
export const ACCESS_LOG_PATH_METADATA = 'meshwork.io/access-log-path';

/** The key of a JSON access log line that carries its TCP backend's address (removed before sending). */
export const ACCESS_LOG_ADDRESS_KEY = 'meshwork.io/access-log-address';

/** Node metadata key: the unix socket where meshwork-dp merges Envoy's and the applications' metrics. */
export const METRICS_SOCKET_METADATA = 'meshwork.io/metrics-socket';

/** Request headers the Prometheus listener sets on scrapes it sends to meshwork-dp. */
export const METRICS_APPLICATIONS_HEADER = 'x-meshwork-metrics-applications';
export const METRICS_ENVOY_PATH_HEADER = 'x-meshwork-metrics-envoy-path';
