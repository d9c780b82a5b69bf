import type { ProxyContext } from '../../xds/model/context.ts';
import { mesh, dp, endpoints, pol, withPolicies } from '../../../test/helpers/proxy-fixtures.ts';

// meshpassthrough's golden cases: one proxy each, built with every generator and plugin
// (golden.test.ts; generators.test.ts also checks the policy filter on them).

export const goldenCases: Record<string, ProxyContext> = {
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
};
