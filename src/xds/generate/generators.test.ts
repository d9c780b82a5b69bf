import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Resource } from '../../resources/resource.ts';
import type { DataplaneSpec } from '../../resources/types/dataplane.ts';
import type { MeshSpec } from '../../resources/types/mesh.ts';
import { expectGolden } from '../../../test/helpers/golden.ts';
import { validateWithEnvoy } from '../../../test/helpers/envoy.ts';
import { buildSnapshot, SnapshotError, type XdsSnapshot } from '../cache/snapshot.ts';
import type { Endpoint, ProxyContext } from './context.ts';
import { GENERATORS } from './generators.ts';
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
const mtlsMesh: Resource<MeshSpec> = { ...mesh, spec: { mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin' }] } } };

const pol = (type: string, name: string, spec: object): Policy => ({ type, mesh: 'default', name, spec, ...meta }) as Policy;
const withPolicies = (list: Policy[]) => new Map<string, Policy[]>(['MeshTimeout', 'MeshTrafficPermission'].map((t) => [t, list.filter((p) => p.type === t)]));

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
    endpoints: new Map([...endpoints, ['web', [ep('127.0.0.8', 8080, { 'kuma.io/service': 'web' })]]]),
    mtls: { mode: 'STRICT', ...fixture },
    policies: withPolicies([
      pol('MeshTrafficPermission', 'deny-all', { targetRef: { kind: 'Mesh' }, from: [{ targetRef: { kind: 'Mesh' }, default: { action: 'Deny' } }] }),
      pol('MeshTrafficPermission', 'allow-web', { targetRef: { kind: 'MeshService', name: 'backend' }, from: [{ targetRef: { kind: 'MeshService', name: 'web' }, default: { action: 'Allow' } }] }),
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
  'backend-tcp-inbound': {
    mesh,
    zone: 'zone-1',
    adminPort: 9902,
    endpoints,
    dataplane: dp('redis-1', { networking: { address: '127.0.0.4', inbound: [{ port: 6379, servicePort: 16379, serviceAddress: '127.0.0.1', tags: { 'kuma.io/service': 'redis' } }] } }),
  },
};

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

  it('transparent proxying without passthrough closes unknown outbound destinations', () => {
    const ctx = cases['web-transparent-proxy']!;
    const snapshot = buildSnapshot({ ...ctx, mesh: { ...mesh, spec: { networking: { outbound: { passthrough: false } } } } }, GENERATORS);
    expect(snapshot.resources.cluster.has('outbound:passthrough:ipv4')).toBe(false);
    expect(snapshot.resources.cluster.has('inbound:passthrough:ipv4')).toBe(true);
    expect(JSON.stringify(snapshot.resources.listener.get('outbound:passthrough:ipv4')!.json)).toContain('"cluster":"meshwork:blackhole"');
    expect(validateWithEnvoy(forValidation(snapshot)).ok).toBe(true);
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

  it('refuses to build an inconsistent or invalid snapshot', () => {
    const broken = { name: 'broken', generate: (_c: ProxyContext, out: { cluster: Map<string, object> }) => out.cluster.set('x', { name: 'x', type: 'EDS', eds_cluster_config: { eds_config: { ads: {} } } }) };
    expect(() => buildSnapshot(cases['web-outbounds']!, [...GENERATORS, broken])).toThrow(SnapshotError);
    const invalid = { name: 'invalid', generate: (_c: ProxyContext, out: { listener: Map<string, object> }) => out.listener.set('bad', { name: 'bad', per_connection_buffer_limit_bytes: 'lots' }) };
    expect(() => buildSnapshot(cases['web-outbounds']!, [invalid])).toThrow(/listener bad: per_connection_buffer_limit_bytes: must be an integer/);
  });
});
