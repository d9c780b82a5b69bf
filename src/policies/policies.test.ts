import { describe, expect, it } from 'vitest';
import { parseDocument } from '../resources/document.ts';
import { registry } from '../resources/all.ts';
import { isMeshworkError } from '../core/errors.ts';
import { POLICY_TYPES } from './index.ts';

// For every policy: Kuma-style documents that must be accepted unchanged, and bad ones
// that must be refused with the offending field named.

const MAX = 1024 * 1024;

function parse(doc: Record<string, unknown>) {
  return parseDocument({ mesh: 'default', name: 'p', ...doc }, registry, { maxBytes: MAX });
}

function fieldsOf(doc: Record<string, unknown>): string[] {
  try {
    parse(doc);
  } catch (err) {
    if (isMeshworkError(err, 'INVALID_RESOURCE')) return err.invalidParameters.map((p) => p.field);
    throw err;
  }
  return [];
}

const valid: Record<string, Record<string, unknown>[]> = {
  MeshTrafficPermission: [
    { targetRef: { kind: 'MeshService', name: 'backend' }, from: [{ targetRef: { kind: 'MeshSubset', tags: { 'kuma.io/zone': 'east' } }, default: { action: 'Deny' } }] },
    { targetRef: { kind: 'Mesh' }, from: [{ targetRef: { kind: 'Mesh' }, default: { action: 'AllowWithShadowDeny' } }] },
    { rules: [{ default: { allow: [{ spiffeID: { type: 'Prefix', value: 'spiffe://default/' } }], deny: [{ spiffeID: { type: 'Exact', value: 'spiffe://default/web' } }] } }] },
  ],
  MeshTimeout: [
    { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '20s', connectionTimeout: '2s', http: { requestTimeout: '2s', streamIdleTimeout: '1h', maxStreamDuration: '0s', maxConnectionDuration: '0s' } } }], from: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '2h' } }] },
    { targetRef: { kind: 'MeshHTTPRoute', name: 'route-1' }, to: [{ targetRef: { kind: 'Mesh' }, default: { http: { requestTimeout: '1.5s' } } }] },
  ],
  MeshRetry: [
    {
      targetRef: { kind: 'Mesh' },
      to: [
        {
          targetRef: { kind: 'MeshService', name: 'backend' },
          default: {
            tcp: { maxConnectAttempt: 5 },
            http: { numRetries: 10, perTryTimeout: '1s', backOff: { baseInterval: '15s', maxInterval: '20m' }, retryOn: ['5xx', 'GatewayError', '503'], retriableResponseHeaders: [{ type: 'Exact', name: 'x-retry', value: 'true' }] },
            grpc: { numRetries: 5, retryOn: ['Canceled', 'Unavailable'] },
          },
        },
      ],
    },
  ],
  MeshHTTPRoute: [
    {
      targetRef: { kind: 'MeshService', name: 'frontend' },
      to: [
        {
          targetRef: { kind: 'MeshService', name: 'backend' },
          rules: [
            {
              matches: [{ path: { type: 'PathPrefix', value: '/api' }, method: 'GET', headers: [{ type: 'Exact', name: 'version', value: 'v2' }], queryParams: [{ type: 'Exact', name: 'q', value: '1' }] }],
              default: {
                filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-custom', value: 'y' }], remove: ['x-old'] } }],
                backendRefs: [
                  { kind: 'MeshServiceSubset', name: 'backend', tags: { version: 'v1' }, weight: 80 },
                  { kind: 'MeshServiceSubset', name: 'backend', tags: { version: 'v2' }, weight: 20 },
                ],
              },
            },
          ],
        },
      ],
    },
  ],
  MeshTCPRoute: [
    { targetRef: { kind: 'MeshService', name: 'frontend' }, to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, rules: [{ default: { backendRefs: [{ kind: 'MeshService', name: 'other-backend' }] } }] }] },
  ],
  MeshCircuitBreaker: [
    {
      targetRef: { kind: 'Mesh' },
      to: [
        {
          targetRef: { kind: 'Mesh' },
          default: {
            connectionLimits: { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 },
            outlierDetection: { disabled: false, interval: '5s', baseEjectionTime: '30s', maxEjectionPercent: 20, splitExternalAndLocalErrors: false, detectors: { totalFailures: { consecutive: 5 }, gatewayFailures: { consecutive: 5 }, localOriginFailures: { consecutive: 5 }, successRate: { minimumHosts: 5, requestVolume: 100, standardDeviationFactor: 1900 }, failurePercentage: { requestVolume: 50, minimumHosts: 5, threshold: 85 } } },
          },
        },
      ],
    },
  ],
  MeshHealthCheck: [
    { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, default: { interval: '10s', timeout: '2s', unhealthyThreshold: 3, healthyThreshold: 1, http: { path: '/health', expectedStatuses: [200, 201] } } }] },
  ],
  MeshLoadBalancingStrategy: [
    { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, default: { loadBalancer: { type: 'RingHash', ringHash: { hashFunction: 'MurmurHash2', minRingSize: 64, maxRingSize: 1024, hashPolicies: [{ type: 'Header', header: { name: 'x-header' } }] } } } }] },
    { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'Mesh' }, default: { localityAwareness: { localZone: { affinityTags: [{ key: 'k8s.io/node', weight: 9000 }] }, crossZone: { failover: [{ from: { zones: ['zone-1'] }, to: { type: 'Only', zones: ['zone-2'] } }, { to: { type: 'Any' } }], failoverThreshold: { percentage: 70 } } } } }] },
  ],
  MeshFaultInjection: [
    { targetRef: { kind: 'MeshService', name: 'backend' }, from: [{ targetRef: { kind: 'MeshService', name: 'frontend' }, default: { http: [{ abort: { httpStatus: 500, percentage: '2.5' }, delay: { value: '5s', percentage: 5 }, responseBandwidth: { limit: '50Mbps', percentage: 50 } }] } }] },
  ],
  MeshRateLimit: [
    { targetRef: { kind: 'MeshService', name: 'backend' }, from: [{ targetRef: { kind: 'Mesh' }, default: { local: { http: { requestRate: { num: 5, interval: '10s' }, onRateLimit: { status: 423, headers: { set: [{ name: 'x-kuma-rate-limited', value: 'true' }] } } }, tcp: { connectionRate: { num: 5, interval: '10s' } } } } }] },
  ],
  MeshAccessLog: [
    {
      targetRef: { kind: 'Mesh' },
      from: [{ targetRef: { kind: 'Mesh' }, default: { backends: [{ file: { path: '/tmp/access.log', format: { type: 'Plain', plain: '[%START_TIME%] %KUMA_SOURCE_SERVICE%' } } }] } }],
      to: [{ targetRef: { kind: 'Mesh' }, default: { backends: [{ tcp: { address: '127.0.0.1:5000', format: { type: 'Json', json: [{ key: 'start_time', value: '%START_TIME%' }] } } }, { openTelemetry: { endpoint: 'otel-collector:4317', attributes: [{ key: 'mesh', value: '%KUMA_MESH%' }] } }] } }],
    },
    {
      targetRef: { kind: 'Mesh' },
      from: [{ targetRef: { kind: 'Mesh' }, default: { backends: [{ type: 'OpenTelemetry', openTelemetry: { endpoint: 'otel-collector:4317', body: { kvlistValue: { values: [{ key: 'mesh', value: { stringValue: '%KUMA_MESH%' } }, { key: 'n', value: { arrayValue: { values: [{ stringValue: '%START_TIME%' }] } } }] } } } }, { type: 'File', file: { path: '/dev/stdout' } }] } }],
    },
  ],
  MeshTrace: [
    { targetRef: { kind: 'Mesh' }, default: { backends: [{ type: 'Zipkin', zipkin: { url: 'http://jaeger-collector:9411/api/v2/spans', apiVersion: 'httpJson' } }], sampling: { overall: 80, client: 40, random: 60 }, tags: [{ name: 'team', literal: 'core' }, { name: 'env', header: { name: 'x-env', default: 'prod' } }] } },
    { default: { backends: [{ type: 'OpenTelemetry', openTelemetry: { endpoint: 'otel-collector:4317' } }] } },
  ],
  MeshMetric: [
    { targetRef: { kind: 'Mesh' }, default: { sidecar: { includeUnused: false, profiles: { appendProfiles: [{ name: 'Basic' }], exclude: [{ type: 'Regex', match: 'envoy_cluster_.*' }] } }, applications: [{ name: 'app', path: '/metrics', port: 8888 }], backends: [{ type: 'Prometheus', prometheus: { port: 5670, path: '/metrics' } }, { type: 'OpenTelemetry', openTelemetry: { endpoint: 'otel-collector:4317', refreshInterval: '60s' } }] } },
    { targetRef: { kind: 'Mesh' }, default: { sidecar: { regex: 'http2_act.*', includeUnused: true }, backends: [{ type: 'OpenTelemetry', openTelemetry: { endpoint: 'otel-collector.observability.svc:4317', refreshInterval: '60s' } }] } },
  ],
  MeshTLS: [
    { targetRef: { kind: 'Mesh' }, from: [{ targetRef: { kind: 'Mesh' }, default: { tlsVersion: { min: 'TLS13', max: 'TLS13' }, tlsCiphers: ['ECDHE-ECDSA-AES256-GCM-SHA384'], mode: 'Strict' } }] },
    { rules: [{ default: { mode: 'Permissive' } }] },
  ],
  MeshProxyPatch: [
    {
      targetRef: { kind: 'MeshService', name: 'backend' },
      default: {
        appendModifications: [
          { cluster: { operation: 'Patch', match: { name: 'demo-app_kuma-demo_svc_5000', origin: 'outbound' }, value: 'connectTimeout: 5s\n' } },
          { listener: { operation: 'Patch', match: { origin: 'inbound' }, jsonPatches: [{ op: 'replace', path: '/trafficDirection', value: 'INBOUND' }] } },
          { httpFilter: { operation: 'AddBefore', match: { name: 'envoy.filters.http.router', origin: 'inbound' }, value: 'name: envoy.filters.http.gzip\n' } },
          { virtualHost: { operation: 'Remove', match: { routeConfigurationName: 'outbound:backend' } } },
        ],
      },
    },
  ],
  MeshPassthrough: [
    { targetRef: { kind: 'Mesh' }, default: { passthroughMode: 'Matched', appendMatch: [{ type: 'Domain', value: '*.example.com', port: 443, protocol: 'tls' }, { type: 'CIDR', value: '10.0.0.0/8', protocol: 'tcp' }, { type: 'IP', value: '192.0.2.1', port: 80, protocol: 'http' }] } },
  ],
};

const invalid: Record<string, [Record<string, unknown>, string][]> = {
  MeshTrafficPermission: [
    [{ targetRef: { kind: 'Mesh' }, from: [{ targetRef: { kind: 'Mesh' }, default: { action: 'ALLOW' } }] }, 'spec.from[0].default.action'],
    [{ targetRef: { kind: 'Mesh' }, from: [{ targetRef: { kind: 'Dataplane', name: 'dp' }, default: { action: 'Allow' } }] }, 'spec.from[0].targetRef.kind'],
  ],
  MeshTimeout: [
    [{ targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '20 seconds' } }] }, 'spec.to[0].default.idleTimeout'],
    // Targeting a MeshHTTPRoute: only route fields, only `to` of kind Mesh.
    [{ targetRef: { kind: 'MeshHTTPRoute', name: 'r' }, to: [{ targetRef: { kind: 'Mesh' }, default: { connectionTimeout: '10s', http: { requestTimeout: '5s' } } }] }, 'spec.to[0].default.connectionTimeout'],
    [{ targetRef: { kind: 'MeshHTTPRoute', name: 'r' }, to: [{ targetRef: { kind: 'MeshService', name: 'b' }, default: { http: { requestTimeout: '5s' } } }] }, 'spec.to[0].targetRef.kind'],
    [{ targetRef: { kind: 'MeshHTTPRoute', name: 'r' }, from: [{ targetRef: { kind: 'Mesh' }, default: { http: { requestTimeout: '5s' } } }] }, 'spec.from'],
  ],
  MeshRetry: [
    [{ targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'Mesh' }, default: { grpc: { retryOn: ['NotARealCode'] } } }] }, 'spec.to[0].default.grpc.retryOn[0]'],
    [{ targetRef: { kind: 'MeshHTTPRoute', name: 'r' }, to: [{ targetRef: { kind: 'Mesh' }, default: { tcp: { maxConnectAttempt: 3 } } }] }, 'spec.to[0].default.tcp.maxConnectAttempt'],
  ],
  MeshHTTPRoute: [
    [{ to: [{ targetRef: { kind: 'MeshService', name: 'b' }, rules: [{ matches: [{ path: { type: 'Exact', value: 'no-slash' } }], default: {} }] }] }, 'spec.to[0].rules[0].matches[0].path.value'],
    [{ to: [{ targetRef: { kind: 'Mesh' }, rules: [{ matches: [{}], default: {} }] }] }, 'spec.to[0].targetRef.kind'],
  ],
  MeshTCPRoute: [[{ to: [{ targetRef: { kind: 'MeshService', name: 'b' }, rules: [{ default: { backendRefs: [] } }] }] }, 'spec.to[0].rules[0].default.backendRefs']],
  MeshCircuitBreaker: [[{ to: [{ targetRef: { kind: 'Mesh' }, default: { outlierDetection: { maxEjectionPercent: 120 } } }] }, 'spec.to[0].default.outlierDetection.maxEjectionPercent']],
  MeshHealthCheck: [[{ to: [{ targetRef: { kind: 'Mesh' }, default: { interval: '0s' } }] }, 'spec.to[0].default.interval']],
  MeshLoadBalancingStrategy: [[{ to: [{ targetRef: { kind: 'Mesh' }, default: { loadBalancer: { type: 'Fastest' } } }] }, 'spec.to[0].default.loadBalancer.type']],
  MeshFaultInjection: [[{ from: [{ targetRef: { kind: 'Mesh' }, default: { http: [{ abort: { httpStatus: 700, percentage: 10 } }] } }] }, 'spec.from[0].default.http[0].abort.httpStatus']],
  MeshRateLimit: [
    [{ from: [{ targetRef: { kind: 'Mesh' }, default: { local: { http: { requestRate: { num: 5, interval: '10ms' } } } } }] }, 'spec.from[0].default.local.http.requestRate.interval'],
    // As Kuma (2.6+), sidecars take MeshRateLimit from Mesh/Dataplane selections, not routes.
    [{ targetRef: { kind: 'MeshHTTPRoute', name: 'r' }, from: [{ targetRef: { kind: 'Mesh' }, default: { local: { http: { requestRate: { num: 5, interval: '10s' } } } } }] }, 'spec.targetRef.kind'],
    [{ to: [{ targetRef: { kind: 'Mesh' }, default: { local: { http: { requestRate: { num: 5, interval: '10s' } } } } }] }, 'spec.to'],
  ],
  MeshAccessLog: [
    [{ to: [{ targetRef: { kind: 'Mesh' }, default: { backends: [{ file: { path: 'relative.log' } }] } }] }, 'spec.to[0].default.backends[0].file.path'],
    [{ to: [{ targetRef: { kind: 'Mesh' }, default: { backends: [{ type: 'Tcp', file: { path: '/dev/stdout' } }] } }] }, 'spec.to[0].default.backends[0].type'],
    [{ to: [{ targetRef: { kind: 'Mesh' }, default: { backends: [{ openTelemetry: { endpoint: 'c:4317', body: { stringValue: 'a', boolValue: true } } }] } }] }, 'spec.to[0].default.backends[0].openTelemetry.body'],
    [{ to: [{ targetRef: { kind: 'Mesh' }, default: { backends: [{ openTelemetry: { endpoint: 'c:4317', body: { kvlistValue: { values: [{ key: 'k', value: { intValue: 7 } }] } } } }] } }] }, 'spec.to[0].default.backends[0].openTelemetry.body.kvlistValue.values[0].value.intValue'],
  ],
  MeshTrace: [[{ default: { sampling: { overall: 101 } } }, 'spec.default.sampling.overall']],
  MeshMetric: [
    [{ default: { backends: [{ type: 'Graphite' }] } }, 'spec.default.backends[0].type'],
    [{ default: { backends: [{ type: 'OpenTelemetry', openTelemetry: { endpoint: 'otel-collector' } }] } }, 'spec.default.backends[0].openTelemetry.endpoint'],
    [{ default: { backends: [{ type: 'Prometheus', prometheus: { port: 5670 } }, { type: 'Prometheus', prometheus: { clientId: 'b' } }] } }, 'spec.default.backends[1].prometheus.port'],
    [{ default: { backends: [{ type: 'OpenTelemetry', openTelemetry: { endpoint: 'c:4317', refreshInterval: '0s' } }] } }, 'spec.default.backends[0].openTelemetry.refreshInterval'],
    [{ default: { sidecar: { profiles: { include: [{ type: 'Regex', match: 'envoy_(' }] } } } }, 'spec.default.sidecar.profiles.include[0].match'],
  ],
  MeshTLS: [[{ from: [{ targetRef: { kind: 'Mesh' }, default: { tlsVersion: { min: 'TLS13', max: 'TLS12' } } }] }, 'spec.from[0].default.tlsVersion.min']],
  MeshProxyPatch: [
    [{ default: { appendModifications: [{ cluster: { operation: 'Add' } }] } }, 'spec.default.appendModifications[0].cluster.value'],
    // Values are checked against Envoy's protos when applied.
    [{ default: { appendModifications: [{ cluster: { operation: 'Patch', value: 'connectTimeoutz: 7s\n' } }] } }, 'spec.default.appendModifications[0].cluster.value'],
    [{ default: { appendModifications: [{ listener: { operation: 'Patch', value: 'perConnectionBufferLimitBytes: lots\n' } }] } }, 'spec.default.appendModifications[0].listener.value'],
    [{ default: { appendModifications: [{ httpFilter: { operation: 'AddFirst', value: 'name: f\ntypedConfig: {"@type": type.googleapis.com/not.a.Type}\n' } }] } }, 'spec.default.appendModifications[0].httpFilter.value'],
  ],
  MeshPassthrough: [[{ default: { appendMatch: [{ type: 'CIDR', value: '10.0.0.0' }] } }, 'spec.default.appendMatch[0].value']],
};

describe('policy schemas', () => {
  it('covers all 16 Kuma targetRef policies', () => {
    expect(POLICY_TYPES.map((p) => p.name).sort()).toEqual(Object.keys(valid).sort());
    expect(Object.keys(invalid).sort()).toEqual(Object.keys(valid).sort());
    expect(POLICY_TYPES).toHaveLength(16);
  });

  for (const [type, specs] of Object.entries(valid)) {
    it(`${type}: accepts Kuma documents unchanged`, () => {
      for (const spec of specs) {
        expect(fieldsOf({ type, spec }), JSON.stringify(spec)).toEqual([]);
        expect(parse({ type, spec }).input.spec).toEqual(spec);
      }
    });
  }

  for (const [type, cases] of Object.entries(invalid)) {
    it(`${type}: refuses bad input naming the field`, () => {
      for (const [spec, field] of cases) expect(fieldsOf({ type, spec })).toContain(field);
    });
  }

  it("requires at least one section where Kuma does, refuses 'rules' beside other sections, and refuses unknown fields", () => {
    const conf = { idleTimeout: '1s' };
    expect(fieldsOf({ type: 'MeshTimeout', spec: { targetRef: { kind: 'Mesh' } } })).toEqual(['spec']);
    // An empty `to` overrides what a less specific policy set (MeshRetry has no such rule).
    expect(fieldsOf({ type: 'MeshRetry', spec: { targetRef: { kind: 'Mesh' }, to: [] } })).toEqual([]);
    expect(fieldsOf({ type: 'MeshTimeout', spec: { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'Mesh' }, default: conf }], too: [] } })).toEqual(['spec.too']);
    expect(fieldsOf({ type: 'MeshTLS', spec: { from: [{ targetRef: { kind: 'Mesh' }, default: {} }], rules: [{ default: {} }] } })).toEqual(['spec']);
    expect(fieldsOf({ type: 'MeshTimeout', spec: { to: [{ targetRef: { kind: 'Mesh' }, default: conf }], rules: [{ default: conf }] } })).toEqual(['spec']);
    // MeshFaultInjection: only `from` is excluded by `rules`.
    const fault = { http: [{ abort: { httpStatus: 500, percentage: 50 } }] };
    expect(fieldsOf({ type: 'MeshFaultInjection', spec: { to: [{ targetRef: { kind: 'Mesh' }, default: fault }], rules: [{ default: fault }] } })).not.toContain('spec');
  });

  it('checks targetRef fields per kind, as Kuma', () => {
    const conf = { idleTimeout: '1s' };
    const to = (targetRef: unknown) => ({ type: 'MeshTimeout', spec: { to: [{ targetRef, default: conf }] } });
    expect(fieldsOf(to({ kind: 'MeshService' }))).toEqual(['spec.to[0].targetRef']);
    expect(fieldsOf(to({ kind: 'MeshService', name: 'b', labels: { a: 'b' } }))).toEqual(['spec.to[0].targetRef.labels']);
    expect(fieldsOf(to({ kind: 'MeshService', name: 'Not_OK!' }))).toEqual(['spec.to[0].targetRef.name']);
    // A MeshService port, and a route of the proxy, as destinations.
    expect(fieldsOf(to({ kind: 'MeshService', name: 'b', sectionName: 'http' }))).toEqual([]);
    expect(fieldsOf(to({ kind: 'MeshHTTPRoute', name: 'route-1' }))).toEqual([]);
    // sectionName: one inbound of a Dataplane, for inbound policies only.
    expect(fieldsOf({ type: 'MeshTimeout', spec: { targetRef: { kind: 'Dataplane', name: 'dp-1', sectionName: 'http' }, from: [{ targetRef: { kind: 'Mesh' }, default: conf }] } })).toEqual([]);
    expect(fieldsOf({ type: 'MeshTimeout', spec: { targetRef: { kind: 'Mesh', sectionName: 'http' }, from: [{ targetRef: { kind: 'Mesh' }, default: conf }] } })).toEqual(['spec.targetRef.sectionName']);
    expect(fieldsOf({ type: 'MeshTimeout', spec: { targetRef: { kind: 'Dataplane', labels: { app: 'b' }, sectionName: '8080' }, to: [{ targetRef: { kind: 'Mesh' }, default: conf }] } })).toEqual(['spec.targetRef.sectionName']);
    expect(fieldsOf({ type: 'MeshTrace', spec: { targetRef: { kind: 'Dataplane', name: 'dp-1', sectionName: 'http' }, default: {} } })).toEqual(['spec.targetRef.sectionName']);
    // Every Dataplane of the mesh.
    expect(fieldsOf({ type: 'MeshTimeout', spec: { targetRef: { kind: 'Dataplane' }, to: [{ targetRef: { kind: 'Mesh' }, default: conf }] } })).toEqual([]);
    expect(fieldsOf({ type: 'MeshTimeout', spec: { targetRef: { kind: 'Dataplane', name: 'a', labels: { app: 'b' } }, to: [{ targetRef: { kind: 'Mesh' }, default: conf }] } })).toEqual(['spec.targetRef.labels']);
    expect(fieldsOf(to({ kind: 'Mesh', name: 'x' }))).toEqual(['spec.to[0].targetRef.name']);
    expect(fieldsOf({ type: 'MeshTimeout', spec: { targetRef: { kind: 'MeshServiceSubset' }, to: [{ targetRef: { kind: 'Mesh' }, default: conf }] } })).toEqual(['spec.targetRef.name']);
    expect(fieldsOf({ type: 'MeshTimeout', spec: { targetRef: { kind: 'MeshSubset', proxyTypes: [] }, to: [{ targetRef: { kind: 'Mesh' }, default: conf }] } })).toEqual(['spec.targetRef.proxyTypes']);
  });
});
