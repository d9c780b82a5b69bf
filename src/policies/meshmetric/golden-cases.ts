import type { ProxyContext } from '../../xds/model/context.ts';
import { mesh, dp, endpoints, pol, withPolicies, METRICS_CERT, METRICS_KEY } from '../../../test/helpers/proxy-fixtures.ts';

// meshmetric's golden cases: one proxy each, built with every generator and plugin
// (golden.test.ts; generators.test.ts also checks the policy filter on them).

export const goldenCases: Record<string, ProxyContext> = {
  'web-metric-applications': {
    mesh,
    zone: 'zone-1',
    adminPort: 9913,
    endpoints,
    policies: withPolicies([pol('MeshMetric', 'with-apps', { default: { sidecar: { includeUnused: false, regex: 'http2_act.*', profiles: { appendProfiles: [{ name: 'All' }], exclude: [{ type: 'Prefix', match: 'envoy_cluster_' }] } }, applications: [{ name: 'app', port: 9100, path: '/metrics' }, { port: 9200, address: '127.0.0.1' }], backends: [{ type: 'Prometheus', prometheus: { port: 5672, path: '/metrics', tls: { mode: 'ProvidedTLS' } } }, { type: 'Prometheus', prometheus: { clientId: 'second', port: 5673, path: '/other-metrics' } }, { type: 'OpenTelemetry', openTelemetry: { endpoint: 'otel-collector:4317', refreshInterval: '30s' } }, { type: 'OpenTelemetry', openTelemetry: { endpoint: '10.0.0.7:4317' } }] } })]),
    // meshwork-dp's socket where it merges application metrics, and the one where Envoy
    // serves it the OpenTelemetry backends.
    metricsSocket: '/tmp/meshwork-dp-metrics.sock',
    dynamicConfigSocket: '/tmp/meshwork-dp-dynamic-config.sock',
    metricsCertPath: METRICS_CERT,
    metricsKeyPath: METRICS_KEY,
    dataplane: dp('web-13', { networking: { address: '127.0.0.13', inbound: [{ port: 8080, servicePort: 3000, tags: { 'kuma.io/service': 'web', 'kuma.io/protocol': 'http' } }] } }),
  },
};
