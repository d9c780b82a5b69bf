import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Resource } from '../resources/resource.ts';
import type { ZoneIngressSpec } from '../resources/types/zone-ingress.ts';
import { snapshotOf } from '../xds/cache/snapshot.ts';
import type { Endpoint } from '../xds/generate/context.ts';
import { expectGolden } from '../../test/helpers/golden.ts';
import { validateWithEnvoy } from '../../test/helpers/envoy.ts';
import { ingressResources } from './ingress-config.ts';

const meta = { labels: {}, creationTime: '', modificationTime: '', version: '1' };
const ingress = (services: ZoneIngressSpec['availableServices']): Resource<ZoneIngressSpec> => ({
  type: 'ZoneIngress',
  name: 'ingress-1',
  spec: { zone: 'zone-1', networking: { address: '10.0.0.9', port: 10001, advertisedAddress: '35.1.2.3', advertisedPort: 10001 }, availableServices: services },
  ...meta,
});
const endpoints = new Map<string, Endpoint[]>([
  ['backend', [{ address: '10.0.0.5', port: 8080, tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http', version: 'v1' }, dataplane: 'b-1' }, { address: '10.0.0.6', port: 8080, tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http', version: 'v2' }, dataplane: 'b-2' }, { address: '35.9.9.9', port: 10001, tags: { 'kuma.io/service': 'backend' }, dataplane: 'remote', zone: 'zone-2' }]],
]);

function check(name: string, zi: Resource<ZoneIngressSpec>) {
  const snapshot = snapshotOf(ingressResources(zi, () => endpoints, 'zone-1'), 'ingress');
  const json = snapshot.toJSON() as { listener: object[]; cluster: object[]; endpoint: { cluster_name: string; endpoints: { lb_endpoints: unknown[] }[] }[] };
  expectGolden(new URL(`./testdata/${name}.golden.yaml`, import.meta.url).pathname, stringify(json));
  const v = validateWithEnvoy({ listeners: json.listener, clusters: json.cluster });
  expect(v.output).not.toMatch(/error/i);
  expect(v.ok).toBe(true);
  return json;
}

describe('zone ingress configuration', () => {
  it('has one SNI filter chain per service and subset, tcp_proxy to local endpoints only, no TLS termination', () => {
    const json = check('ingress-services', ingress([
      { mesh: 'default', tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http', version: 'v1' }, instances: 1 },
      { mesh: 'default', tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http', version: 'v2' }, instances: 1 },
    ]));
    expect(json.endpoint.map((e) => e.cluster_name).sort()).toEqual(['backend{mesh=default,version=v1}', 'backend{mesh=default,version=v2}', 'backend{mesh=default}']);
    // The remote endpoint (zone-2) is never served by this zone's ingress.
    expect(json.endpoint.find((e) => e.cluster_name === 'backend{mesh=default}')!.endpoints[0]!.lb_endpoints).toHaveLength(2);
    expect(JSON.stringify(json.listener)).not.toContain('DownstreamTlsContext');
  });

  it('answers with a description when it has no services', () => {
    const json = check('ingress-empty', ingress([]));
    expect(JSON.stringify(json.listener)).toContain('no services are available');
  });
});
