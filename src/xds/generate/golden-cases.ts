import { dp, endpoints, ep, fixture, mesh, mtlsMesh, pol, withPolicies } from '../../../test/helpers/proxy-fixtures.ts';
import type { Endpoint, ProxyContext } from './context.ts';
import { withMeshServices } from '../../../test/helpers/mesh-service-fixtures.ts';

// The generators' golden cases (testdata/), shared with policy tests that start from them.
// Each policy's own cases are in its folder (golden-cases.ts).

export const goldenCases: Record<string, ProxyContext> = {
  'web-outbounds': {
    mesh,
    zone: 'zone-1',
    adminPort: 9901,
    endpoints,
    dataplane: dp('web-1', {
      networking: {
        address: '127.0.0.1',
        inbound: [{ port: 8081, servicePort: 3000, tags: { 'kuma.io/service': 'web', 'kuma.io/protocol': 'http' } }],
        outbound: [
          { port: 10001, tags: { 'kuma.io/service': 'backend' } },
          { port: 10002, tags: { 'kuma.io/service': 'redis' } },
          { port: 10003, tags: { 'kuma.io/service': 'grpc-api' } },
          { port: 10004, tags: { 'kuma.io/service': 'nobody-runs-this' } },
        ],
      },
    }),
  },
  'backend-mtls-strict': {
    mesh: mtlsMesh,
    zone: 'zone-1',
    adminPort: 9903,
    endpoints,
    mtls: { mode: 'STRICT', ...fixture },
    dataplane: dp('backend-1', {
      networking: {
        address: '127.0.0.2',
        inbound: [{ port: 8080, servicePort: 18080, tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' } }],
        outbound: [{ port: 10002, tags: { 'kuma.io/service': 'redis' } }],
      },
    }),
  },
  'backend-mtls-permissive': {
    mesh: mtlsMesh,
    zone: 'zone-1',
    adminPort: 9904,
    endpoints,
    mtls: { mode: 'PERMISSIVE', ...fixture },
    dataplane: dp('backend-2', { networking: { address: '127.0.0.3', inbound: [{ port: 8080, servicePort: 18081, tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' } }] } }),
  },
  'web-transparent-proxy': {
    mesh,
    zone: 'zone-1',
    adminPort: 9905,
    endpoints,
    dataplane: dp('web-2', {
      networking: {
        address: '127.0.0.6',
        inbound: [{ port: 8080, servicePort: 3000, tags: { 'kuma.io/service': 'web', 'kuma.io/protocol': 'http' } }],
        outbound: [{ port: 80, address: '240.0.0.1', tags: { 'kuma.io/service': 'backend' } }],
        transparentProxying: { redirectPortInbound: 15006, redirectPortOutbound: 15001 },
      },
    }),
  },
  'web-outbound-policies': {
    mesh,
    zone: 'zone-1',
    adminPort: 9908,
    endpoints,
    policies: withPolicies([
      pol('MeshRetry', 'retries', { to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, default: { http: { numRetries: 3, perTryTimeout: '1s', backOff: { baseInterval: '50ms', maxInterval: '1s' }, retryOn: ['5xx', '503', 'Reset', 'HttpMethodGet', 'HttpMethodPut'], rateLimitedBackOff: { resetHeaders: [{ name: 'retry-after', format: 'Seconds' }, { name: 'x-ratelimit-reset', format: 'UnixTimestamp' }], maxInterval: '30s' }, retriableResponseHeaders: [{ type: 'Exact', name: 'x-retry', value: 'true' }], retriableRequestHeaders: [{ type: 'Present', name: 'x-idempotent' }], hostSelection: [{ predicate: 'OmitPreviousHosts' }, { predicate: 'OmitHostsWithTags', tags: { 'kuma.io/zone': 'zone-1' } }, { predicate: 'OmitPreviousPriorities', updateFrequency: 3 }], hostSelectionRetryMaxAttempts: 4 } } }, { targetRef: { kind: 'MeshService', name: 'redis' }, default: { tcp: { maxConnectAttempt: 4 } } }, { targetRef: { kind: 'MeshService', name: 'grpc-api' }, default: { grpc: { numRetries: 2, retryOn: ['Unavailable'] } } }] }),
      pol('MeshFaultInjection', 'faults', { to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, default: { http: [{ abort: { httpStatus: 503, percentage: '12.5' } }, { delay: { value: '2s', percentage: 5 } }] } }] }),
      pol('MeshCircuitBreaker', 'breakers', { to: [{ targetRef: { kind: 'Mesh' }, default: { connectionLimits: { maxConnections: 2, maxConnectionPools: 4, maxPendingRequests: 1, maxRequests: 2, maxRetries: 1 }, outlierDetection: { interval: '5s', baseEjectionTime: '30s', maxEjectionPercent: 50, healthyPanicThreshold: 40, detectors: { totalFailures: { consecutive: 3 } } } } }] }),
      pol('MeshHealthCheck', 'checks', { to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, default: { interval: '1s', timeout: '500ms', unhealthyThreshold: 2, healthyThreshold: 1, http: { path: '/health', expectedStatuses: [200] } } }, { targetRef: { kind: 'MeshService', name: 'redis' }, default: { interval: '2s', timeout: '1s', failTrafficOnPanic: true, eventLogPath: '/tmp/meshwork-health-events.log' } }] }),
      pol('MeshLoadBalancingStrategy', 'ring-hash', { to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, default: { loadBalancer: { type: 'RingHash', ringHash: { hashFunction: 'MurmurHash2', minRingSize: 64, hashPolicies: [{ type: 'Header', header: { name: 'x-user' } }] } } } }, { targetRef: { kind: 'MeshService', name: 'grpc-api' }, default: { loadBalancer: { type: 'LeastRequest', leastRequest: { choiceCount: 3, activeRequestBias: '1.5' } } } }] }),
      pol('MeshAccessLog', 'logs', { to: [{ targetRef: { kind: 'Mesh' }, default: { backends: [{ file: { path: '/tmp/meshwork-access.log' } }, { file: { path: '/tmp/meshwork-access.json', format: { type: 'Json', json: [{ key: 'status', value: '%RESPONSE_CODE%' }] } } }, { tcp: { address: 'logstash.example.com:5000' } }, { tcp: { address: '10.0.0.5:5001', format: { type: 'Json', json: [{ key: 'path', value: '%REQ(:PATH)%' }] } } }, { type: 'OpenTelemetry', openTelemetry: { endpoint: 'otel-collector:4317', attributes: [{ key: 'mesh', value: '%KUMA_MESH%' }] } }] } }] }),
    ]),
    // meshwork-dp's FIFO for TCP access log backends, and its dynamic configuration socket
    // (no MeshMetric here: the listener answers 404).
    accessLogPath: '/tmp/meshwork-dp-access-log.fifo',
    dynamicConfigSocket: '/tmp/meshwork-dp-dynamic-config-4.sock',
    dataplane: dp('web-4', {
      networking: {
        address: '127.0.0.10',
        inbound: [{ port: 8080, servicePort: 3000, tags: { 'kuma.io/service': 'web', 'kuma.io/protocol': 'http' } }],
        outbound: [{ port: 10001, tags: { 'kuma.io/service': 'backend' } }, { port: 10002, tags: { 'kuma.io/service': 'redis' } }, { port: 10003, tags: { 'kuma.io/service': 'grpc-api' } }],
      },
    }),
  },
  'backend-inbound-policies': {
    mesh,
    zone: 'zone-1',
    adminPort: 9909,
    endpoints,
    policies: withPolicies([
      pol('MeshRateLimit', 'limits', { targetRef: { kind: 'MeshService', name: 'backend' }, from: [{ targetRef: { kind: 'Mesh' }, default: { local: { http: { requestRate: { num: 5, interval: '10s' }, onRateLimit: { status: 423, headers: { set: [{ name: 'x-limited', value: 'true' }] } } }, tcp: { connectionRate: { num: 10, interval: '1s' } } } } }] }),
      pol('MeshFaultInjection', 'inbound-faults', { from: [{ targetRef: { kind: 'Mesh' }, default: { http: [{ responseBandwidth: { limit: '50Mbps', percentage: 100 } }] } }] }),
      // Inbound circuit breaking: the local clusters, protecting the application.
      pol('MeshCircuitBreaker', 'protect-app', { targetRef: { kind: 'MeshService', name: 'backend' }, from: [{ targetRef: { kind: 'Mesh' }, default: { connectionLimits: { maxConnections: 100, maxRequests: 200 } } }] }),
      // Faults for some callers only, matched on the x-kuma-tags their requests carry.
      pol('MeshFaultInjection', 'caller-faults', { from: [{ targetRef: { kind: 'MeshService', name: 'web' }, default: { http: [{ abort: { httpStatus: 503, percentage: 50 } }] } }, { targetRef: { kind: 'MeshServiceSubset', name: 'web', tags: { version: 'v2' } }, default: { http: [{ delay: { value: '1s', percentage: 100 } }] } }] }),
      // Kuma 2.10's sectionName: only the inbound on port 8080 (by port), and the one named redis.
      pol('MeshTimeout', 'http-inbound', { targetRef: { kind: 'Dataplane', name: 'backend-10', sectionName: '8080' }, rules: [{ default: { http: { requestTimeout: '7s' } } }] }),
      pol('MeshTimeout', 'redis-inbound', { targetRef: { kind: 'Dataplane', labels: { team: 'storage' }, sectionName: 'redis' }, rules: [{ default: { idleTimeout: '77s' } }] }),
      pol('MeshAccessLog', 'inbound-logs', { from: [{ targetRef: { kind: 'Mesh' }, default: { backends: [{ file: { path: '/tmp/inbound.log', format: { type: 'Plain', plain: '%START_TIME% %RESPONSE_CODE%' } } }, { openTelemetry: { endpoint: '10.0.0.9:4317', body: { kvlistValue: { values: [{ key: 'path', value: { stringValue: '%REQ(:PATH)%' } }, { key: 'route', value: { arrayValue: { values: [{ stringValue: '%KUMA_SOURCE_SERVICE%' }, { stringValue: '%KUMA_DESTINATION_SERVICE%' }] } } }] } } } }, { file: { path: '/tmp/inbound-default.log' } }] } }] }),
    ]),
    dataplane: {
      ...dp('backend-10', {
        networking: {
          address: '127.0.0.11',
          inbound: [
            { port: 8080, servicePort: 18080, tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' } },
            { port: 6379, servicePort: 16379, name: 'redis', tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'tcp' } },
          ],
        },
      }),
      labels: { team: 'storage' },
    },
  },
  'web-routes': {
    mesh,
    zone: 'zone-1',
    adminPort: 9910,
    endpoints: new Map<string, Endpoint[]>([
      ['backend', [ep('127.0.0.2', 8080, { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http', version: 'v1' }), ep('127.0.0.3', 8080, { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http', version: 'v2' })]],
      ['redis', [ep('127.0.0.4', 6379, { 'kuma.io/service': 'redis' })]],
      ['redis-replica', [ep('127.0.0.5', 6379, { 'kuma.io/service': 'redis-replica' })]],
    ]),
    policies: withPolicies([
      pol('MeshHTTPRoute', 'split', {
        targetRef: { kind: 'MeshService', name: 'web' },
        to: [
          {
            targetRef: { kind: 'MeshService', name: 'backend' },
            rules: [
              { matches: [{ headers: [{ type: 'Exact', name: 'x-version', value: 'v2' }] }], default: { backendRefs: [{ kind: 'MeshServiceSubset', name: 'backend', tags: { version: 'v2' } }] } },
              { matches: [{ path: { type: 'PathPrefix', value: '/' } }], default: { backendRefs: [{ kind: 'MeshServiceSubset', name: 'backend', tags: { version: 'v1' }, weight: 80 }, { kind: 'MeshServiceSubset', name: 'backend', tags: { version: 'v2' }, weight: 20 }] } },
              { matches: [{ path: { type: 'Exact', value: '/old' }, method: 'GET' }], default: { filters: [{ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: '/new' }, statusCode: 301 } }] } },
              { matches: [{ path: { type: 'PathPrefix', value: '/api' }, queryParams: [{ type: 'Exact', name: 'debug', value: '1' }] }], default: { filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-debug', value: 'on' }], remove: ['x-internal'] } }, { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v2/api' }, hostToBackendHostname: true } }] } },
            ],
          },
        ],
      }),
      pol('MeshTCPRoute', 'redis-to-replica', { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'MeshService', name: 'redis' }, rules: [{ default: { backendRefs: [{ kind: 'MeshService', name: 'redis-replica' }] } }] }] }),
      pol('MeshTimeout', 'timeouts', { to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, default: { http: { requestTimeout: '3s' } } }] }),
      // Policies targeting a MeshHTTPRoute configure only the routes made from it: /reports
      // gets 500 ms, a stream idle timeout and retries; the other routes keep 3 s.
      pol('MeshHTTPRoute', 'reports', { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/reports' } }], default: { backendRefs: [{ kind: 'MeshService', name: 'backend' }] } }] }] }),
      pol('MeshTimeout', 'reports-timeout', { targetRef: { kind: 'MeshHTTPRoute', name: 'reports' }, to: [{ targetRef: { kind: 'Mesh' }, default: { http: { requestTimeout: '500ms', streamIdleTimeout: '10s' } } }] }),
      pol('MeshRetry', 'reports-retry', { targetRef: { kind: 'MeshHTTPRoute', name: 'reports' }, to: [{ targetRef: { kind: 'Mesh' }, default: { http: { numRetries: 2, retryOn: ['5xx'] } } }] }),
    ]),
    dataplane: dp('web-5', {
      networking: {
        address: '127.0.0.12',
        inbound: [{ port: 8080, servicePort: 3000, tags: { 'kuma.io/service': 'web', 'kuma.io/protocol': 'http' } }],
        outbound: [{ port: 10001, tags: { 'kuma.io/service': 'backend' } }, { port: 10002, tags: { 'kuma.io/service': 'redis' } }],
      },
    }),
  },
  'web-trace-metric-proxypatch': {
    mesh,
    zone: 'zone-1',
    adminPort: 9912,
    endpoints,
    policies: withPolicies([
      pol('MeshTrace', 'zipkin', { default: { backends: [{ type: 'Zipkin', zipkin: { url: 'http://127.0.0.1:9411/api/v2/spans', apiVersion: 'httpJson' } }], sampling: { overall: 80 }, tags: [{ name: 'team', literal: 'core' }, { name: 'env', header: { name: 'x-env', default: 'prod' } }] } }),
      pol('MeshMetric', 'metrics', { default: { sidecar: { includeUnused: false }, backends: [{ type: 'Prometheus', prometheus: { port: 5671, path: '/custom-metrics' } }] } }),
      pol('MeshProxyPatch', 'patches', {
        targetRef: { kind: 'MeshService', name: 'web' },
        default: {
          appendModifications: [
            { cluster: { operation: 'Patch', match: { name: 'backend', origin: 'outbound' }, value: 'connectTimeout: 7s\nperConnectionBufferLimitBytes: 65536\n' } },
            { cluster: { operation: 'Add', value: 'name: extra\ntype: STATIC\nconnectTimeout: 1s\nloadAssignment:\n  clusterName: extra\n  endpoints: []\n' } },
            { cluster: { operation: 'Remove', match: { name: 'redis' } } },
            { listener: { operation: 'Patch', match: { origin: 'inbound' }, jsonPatches: [{ op: 'add', path: '/perConnectionBufferLimitBytes', value: 32768 }] } },
            // By the tags of the inbound/outbound a listener serves: only the backend outbound.
            { listener: { operation: 'Patch', match: { tags: { 'kuma.io/service': 'backend' } }, value: 'tcpBacklogSize: 256\n' } },
            { networkFilter: { operation: 'AddFirst', match: { listenerTags: { 'kuma.io/service': 'web' } }, value: 'name: envoy.filters.network.connection_limit\ntypedConfig:\n  "@type": type.googleapis.com/envoy.extensions.filters.network.connection_limit.v3.ConnectionLimit\n  statPrefix: web_limit\n  maxConnections: 100\n' } },
            // An extension Meshwork's generators never use: its protos are loaded when named.
            { httpFilter: { operation: 'AddFirst', match: { origin: 'inbound' }, value: 'name: envoy.filters.http.compressor\ntypedConfig:\n  "@type": type.googleapis.com/envoy.extensions.filters.http.compressor.v3.Compressor\n  compressorLibrary:\n    name: gzip\n    typedConfig: {"@type": type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip}\n' } },
            { httpFilter: { operation: 'AddBefore', match: { name: 'envoy.filters.http.router', origin: 'inbound' }, value: 'name: envoy.filters.http.fault\ntypedConfig:\n  "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault\n' } },
            { virtualHost: { operation: 'Patch', match: { routeConfigurationName: 'outbound:127.0.0.1:10001' }, value: 'retryPolicy:\n  retryOn: 5xx\n  numRetries: 2\n' } },
          ],
        },
      }),
    ]),
    dataplane: dp('web-6', {
      networking: {
        address: '127.0.0.14',
        inbound: [{ port: 8080, servicePort: 3000, tags: { 'kuma.io/service': 'web', 'kuma.io/protocol': 'http' } }],
        outbound: [{ port: 10001, tags: { 'kuma.io/service': 'backend' } }],
      },
    }),
  },
  'backend-tcp-inbound': {
    mesh,
    zone: 'zone-1',
    adminPort: 9902,
    endpoints,
    dataplane: dp('redis-1', { networking: { address: '127.0.0.4', inbound: [{ port: 6379, servicePort: 16379, serviceAddress: '127.0.0.1', tags: { 'kuma.io/service': 'redis' } }] } }),
  },
};

// The proxy's Envoy admin on its address: /ready in plaintext, the rest over mTLS to the zone CP only.
goldenCases['backend-envoy-admin'] = { ...goldenCases['backend-tcp-inbound']!, adminPort: 9915, envoyAdmin: { cert: fixture.identity.cert, key: fixture.identity.key, caCert: fixture.caCert } };

// Real-resource outbounds (MeshService): backendRefs by name and by labels (the oldest of two
// matching), a named port on another targetPort, a gRPC port, one naming no MeshService (no
// listener) beside a tag outbound; a MeshTimeout naming the MeshService.
goldenCases['web-meshservice-outbounds'] = withMeshServices({
  mesh,
  zone: 'zone-1',
  adminPort: 9916,
  endpoints,
  policies: withPolicies([
    pol('MeshTimeout', 'backend-timeout', { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, default: { connectionTimeout: '2s', http: { requestTimeout: '4s' } } }] }),
    // By labels: db (the replica is no outbound); by sectionName: api's grpc port, over the whole service; a section it lacks: nothing.
    pol('MeshTimeout', 'data-timeout', { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'MeshService', labels: { team: 'data' } }, default: { connectionTimeout: '3s' } }] }),
    pol('MeshTimeout', 'api-ports', { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'MeshService', name: 'api', sectionName: 'grpc' }, default: { http: { requestTimeout: '6s' } } }, { targetRef: { kind: 'MeshService', name: 'api' }, default: { http: { requestTimeout: '8s' } } }, { targetRef: { kind: 'MeshService', name: 'api', sectionName: 'other' }, default: { connectionTimeout: '9s' } }] }),
    // Route backendRefs with a port: MeshService ports' clusters (db-replica's made for the route).
    // Routes naming MeshServices by labels and by sectionName.
    pol('MeshTCPRoute', 'data-to-replica', { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'MeshService', labels: { team: 'data' } }, rules: [{ default: { backendRefs: [{ kind: 'MeshService', name: 'db-replica', port: 5432 }] } }] }] }),
    pol('MeshHTTPRoute', 'api-health', { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'MeshService', name: 'api', sectionName: 'grpc' }, rules: [{ matches: [{ path: { type: 'Exact', value: '/grpc.health.v1.Health/Check' } }], default: { filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-health', value: 'true' }] } }] } }] }] }),
    pol('MeshHTTPRoute', 'backend-split', { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/v2' } }], default: { backendRefs: [{ kind: 'MeshService', name: 'backend', port: 8080, weight: 90 }, { kind: 'MeshService', name: 'db-replica', port: 5432, weight: 10 }] } }] }] }),
  ]),
  dataplane: dp('web-7', {
    networking: {
      address: '127.0.0.15',
      inbound: [{ port: 8080, servicePort: 3000, tags: { 'kuma.io/service': 'web', 'kuma.io/protocol': 'http' } }],
      outbound: [
        { port: 10001, backendRef: { kind: 'MeshService', name: 'backend', port: 8080 } },
        { port: 10002, backendRef: { kind: 'MeshService', labels: { team: 'data' }, port: 5432 } },
        { port: 10003, backendRef: { kind: 'MeshService', name: 'api', port: 9090 } },
        { port: 10004, backendRef: { kind: 'MeshService', name: 'nobody', port: 80 } },
        { port: 10005, tags: { 'kuma.io/service': 'redis' } },
      ],
    },
  }),
});

// With transparent proxying and STRICT mTLS: a listener on the VIP of each reachable port
// (reachableBackends: backend and api), mTLS with each MeshService's SNI and identities, and
// their hostnames for meshwork-dp's DNS proxy.
goldenCases['web-meshservice-transparent-proxy-mtls'] = withMeshServices({
  mesh: mtlsMesh,
  zone: 'zone-1',
  adminPort: 9917,
  endpoints,
  mtls: { mode: 'STRICT', ...fixture },
  // meshwork-dp runs its DNS proxy: the dynamic configuration answers its records on /dns.
  dynamicConfigSocket: '/tmp/meshwork-golden-dynamic-config.sock',
  dnsProxyPort: '15053',
  dataplane: dp('web-8', {
    networking: {
      address: '127.0.0.16',
      inbound: [{ port: 8080, servicePort: 3000, tags: { 'kuma.io/service': 'web', 'kuma.io/protocol': 'http' } }],
      transparentProxying: { redirectPortInbound: 15006, redirectPortOutbound: 15001, reachableBackends: { refs: [{ kind: 'MeshService', name: 'backend' }, { kind: 'MeshService', name: 'api', port: 9090 }] } },
    },
  }),
});
