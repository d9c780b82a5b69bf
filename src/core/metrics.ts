import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

// One Prometheus registry per control-plane instance (not prom-client's global one, so
// several instances can live in one test process). Served on the diagnostics port.

export interface CpMetrics {
  readonly registry: Registry;
  readonly apiRequests: Histogram<'method' | 'route' | 'status'>;
  readonly apiErrors: Counter<'code'>;
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
  };
}
