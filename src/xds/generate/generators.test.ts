import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Resource } from '../../resources/resource.ts';
import type { DataplaneSpec } from '../../resources/types/dataplane.ts';
import type { MeshSpec } from '../../resources/types/mesh.ts';
import { expectGolden } from '../../../test/helpers/golden.ts';
import { validateWithEnvoy } from '../../../test/helpers/envoy.ts';
import { SnapshotError, type XdsSnapshot } from '../cache/snapshot.ts';
import { buildSnapshot } from '../build/build-snapshot.ts';
import { proxyPolicies } from '../build/proxy-policies.ts';
import type { Endpoint, ProxyContext } from './context.ts';
import { defaultPolicies } from '../../policies/defaults.ts';
import { GENERATORS } from './generators.ts';
import { decodeToObject } from '../envoy/proto-json.ts';
import { XDS_TYPES } from '../envoy/protos.ts';
import { POLICY_PLUGINS } from '../../policies/plugins.ts';
import type { Policy } from '../../policies/core/matching.ts';

const meta = { labels: {}, creationTime: '', modificationTime: '', version: '1' };
const mesh: Resource<MeshSpec> = { type: 'Mesh', name: 'default', spec: {}, ...meta };
const dp = (name: string, spec: DataplaneSpec): Resource<DataplaneSpec> => ({ type: 'Dataplane', mesh: 'default', name, spec, ...meta });
const ep = (address: string, port: number, tags: Record<string, string>): Endpoint => ({ address, port, tags, dataplane: `${tags['kuma.io/service']}-${port}` });

const endpoints = new Map<string, Endpoint[]>([
  ['backend', [ep('127.0.0.2', 8080, { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' }), ep('127.0.0.3', 8080, { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' })]],
  ['redis', [ep('127.0.0.4', 6379, { 'kuma.io/service': 'redis' })]],
  ['grpc-api', [ep('127.0.0.5', 9000, { 'kuma.io/service': 'grpc-api', 'kuma.io/protocol': 'grpc' })]],
]);

const fixture = JSON.parse(readFileSync(new URL('./testdata/mtls-fixture.json', import.meta.url), 'utf8')) as { caCert: string; identity: { cert: string; key: string } };

// Files a ProvidedTLS Prometheus endpoint names (envoy --mode validate reads them); fixed
// paths so that the golden file is stable.
const METRICS_CERT = '/tmp/meshwork-golden-metrics-cert.pem';
const METRICS_KEY = '/tmp/meshwork-golden-metrics-key.pem';
writeFileSync(METRICS_CERT, fixture.identity.cert);
writeFileSync(METRICS_KEY, fixture.identity.key);
const mtlsMesh: Resource<MeshSpec> = { ...mesh, spec: { mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin' }] } } };

const pol = (type: string, name: string, spec: object): Policy => ({ type, mesh: 'default', name, spec, ...meta }) as Policy;
const withPolicies = (list: Policy[]) => new Map<string, Policy[]>(POLICY_PLUGINS.map((pl) => [pl.type, list.filter((p) => p.type === pl.type)]));

const cases: Record<string, ProxyContext> = {
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
  'web-meshtimeout': {
    mesh,
    zone: 'zone-1',
    adminPort: 9906,
    endpoints,
    policies: withPolicies([
      pol('MeshTimeout', 'mesh-default', { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'Mesh' }, default: { connectionTimeout: '2s', idleTimeout: '30s', http: { requestTimeout: '10s', streamIdleTimeout: '20s' } } }], from: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '1m', http: { requestTimeout: '7s' } } }] }),
      pol('MeshTimeout', 'web-to-backend', { targetRef: { kind: 'MeshService', name: 'web' }, to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, default: { http: { requestTimeout: '500ms', maxStreamDuration: '2s' } } }] }),
    ]),
    dataplane: dp('web-3', {
      networking: {
        address: '127.0.0.7',
        inbound: [{ port: 8080, servicePort: 3000, tags: { 'kuma.io/service': 'web', 'kuma.io/protocol': 'http' } }],
        outbound: [{ port: 10001, tags: { 'kuma.io/service': 'backend' } }, { port: 10002, tags: { 'kuma.io/service': 'redis' } }],
      },
    }),
  },
  'backend-meshtrafficpermission': {
    mesh: mtlsMesh,
    zone: 'zone-1',
    adminPort: 9907,
    endpoints: new Map([...endpoints, ['web', [ep('127.0.0.8', 8080, { 'kuma.io/service': 'web' })]], ['audit', [ep('127.0.0.7', 8080, { 'kuma.io/service': 'audit' })]]]),
    mtls: { mode: 'STRICT', ...fixture },
    policies: withPolicies([
      pol('MeshTrafficPermission', 'deny-all', { targetRef: { kind: 'Mesh' }, from: [{ targetRef: { kind: 'Mesh' }, default: { action: 'Deny' } }] }),
      pol('MeshTrafficPermission', 'allow-web', { targetRef: { kind: 'MeshService', name: 'backend' }, from: [{ targetRef: { kind: 'MeshService', name: 'web' }, default: { action: 'Allow' } }] }),
      // audit is let through, and what would have been a denial shows in Envoy's shadow stats.
      pol('MeshTrafficPermission', 'shadow-audit', { targetRef: { kind: 'MeshService', name: 'backend' }, from: [{ targetRef: { kind: 'MeshService', name: 'audit' }, default: { action: 'AllowWithShadowDeny' } }] }),
    ]),
    dataplane: dp('backend-9', {
      networking: {
        address: '127.0.0.9',
        inbound: [
          { port: 8080, servicePort: 18080, tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' } },
          { port: 6379, servicePort: 16379, tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'tcp' } },
        ],
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
  'backend-meshtls': {
    mesh: { ...mtlsMesh, spec: { mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin', mode: 'PERMISSIVE' }] } } },
    zone: 'zone-1',
    adminPort: 9911,
    endpoints,
    mtls: { mode: 'PERMISSIVE', ...fixture },
    policies: withPolicies([pol('MeshTLS', 'tls13-strict', { targetRef: { kind: 'Mesh' }, from: [{ targetRef: { kind: 'Mesh' }, default: { tlsVersion: { min: 'TLS13', max: 'TLS13' }, tlsCiphers: ['ECDHE-ECDSA-AES256-GCM-SHA384'], mode: 'Strict' } }] })]),
    dataplane: dp('backend-11', { networking: { address: '127.0.0.13', inbound: [{ port: 8080, servicePort: 18080, tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' } }] } }),
  },
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
  'web-trace-datadog-split': {
    mesh,
    zone: 'zone-1',
    adminPort: 9914,
    endpoints,
    // Datadog with splitService: web_INBOUND, web_OUTBOUND_backend.
    policies: withPolicies([pol('MeshTrace', 'datadog', { default: { backends: [{ type: 'Datadog', datadog: { url: 'http://127.0.0.1:8126', splitService: true } }] } })]),
    dataplane: dp('web-15', {
      networking: {
        address: '127.0.0.15',
        inbound: [{ port: 8080, servicePort: 3000, tags: { 'kuma.io/service': 'web', 'kuma.io/protocol': 'http' } }],
        outbound: [{ port: 10001, tags: { 'kuma.io/service': 'backend' } }],
      },
    }),
  },
  'web-passthrough-matched': {
    mesh,
    zone: 'zone-1',
    adminPort: 9913,
    endpoints,
    policies: withPolicies([
      pol('MeshPassthrough', 'matched', { targetRef: { kind: 'Mesh' }, default: { passthroughMode: 'Matched', appendMatch: [{ type: 'Domain', value: 'api.example.com', port: 443, protocol: 'tls' }, { type: 'CIDR', value: '10.0.0.0/8' }, { type: 'IP', value: '192.0.2.10', port: 80 }, { type: 'Domain', value: 'httpbin.org', port: 80, protocol: 'http' }, { type: 'Domain', value: 'docs.example.com', port: 80, protocol: 'http' }, { type: 'Domain', value: '*.internal.example.com', port: 8080, protocol: 'http' }, { type: 'IP', value: '192.0.2.20', port: 3306, protocol: 'mysql' }] } }),
    ]),
    dataplane: dp('web-7', {
      networking: {
        address: '127.0.0.15',
        inbound: [{ port: 8080, servicePort: 3000, tags: { 'kuma.io/service': 'web', 'kuma.io/protocol': 'http' } }],
        outbound: [{ port: 80, address: '240.0.0.1', tags: { 'kuma.io/service': 'backend' } }],
        transparentProxying: { redirectPortInbound: 15006, redirectPortOutbound: 15001 },
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
cases['backend-envoy-admin'] = { ...cases['backend-tcp-inbound']!, adminPort: 9915, envoyAdmin: { cert: fixture.identity.cert, key: fixture.identity.key, caCert: fixture.caCert } };

// Kuma's default policies of a new mesh (retries, timeouts, connection limits) on web's HTTP, TCP and gRPC outbounds.
cases['web-default-policies'] = { ...cases['web-outbounds']!, policies: withPolicies(defaultPolicies('default').map((p) => pol(p.type, p.name, p.spec))) };

/**
 * What Envoy validates: listeners and clusters as served (the validation bootstrap has ADS,
 * so EDS and SDS references are valid). Endpoints and secrets are checked against the
 * protos when the snapshot is built; Envoy 1.40's validate mode crashes on static secrets
 * next to SDS references, so they are not given to it.
 */
function forValidation(s: XdsSnapshot) {
  const json = s.toJSON() as { cluster: object[]; listener: object[] };
  return { listeners: json.listener, clusters: json.cluster };
}

describe('xDS generators', () => {
  for (const [name, ctx] of Object.entries(cases)) {
    it(`${name}: matches its golden file and passes envoy --mode validate`, () => {
      const snapshot = buildSnapshot(ctx, GENERATORS, POLICY_PLUGINS);
      expectGolden(new URL(`./testdata/${name}.golden.yaml`, import.meta.url).pathname, stringify(snapshot.toJSON()));
      const result = validateWithEnvoy(forValidation(snapshot));
      expect(result.output).not.toMatch(/error/i);
      expect(result.ok).toBe(true);
    });
  }

  it('a proxy built from the policies that reach it equals one built from every policy of the mesh (each case against the policies of all cases)', () => {
    const all = new Map<string, Policy[]>(POLICY_PLUGINS.map((pl) => [pl.type, Object.values(cases).flatMap((c) => c.policies?.get(pl.type) ?? [])]));
    const types = new Set(POLICY_PLUGINS.map((pl) => pl.type));
    const build = (ctx: ProxyContext) => {
      try {
        return buildSnapshot(ctx, GENERATORS, POLICY_PLUGINS).version;
      } catch (err) {
        return (err as Error).message;
      }
    };
    let dropped = 0;
    for (const [name, ctx] of Object.entries(cases)) {
      const policies = proxyPolicies(all, ctx.dataplane, types);
      dropped += [...all.values()].flat().length - [...policies.values()].flat().length;
      expect(build({ ...ctx, policies }), name).toBe(build({ ...ctx, policies: all }));
      // And with the case's own policies, as its golden file has them.
      if (ctx.policies) expect(build({ ...ctx, policies: proxyPolicies(ctx.policies, ctx.dataplane, types) }), name).toBe(build(ctx));
    }
    // The filter is not vacuous: policies of other services' callers and instances are dropped.
    expect(dropped).toBeGreaterThan(100);
  });

  it('MeshTrafficPermission: no policy denies every caller under mTLS; callers are matched by their certificates\' URI SANs, the last selecting entry deciding', () => {
    const ctx = cases['backend-mtls-strict']!;
    type Rbac = { rules: { action: string; policies: Record<string, { principals: unknown[] }> } };
    const rbacOf = (snap: XdsSnapshot) => {
      const listener = [...snap.resources.listener.values()].find((l) => l.name.startsWith('inbound:'))!.json as { filter_chains: { filters: { typed_config: { http_filters?: { name: string; typed_config: Rbac }[] } }[] }[] };
      return listener.filter_chains[0]!.filters[0]!.typed_config.http_filters!.filter((f) => f.name.includes('rbac')).map((f) => f.typed_config.rules);
    };
    expect(rbacOf(buildSnapshot(ctx, GENERATORS, POLICY_PLUGINS))).toEqual([{ action: 'ALLOW', policies: {} }]);
    expect(rbacOf(buildSnapshot({ ...ctx, mtls: undefined, mesh }, GENERATORS, POLICY_PLUGINS))).toEqual([]);
    const uri = (u: string) => ({ authenticated: { principal_name: { exact: u } } });
    const anyone = { authenticated: { principal_name: { prefix: 'spiffe://default/' } } };
    const web = uri('spiffe://default/web');
    const zone2 = uri('kuma://kuma.io/zone/zone-2');
    // web is denied even though this zone knows no endpoint of it (it may call from another
    // zone); callers in zone-2 are allowed unless they are web; everyone else is allowed.
    const allowed = (policies: ReturnType<typeof withPolicies>) => {
      const [allow] = rbacOf(buildSnapshot({ ...ctx, policies }, GENERATORS, POLICY_PLUGINS));
      return allow!.policies['meshwork-mtp']?.principals ?? [];
    };
    expect(ctx.endpoints.has('web')).toBe(false);
    expect(
      allowed(
        withPolicies([
          pol('MeshTrafficPermission', 'allow-all', { targetRef: { kind: 'Mesh' }, from: [{ targetRef: { kind: 'Mesh' }, default: { action: 'Allow' } }] }),
          pol('MeshTrafficPermission', 'no-web', { targetRef: { kind: 'MeshService', name: 'backend' }, from: [{ targetRef: { kind: 'MeshSubset', tags: { 'kuma.io/zone': 'zone-2' } }, default: { action: 'AllowWithShadowDeny' } }, { targetRef: { kind: 'MeshService', name: 'web' }, default: { action: 'Deny' } }] }),
        ]),
      ),
    ).toEqual([
      { and_ids: { ids: [zone2, { not_id: web }] } },
      { and_ids: { ids: [anyone, { not_id: { or_ids: { ids: [web, zone2] } } }] } },
    ]);
    // A later entry wins over an earlier one of the same policy (Kuma's merge order): web allowed.
    expect(allowed(withPolicies([pol('MeshTrafficPermission', 'p', { targetRef: { kind: 'Mesh' }, from: [{ targetRef: { kind: 'MeshService', name: 'web' }, default: { action: 'Deny' } }, { targetRef: { kind: 'Mesh' }, default: { action: 'Allow' } }] })]))).toEqual([anyone]);
    // A subset of a service: both its SPIFFE id and the tag's URI.
    expect(allowed(withPolicies([pol('MeshTrafficPermission', 'p', { targetRef: { kind: 'Mesh' }, from: [{ targetRef: { kind: 'MeshServiceSubset', name: 'web', tags: { version: 'v2' } }, default: { action: 'Allow' } }] })]))).toEqual([{ and_ids: { ids: [web, uri('kuma://version/v2')] } }]);
  });

  it('prefers local endpoints, and MeshLoadBalancingStrategy can turn locality awareness off', () => {
    const ctx = cases['web-outbounds']!;
    const crossZone = new Map(endpoints);
    crossZone.set('backend', [...endpoints.get('backend')!, { address: '35.0.0.2', port: 10001, tags: { 'kuma.io/service': 'backend' }, dataplane: 'ingress-2', zone: 'zone-2', weight: 3 }]);
    const cla = (snap: XdsSnapshot) => snap.resources.endpoint.get('backend')!.json as { endpoints: { locality: { zone: string }; priority?: number; load_balancing_weight: number }[] };
    const aware = cla(buildSnapshot({ ...ctx, endpoints: crossZone }, GENERATORS, POLICY_PLUGINS));
    expect(aware.endpoints.map((l) => [l.locality.zone, l.priority ?? 0, l.load_balancing_weight])).toEqual([['zone-1', 0, 2], ['zone-2', 1, 3]]);
    const policies = withPolicies([pol('MeshLoadBalancingStrategy', 'spread', { to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, default: { localityAwareness: { disabled: true } } }] })]);
    const spread = cla(buildSnapshot({ ...ctx, endpoints: crossZone, policies }, GENERATORS, POLICY_PLUGINS));
    expect(spread.endpoints.map((l) => [l.locality.zone, l.priority ?? 0])).toEqual([['zone-1', 0], ['zone-2', 0]]);
  });

  it('MeshTrafficPermission rules: each match an RBAC policy on the caller\'s SPIFFE ID and the SNI it sent; rules decide over from', () => {
    const ctx = cases['backend-mtls-strict']!;
    const mtp = (name: string, spec: object) => pol('MeshTrafficPermission', name, spec);
    const policies = withPolicies([
      mtp('allow-all', { targetRef: { kind: 'Mesh' }, from: [{ targetRef: { kind: 'Mesh' }, default: { action: 'Allow' } }] }),
      mtp('by-id', { targetRef: { kind: 'Mesh' }, rules: [{ default: { deny: [{ sni: { type: 'Exact', value: 'backend.mesh' } }], allow: [{ spiffeID: { type: 'Exact', value: 'spiffe://default/web' }, sni: { type: 'Exact', value: 'backend.svc' } }] } }] }),
    ]);
    const snap = buildSnapshot({ ...ctx, policies }, GENERATORS, POLICY_PLUGINS);
    const rbac = JSON.stringify([...snap.resources.listener.values()].map((l) => l.json));
    expect(rbac).toContain('"meshwork-mtp-deny-0":{"permissions":[{"requested_server_name":{"exact":"backend.mesh"}}],"principals":[{"any":true}]}');
    expect(rbac).toContain('"meshwork-mtp-allow-0":{"permissions":[{"requested_server_name":{"exact":"backend.svc"}}],"principals":[{"authenticated":{"principal_name":{"exact":"spiffe://default/web"}}}]}');
    // The allow-all `from` is ignored where rules select the inbound.
    expect(rbac).not.toContain('"meshwork-mtp":');
    expect(validateWithEnvoy(forValidation(snap)).ok).toBe(true);
  });

  it('MeshTrace and MeshAccessLog export to the MeshOpenTelemetryBackend their backendRef names by labels (the oldest matching), over gRPC or OTLP/HTTP', () => {
    const ctx = cases['web-outbounds']!;
    const motb = (name: string, spec: object, labels: Record<string, string>, creationTime: string) => ({ type: 'MeshOpenTelemetryBackend', mesh: 'default', name, spec, ...meta, labels, creationTime }) as unknown as Policy;
    const backends = [
      motb('newer', { endpoint: { address: '10.9.9.9', port: 4317 } }, { team: 'obs' }, '2026-02-01T00:00:00Z'),
      motb('collector', { endpoint: { address: '10.0.0.7', port: 4317 } }, { team: 'obs' }, '2026-01-01T00:00:00Z'),
      motb('http-collector', { protocol: 'http', endpoint: { address: '10.0.0.8', port: 4318, path: '/otlp' } }, {}, '2026-01-01T00:00:00Z'),
    ];
    const ref = (labels: Record<string, string>) => ({ type: 'OpenTelemetry', openTelemetry: { backendRef: { kind: 'MeshOpenTelemetryBackend', labels } } });
    const build = (list: Policy[]) => {
      const policies = withPolicies(list);
      policies.set('MeshOpenTelemetryBackend', backends);
      return buildSnapshot({ ...ctx, policies }, GENERATORS, POLICY_PLUGINS);
    };
    const address = (snap: XdsSnapshot, cluster: string) => JSON.stringify(snap.resources.cluster.get(cluster)?.json ?? null);
    const tracer = (snap: XdsSnapshot) => JSON.stringify([...snap.resources.listener.values()].map((l) => l.json)).match(/"envoy.tracers.opentelemetry","typed_config":(\{[^}]*\}[^}]*\}[^}]*\})/)?.[1] ?? '';

    // By labels, the oldest of those matching.
    const grpc = build([pol('MeshTrace', 't', { default: { backends: [ref({ team: 'obs' })] } }), pol('MeshAccessLog', 'l', { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'Mesh' }, default: { backends: [ref({ team: 'obs' })] } }] })]);
    expect(address(grpc, 'meshwork:tracing')).toContain('"address":"10.0.0.7"');
    expect(tracer(grpc)).toContain('grpc_service');
    expect(address(grpc, 'meshwork:accesslog:opentelemetry:collector')).toContain('"address":"10.0.0.7"');
    // The display name counts as a label; OTLP/HTTP with the backend's base path.
    const http = build([pol('MeshTrace', 't', { default: { backends: [ref({ 'kuma.io/display-name': 'http-collector' })] } })]);
    expect(tracer(http)).toContain('"uri":"http://10.0.0.8:4318/otlp/v1/traces"');
    expect(address(http, 'meshwork:tracing')).toContain('"port_value":4318');
    for (const snap of [grpc, http]) expect(validateWithEnvoy(forValidation(snap)).ok).toBe(true);
    // A ref to no backend: no tracing, as Kuma skips it.
    const dangling = build([pol('MeshTrace', 't', { default: { backends: [ref({ team: 'none' })] } })]);
    expect(dangling.resources.cluster.has('meshwork:tracing')).toBe(false);
    expect(tracer(dangling)).toBe('');
  });

  it('MeshLoadBalancingStrategy: root hash policies on every route of the destination, a policy naming a MeshHTTPRoute in `to` sets that route\'s', () => {
    const ctx = cases['web-routes']!;
    const hashing = [
      pol('MeshLoadBalancingStrategy', 'ring', { to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, default: { hashPolicies: [{ type: 'Header', header: { name: 'x-user' } }], loadBalancer: { type: 'RingHash' } } }] }),
      pol('MeshLoadBalancingStrategy', 'reports-by-ip', { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'MeshHTTPRoute', name: 'reports' }, default: { hashPolicies: [{ type: 'SourceIP', connection: { sourceIP: true } }] } }] }),
    ];
    const policies = new Map(ctx.policies);
    policies.set('MeshLoadBalancingStrategy', hashing);
    const snap = buildSnapshot({ ...ctx, policies }, GENERATORS, POLICY_PLUGINS);
    expect((snap.resources.cluster.get('backend')!.json as { lb_policy: string }).lb_policy).toBe('RING_HASH');
    const routes = JSON.stringify(Object.fromEntries([...snap.resources.listener].map(([k, v]) => [k, v.json])));
    const config = JSON.parse(routes) as Record<string, unknown>;
    const found: { prefix?: string; hash: unknown }[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) return v.forEach(walk);
      if (typeof v !== 'object' || v === null) return;
      const o = v as Record<string, unknown>;
      if (o.match && o.route && (o.route as Record<string, unknown>).cluster === 'backend') found.push({ prefix: JSON.stringify(o.match).includes('/reports') ? '/reports' : undefined, hash: (o.route as Record<string, unknown>).hash_policy });
      Object.values(o).forEach(walk);
    };
    walk(config);
    expect(found.find((r) => r.prefix === '/reports')?.hash).toEqual([{ connection_properties: { source_ip: true } }]);
    expect(found.filter((r) => r.prefix !== '/reports').length).toBeGreaterThan(0);
    for (const r of found.filter((x) => x.prefix !== '/reports')) expect(r.hash).toEqual([{ header: { header_name: 'x-user' } }]);
  });

  it('MeshLoadBalancingStrategy orders local endpoints by affinity tags and other zones by the failover rules', () => {
    const ctx = cases['web-outbounds']!;
    const web = { ...ctx.dataplane, spec: { networking: { ...ctx.dataplane.spec.networking, inbound: [{ port: 8080, servicePort: 3000, tags: { 'kuma.io/service': 'web', 'kuma.io/protocol': 'http', node: 'n1', az: 'a' } }] } } };
    const local = (address: string, tags: Record<string, string>) => ({ address, port: 8080, tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http', ...tags }, dataplane: address });
    const remote = (zone: string, address: string) => ({ address, port: 10001, tags: { 'kuma.io/service': 'backend' }, dataplane: `ingress-${zone}`, zone, weight: 2 });
    const eps = new Map(endpoints);
    eps.set('backend', [local('10.0.0.1', { node: 'n1', az: 'a' }), local('10.0.0.2', { node: 'n2', az: 'a' }), local('10.0.0.3', { node: 'n3', az: 'b' }), remote('zone-2', '35.0.0.2'), remote('zone-3', '35.0.0.3'), remote('zone-4', '35.0.0.4')]);
    const build = (localityAwareness: object) => {
      const policies = withPolicies([pol('MeshLoadBalancingStrategy', 'la', { to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, default: { localityAwareness } }] })]);
      const snapshot = buildSnapshot({ ...ctx, dataplane: web, endpoints: eps, policies }, GENERATORS, POLICY_PLUGINS);
      expect(validateWithEnvoy(forValidation(snapshot)).ok).toBe(true);
      const cla = snapshot.resources.endpoint.get('backend')!.json as { endpoints: { locality: { zone: string; sub_zone?: string }; priority?: number; load_balancing_weight: number; lb_endpoints: { endpoint: { address: { socket_address: { address: string } } } }[] }[]; policy?: { overprovisioning_factor: number } };
      return { cla, cluster: snapshot.resources.cluster.get('backend')!.json as { common_lb_config?: object }, rows: cla.endpoints.map((l) => [l.priority ?? 0, l.locality.zone, l.locality.sub_zone ?? '', l.lb_endpoints.map((e) => e.endpoint.address.socket_address.address).join(' ')]) };
    };
    // Same node first, then same availability zone, then the rest of zone-1; zone-3 takes
    // over next, then any zone but zone-4 (zone-4 never).
    const ordered = build({ localZone: { affinityTags: [{ key: 'node' }, { key: 'az' }] }, crossZone: { failover: [{ from: { zones: ['zone-9'] }, to: { type: 'Any' } }, { to: { type: 'Only', zones: ['zone-3'] } }, { to: { type: 'AnyExcept', zones: ['zone-4'] } }], failoverThreshold: { percentage: 50 } } });
    expect(ordered.rows).toEqual([
      [0, 'zone-1', 'node', '10.0.0.1'],
      [1, 'zone-1', 'az', '10.0.0.2'],
      [2, 'zone-1', '', '10.0.0.3'],
      [3, 'zone-3', '', '35.0.0.3'],
      [4, 'zone-2', '', '35.0.0.2'],
    ]);
    expect(ordered.cla.policy).toEqual({ overprovisioning_factor: 200 });
    // Weighted affinity: one priority, split by locality weights (the rest of the zone weighs 1).
    const weighted = build({ localZone: { affinityTags: [{ key: 'node', weight: 9000 }, { key: 'az', weight: 9 }] } });
    expect(weighted.cla.endpoints.map((l) => [l.priority ?? 0, l.locality.sub_zone ?? '', l.load_balancing_weight])).toEqual([[0, 'node', 9000], [0, 'az', 9], [0, '', 1]]);
    expect(weighted.cluster.common_lb_config).toEqual({ locality_weighted_lb_config: {} });
    // localZone alone keeps traffic in the zone.
    expect(build({ localZone: { affinityTags: [{ key: 'az' }] } }).rows.map((r) => r[1])).toEqual(['zone-1', 'zone-1']);
  });

  it('transparent proxying without passthrough closes unknown outbound destinations', () => {
    const ctx = cases['web-transparent-proxy']!;
    const snapshot = buildSnapshot({ ...ctx, mesh: { ...mesh, spec: { networking: { outbound: { passthrough: false } } } } }, GENERATORS);
    expect(snapshot.resources.cluster.has('outbound:passthrough:ipv4')).toBe(false);
    expect(snapshot.resources.cluster.has('inbound:passthrough:ipv4')).toBe(true);
    expect(JSON.stringify(snapshot.resources.listener.get('outbound:passthrough:ipv4')!.json)).toContain('"cluster":"meshwork:blackhole"');
    expect(validateWithEnvoy(forValidation(snapshot)).ok).toBe(true);
  });

  it('MeshProxyPatch selects listeners by their origin, as Kuma names them: inbound, outbound, transparent (the passthrough), prometheus', () => {
    const ctx = cases['web-transparent-proxy']!;
    const patchedBy = (origin: string) => {
      const patch = pol('MeshProxyPatch', `by-${origin}`, { targetRef: { kind: 'Mesh' }, default: { appendModifications: [{ listener: { operation: 'Patch', match: { origin }, value: 'perConnectionBufferLimitBytes: 32768' } }] } });
      const snapshot = buildSnapshot({ ...ctx, policies: withPolicies([patch]) }, GENERATORS, POLICY_PLUGINS);
      return [...snapshot.resources.listener.values()].filter((r) => (r.json as { per_connection_buffer_limit_bytes?: number }).per_connection_buffer_limit_bytes === 32768).map((r) => r.name).sort();
    };
    const outbounds = (ctx.dataplane.spec.networking.outbound ?? []).map((ob) => `outbound:${ob.address ?? '127.0.0.1'}:${ob.port}`).sort();
    expect(patchedBy('outbound')).toEqual(outbounds);
    expect(patchedBy('transparent')).toEqual(['inbound:passthrough:ipv4', 'outbound:passthrough:ipv4']);
    expect(patchedBy('inbound')).toEqual((ctx.dataplane.spec.networking.inbound ?? []).map((ib) => `inbound:${ib.address ?? ctx.dataplane.spec.networking.address}:${ib.port}`).sort());
    expect(patchedBy('prometheus')).toEqual(['meshwork:metrics:prometheus']);
  });

  it('versions by content: the same input gives the same version, a change a new one', () => {
    const ctx = cases['web-outbounds']!;
    const a = buildSnapshot(ctx, GENERATORS);
    expect(buildSnapshot(ctx, GENERATORS).version).toBe(a.version);
    const moved = new Map(endpoints);
    moved.set('backend', [ep('127.0.0.9', 8080, { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' })]);
    const b = buildSnapshot({ ...ctx, endpoints: moved }, GENERATORS);
    expect(b.version).not.toBe(a.version);
    // Only the endpoints of backend changed.
    const changed = [...b.versions('endpoint')].filter(([n, v]) => a.versions('endpoint').get(n) !== v).map(([n]) => n);
    expect(changed).toEqual(['backend']);
    expect([...b.versions('listener')]).toEqual([...a.versions('listener')]);
  });

  it('shares identical encoded resources between snapshots, and only those', () => {
    const ctx = cases['web-outbounds']!;
    const a = buildSnapshot(ctx, GENERATORS);
    const other = buildSnapshot({ ...ctx, dataplane: { ...ctx.dataplane, name: 'web-2', spec: { networking: { ...ctx.dataplane.spec.networking, address: '127.0.0.42' } } } }, GENERATORS);
    // Another proxy calling the same services holds the very same cluster and endpoint objects…
    for (const kind of ['cluster', 'endpoint'] as const) for (const [name, r] of a.resources[kind]) expect(other.resources[kind].get(name)).toBe(r);
    // …but its own inbound listener, whose address differs.
    const inbound = (s: XdsSnapshot) => [...s.resources.listener.values()].find((r) => r.name.startsWith('inbound:'))!;
    expect(inbound(other).json).not.toEqual(inbound(a).json);
    expect(inbound(other).version).not.toBe(inbound(a).version);
    // What is served is the encoding of what is shown.
    const cluster = a.resources.cluster.get('backend')!;
    expect(decodeToObject(XDS_TYPES.cluster, cluster.bytes)).toMatchObject({ name: 'backend' });
    expect(cluster.json).toEqual(JSON.parse(JSON.stringify(cluster.json)));
  });

  it('refuses to build an inconsistent or invalid snapshot', () => {
    const broken = { name: 'broken', generate: (_c: ProxyContext, out: { cluster: Map<string, object> }) => out.cluster.set('x', { name: 'x', type: 'EDS', eds_cluster_config: { eds_config: { ads: {} } } }) };
    expect(() => buildSnapshot(cases['web-outbounds']!, [...GENERATORS, broken])).toThrow(SnapshotError);
    const invalid = { name: 'invalid', generate: (_c: ProxyContext, out: { listener: Map<string, object> }) => out.listener.set('bad', { name: 'bad', per_connection_buffer_limit_bytes: 'lots' }) };
    expect(() => buildSnapshot(cases['web-outbounds']!, [invalid])).toThrow(/listener bad: per_connection_buffer_limit_bytes: must be an integer/);
  });
});
