import type { ProxyContext } from '../../xds/model/context.ts';
import { mtlsMesh, dp, endpoints, fixture, pol, withPolicies } from '../../../test/helpers/proxy-fixtures.ts';

// meshtls's golden cases: one proxy each, built with every generator and plugin
// (golden.test.ts; generators.test.ts also checks the policy filter on them).

export const goldenCases: Record<string, ProxyContext> = {
  'backend-meshtls': {
    mesh: { ...mtlsMesh, spec: { mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin', mode: 'PERMISSIVE' }] } } },
    zone: 'zone-1',
    adminPort: 9911,
    endpoints,
    mtls: { mode: 'PERMISSIVE', ...fixture },
    policies: withPolicies([pol('MeshTLS', 'tls13-strict', { targetRef: { kind: 'Mesh' }, from: [{ targetRef: { kind: 'Mesh' }, default: { tlsVersion: { min: 'TLS13', max: 'TLS13' }, tlsCiphers: ['ECDHE-ECDSA-AES256-GCM-SHA384'], mode: 'Strict' } }] })]),
    dataplane: dp('backend-11', { networking: { address: '127.0.0.13', inbound: [{ port: 8080, servicePort: 18080, tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' } }] } }),
  },
};
