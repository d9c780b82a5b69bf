import type { ProxyContext } from '../../xds/model/context.ts';
import { mtlsMesh, dp, ep, endpoints, fixture, pol, withPolicies } from '../../../test/helpers/proxy-fixtures.ts';

// meshtrafficpermission's golden cases: one proxy each, built with every generator and plugin
// (golden.test.ts; generators.test.ts also checks the policy filter on them).

export const goldenCases: Record<string, ProxyContext> = {
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
};
