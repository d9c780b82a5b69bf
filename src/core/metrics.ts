import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

// One Prometheus registry per control-plane instance (not prom-client's global one, so
// several instances can live in one test process). Served on the diagnostics port.

export interface CpMetrics {
  readonly registry: Registry;
  readonly apiRequests: Histogram<'method' | 'route' | 'status'>;
  readonly apiErrors: Counter<'code'>;
  /** xDS responses to proxies by type URL and outcome (sent, acked, nacked). */
  readonly xdsResponses: Counter<'type_url' | 'result'>;
  readonly xdsConnectedProxies: Gauge;
  /** Time to build one proxy's snapshot. */
  readonly xdsGeneration: Histogram;
  readonly xdsPasses: Counter;
  /** From a proxy's new snapshot to its ACK, per type: how long a change takes to be in effect. */
  readonly xdsDelivery: Histogram<'type_url'>;
  /** KDS responses by type and outcome, in either direction. */
  readonly kdsResponses: Counter<'type' | 'result'>;
  /** Global → zone: from sending a KDS response to the zone's ACK (the zone has stored it). */
  readonly kdsDelivery: Histogram<'type'>;
  /** Promise rejections nothing handled (each one is a bug; the process keeps running). */
  readonly unhandledRejections: Counter;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): CpMetrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'meshwork_' });
  return {
    registry,
    apiRequests: new Histogram({
      name: 'meshwork_api_server_http_request_duration_seconds',
      help: 'REST API request latency',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [registry],
    }),
    apiErrors: new Counter({
      name: 'meshwork_api_server_errors_total',
      help: 'REST API error responses by error code',
      labelNames: ['code'],
      registers: [registry],
    }),
    xdsResponses: new Counter({ name: 'meshwork_xds_responses_total', help: 'xDS responses to proxies, by type and outcome (sent, acked, nacked)', labelNames: ['type_url', 'result'], registers: [registry] }),
    xdsConnectedProxies: new Gauge({ name: 'meshwork_xds_connected_proxies', help: 'proxies with an open ADS stream', registers: [registry] }),
    xdsPasses: new Counter({ name: 'meshwork_xds_reconcile_passes_total', help: 'reconcile passes finished (each checks the proxies of a change and builds those whose inputs changed)', registers: [registry] }),
    xdsGeneration: new Histogram({ name: 'meshwork_xds_generation_seconds', help: 'time to build one proxy snapshot', buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1], registers: [registry] }),
    xdsDelivery: new Histogram({ name: 'meshwork_xds_delivery_seconds', help: 'time from a new snapshot of a proxy to its ACK, per type', labelNames: ['type_url'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry] }),
    kdsResponses: new Counter({ name: 'meshwork_kds_responses_total', help: 'KDS responses by resource type and outcome (sent, acked, nacked)', labelNames: ['type', 'result'], registers: [registry] }),
    kdsDelivery: new Histogram({ name: 'meshwork_kds_delivery_seconds', help: 'global to zone: time from a KDS response to its ACK, by type', labelNames: ['type'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry] }),
    unhandledRejections: new Counter({ name: 'meshwork_unhandled_rejections_total', help: 'promise rejections nothing handled (bugs; the process keeps running)', registers: [registry] }),
  };
}
