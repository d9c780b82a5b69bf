import { describe, expect, it } from 'vitest';
import { validateWithEnvoy } from '../../../test/helpers/envoy.ts';
import { endpoints, pol, withPolicies, forValidation } from '../../../test/helpers/proxy-fixtures.ts';
import { buildSnapshot } from '../../xds/build/build-snapshot.ts';
import { GENERATORS } from '../../xds/generate/generators.ts';
import { POLICY_PLUGINS } from '../plugins.ts';
import { goldenCases as cases } from '../../xds/generate/golden-cases.ts';
import type { XdsSnapshot } from '../../xds/cache/snapshot.ts';

describe('MeshLoadBalancingStrategy: what it does to a proxy\'s build', () => {
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
});
