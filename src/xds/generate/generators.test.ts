import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateWithEnvoy } from '../../../test/helpers/envoy.ts';
import { endpoints, ep, forValidation, goldenTests, meta, mesh, pol, withPolicies } from '../../../test/helpers/proxy-fixtures.ts';
import { SnapshotError, type XdsSnapshot } from '../cache/snapshot.ts';
import { buildSnapshot } from '../build/build-snapshot.ts';
import { proxyPolicies } from '../build/proxy-policies.ts';
import { inboundProtocol } from '../../resources/types/dataplane.ts';
import { meshEndpoints, type ProxyContext } from './context.ts';
import { goldenCases } from './golden-cases.ts';
import { defaultPolicies } from '../../policies/defaults.ts';
import { GENERATORS } from './generators.ts';
import { decodeToObject } from '../envoy/proto-json.ts';
import { XDS_TYPES } from '../envoy/protos.ts';
import { POLICY_PLUGINS } from '../../policies/plugins.ts';
import type { Policy } from '../../policies/core/matching.ts';

// The generators' golden cases (golden-cases.ts); each policy's are in its folder, and all of
// them are built here once more to check the policy filter.
const cases = { ...goldenCases };
// Kuma's default policies of a new mesh (retries, timeouts, connection limits) on web's HTTP, TCP and gRPC outbounds.
cases['web-default-policies'] = { ...goldenCases['web-outbounds']!, policies: withPolicies(defaultPolicies('default').map((p) => pol(p.type, p.name, p.spec))) };

const policyFolders = new URL('../../policies/', import.meta.url);
const policyCases: Record<string, ProxyContext> = {};
for (const folder of readdirSync(policyFolders)) {
  const file = new URL(`${folder}/golden-cases.ts`, policyFolders);
  if (existsSync(file)) Object.assign(policyCases, ((await import(file.href)) as { goldenCases: Record<string, ProxyContext> }).goldenCases);
}

describe('xDS generators', () => {
  goldenTests(new URL('./testdata/', import.meta.url), cases);

  it('finds the golden cases of the policy folders', () => {
    expect(Object.keys(policyCases).length).toBeGreaterThanOrEqual(6);
  });

  it('a proxy built from the policies that reach it equals one built from every policy of the mesh (each case against the policies of all cases)', () => {
    const every = { ...cases, ...policyCases };
    const all = new Map<string, Policy[]>(POLICY_PLUGINS.map((pl) => [pl.type, Object.values(every).flatMap((c) => c.policies?.get(pl.type) ?? [])]));
    const types = new Set(POLICY_PLUGINS.map((pl) => pl.type));
    const build = (ctx: ProxyContext) => {
      try {
        return buildSnapshot(ctx, GENERATORS, POLICY_PLUGINS).version;
      } catch (err) {
        return (err as Error).message;
      }
    };
    let dropped = 0;
    for (const [name, ctx] of Object.entries(every)) {
      const policies = proxyPolicies(all, ctx.dataplane, types, ctx.meshServiceOutbounds);
      dropped += [...all.values()].flat().length - [...policies.values()].flat().length;
      expect(build({ ...ctx, policies }), name).toBe(build({ ...ctx, policies: all }));
      // And with the case's own policies, as its golden file has them.
      if (ctx.policies) expect(build({ ...ctx, policies: proxyPolicies(ctx.policies, ctx.dataplane, types, ctx.meshServiceOutbounds) }), name).toBe(build(ctx));
    }
    // The filter is not vacuous: policies of other services' callers and instances are dropped.
    expect(dropped).toBeGreaterThan(100);
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

  it('transparent proxying without passthrough closes unknown outbound destinations', () => {
    const ctx = cases['web-transparent-proxy']!;
    const snapshot = buildSnapshot({ ...ctx, mesh: { ...mesh, spec: { networking: { outbound: { passthrough: false } } } } }, GENERATORS);
    expect(snapshot.resources.cluster.has('outbound:passthrough:ipv4')).toBe(false);
    expect(snapshot.resources.cluster.has('inbound:passthrough:ipv4')).toBe(true);
    expect(JSON.stringify(snapshot.resources.listener.get('outbound:passthrough:ipv4')!.json)).toContain('"cluster":"meshwork:blackhole"');
    expect(validateWithEnvoy(forValidation(snapshot)).ok).toBe(true);
  });

  it("reads an inbound's protocol field (Kuma 2.14) where it has no kuma.io/protocol tag: the inbound is HTTP, and so are its callers' outbounds", () => {
    const ctx = cases['web-outbounds']!;
    const api = { type: 'Dataplane', mesh: 'default', name: 'api-1', labels: {}, creationTime: '', modificationTime: '', version: '1', spec: { networking: { address: '127.0.0.30', inbound: [{ port: 9000, protocol: 'http', tags: { 'kuma.io/service': 'api' } }] } } };
    const store = new Map([['Dataplane', [api]]]);
    const fakeCache = { list: (type: string) => store.get(type) ?? [] } as unknown as Parameters<typeof meshEndpoints>[0];
    const eps = meshEndpoints(fakeCache, 'default');
    expect(eps.get('api')![0]!.tags['kuma.io/protocol']).toBe('http');
    const server = buildSnapshot({ ...ctx, dataplane: api as never, endpoints: eps }, GENERATORS);
    expect(JSON.stringify(server.resources.listener.get('inbound:127.0.0.30:9000')!.json)).toContain('http_connection_manager');
    const caller = buildSnapshot({ ...ctx, endpoints: eps, dataplane: { ...ctx.dataplane, spec: { networking: { ...ctx.dataplane.spec.networking, outbound: [{ port: 10009, tags: { 'kuma.io/service': 'api' } }] } } } }, GENERATORS);
    expect(JSON.stringify(caller.resources.listener.get('outbound:127.0.0.1:10009')!.json)).toContain('http_connection_manager');
  });

  it("takes an inbound's protocol field over its kuma.io/protocol tag for the endpoints too, as the inbound listener and MeshService generation do", () => {
    const api = { type: 'Dataplane', mesh: 'default', name: 'api-1', labels: {}, creationTime: '', modificationTime: '', version: '1', spec: { networking: { address: '127.0.0.30', inbound: [{ port: 9000, protocol: 'grpc', tags: { 'kuma.io/service': 'api', 'kuma.io/protocol': 'http' } }] } } };
    const fakeCache = { list: (type: string) => (type === 'Dataplane' ? [api] : []) } as unknown as Parameters<typeof meshEndpoints>[0];
    const ep = meshEndpoints(fakeCache, 'default').get('api')![0]!;
    expect(ep.tags['kuma.io/protocol']).toBe('grpc');
    expect(ep.tags['kuma.io/protocol']).toBe(inboundProtocol(api.spec.networking.inbound[0]!));
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
