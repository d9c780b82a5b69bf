import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envoyBootstrap } from '../../dp-server/bootstrap.ts';
import { availableServices } from '../../ingress/available-services.ts';
import { defaultPolicies } from '../../policies/defaults.ts';
import type { Policy } from '../../policies/core/matching.ts';
import { POLICY_PLUGINS } from '../../policies/plugins.ts';
import type { Resource } from '../../resources/resource.ts';
import type { DataplaneSpec } from '../../resources/types/dataplane.ts';
import type { MeshSpec } from '../../resources/types/mesh.ts';
import type { ResourceCache } from '../../store/resource-cache.ts';
import { validateWithEnvoy } from '../../../test/helpers/envoy.ts';
import { buildSnapshot } from '../build/build-snapshot.ts';
import { meshEndpoints, type Endpoint, type ProxyContext } from './context.ts';
import { GENERATORS } from './generators.ts';

// Kuma accepts Dataplanes without inbounds (a transparent proxy, or outbounds only) and inbounds
// without tags (InboundTagsDisabled): nothing that builds a proxy's configuration may assume an
// inbound, or a service tag on it.

const meta = { labels: {}, creationTime: '', modificationTime: '', version: '1' };
const dp = (name: string, spec: DataplaneSpec): Resource<DataplaneSpec> => ({ type: 'Dataplane', mesh: 'default', name, spec, ...meta });
const fixture = JSON.parse(readFileSync(new URL('../../../test/helpers/testdata/mtls-fixture.json', import.meta.url), 'utf8')) as { caCert: string; identity: { cert: string; key: string } };
const mtlsMesh: Resource<MeshSpec> = { type: 'Mesh', name: 'default', spec: { mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin' }] } }, ...meta };
const endpoints = new Map<string, Endpoint[]>([['backend', [{ address: '127.0.0.2', port: 8080, tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' }, dataplane: 'backend-1' }]]]);

const pol = (type: string, name: string, spec: object): Policy => ({ type, mesh: 'default', name, spec, ...meta }) as Policy;
const policies = [
  ...defaultPolicies('default').map((p) => pol(p.type, p.name, p.spec)),
  pol('MeshTrafficPermission', 'allow-all', { targetRef: { kind: 'Mesh' }, from: [{ targetRef: { kind: 'Mesh' }, default: { action: 'Allow' } }] }),
  pol('MeshTimeout', 'for-backend', { targetRef: { kind: 'MeshService', name: 'backend' }, from: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '10s' } }] }),
  pol('MeshRateLimit', 'subset', { targetRef: { kind: 'MeshSubset', tags: { team: 'core' } }, from: [{ targetRef: { kind: 'Mesh' }, default: { local: { tcp: { connectionRate: { num: 5, interval: '1s' } } } } }] }),
];
const withPolicies = new Map<string, Policy[]>(POLICY_PLUGINS.map((pl) => [pl.type, policies.filter((p) => p.type === pl.type)]));

const proxies: Record<string, Resource<DataplaneSpec>> = {
  'a transparent proxy without inbounds': dp('tp-1', { networking: { address: '127.0.0.1', transparentProxying: { redirectPortInbound: 15006, redirectPortOutbound: 15001 } } }),
  'outbounds only': dp('client-1', { networking: { address: '127.0.0.1', outbound: [{ port: 10001, tags: { 'kuma.io/service': 'backend' } }, { port: 10002, backendRef: { kind: 'MeshService', labels: { 'kuma.io/display-name': 'backend' }, port: 8080 } }] } }),
  'an inbound without tags': dp('untagged-1', { networking: { address: '127.0.0.1', inbound: [{ port: 18080, servicePort: 8080 }], outbound: [{ port: 10001, tags: { 'kuma.io/service': 'backend' } }] } }),
};

const fakeCache = (dataplanes: Resource<DataplaneSpec>[]) => ({ list: (type: string) => (type === 'Dataplane' ? dataplanes : []) }) as unknown as ResourceCache;

describe('proxies without inbounds or without inbound tags', () => {
  for (const [name, dataplane] of Object.entries(proxies)) {
    for (const mtls of [false, true]) {
      it(`${name}${mtls ? ' (mTLS, policies)' : ''}: a configuration Envoy accepts`, () => {
        const ctx: ProxyContext = {
          mesh: mtls ? mtlsMesh : { ...mtlsMesh, spec: {} },
          zone: 'zone-1',
          adminPort: 9901,
          endpoints,
          dataplane,
          ...(mtls ? { mtls: { mode: 'STRICT' as const, ...fixture }, policies: withPolicies } : {}),
        };
        const snapshot = buildSnapshot(ctx, GENERATORS, POLICY_PLUGINS);
        const json = snapshot.toJSON() as { cluster: object[]; listener: object[] };
        const result = validateWithEnvoy({ listeners: json.listener, clusters: json.cluster });
        expect(result.output).not.toMatch(/error/i);
        expect(result.ok).toBe(true);
      });
    }
  }

  it('an inbound without a service tag is no endpoint, offers nothing through the ingress, and the bootstrap names the proxy', () => {
    const untagged = proxies['an inbound without tags']!;
    const tagged = dp('backend-1', { networking: { address: '127.0.0.2', inbound: [{ port: 9000 }, { port: 8080, tags: { 'kuma.io/service': 'backend' } }] } });
    const cache = fakeCache([untagged, tagged, proxies['a transparent proxy without inbounds']!]);
    expect([...meshEndpoints(cache, 'default').keys()]).toEqual(['backend']);
    expect(availableServices(cache).map((s) => s.tags)).toEqual([{ 'kuma.io/service': 'backend' }]);
    const cluster = (spec: DataplaneSpec) => (envoyBootstrap({ mesh: 'default', name: 'x-1', dataplane: spec, adminPort: 9901, cpHost: '127.0.0.1', cpPort: 5678, version: 'test' }) as { node: { cluster: string } }).node.cluster;
    expect(cluster(untagged.spec)).toBe('x-1');
    expect(cluster(tagged.spec)).toBe('backend');
    expect(cluster(proxies['a transparent proxy without inbounds']!.spec)).toBe('x-1');
  });
});
