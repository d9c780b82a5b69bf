import { describe, expect, it } from 'vitest';
import { validateWithEnvoy } from '../../../test/helpers/envoy.ts';
import { mesh, pol, withPolicies, forValidation } from '../../../test/helpers/proxy-fixtures.ts';
import { buildSnapshot } from '../../xds/build/build-snapshot.ts';
import { GENERATORS } from '../../xds/generate/generators.ts';
import { POLICY_PLUGINS } from '../plugins.ts';
import { goldenCases as cases } from '../../xds/generate/golden-cases.ts';
import type { XdsSnapshot } from '../../xds/cache/snapshot.ts';

describe('MeshTrafficPermission: what it does to a proxy\'s build', () => {
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
});
