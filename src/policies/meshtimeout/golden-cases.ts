import type { ProxyContext } from '../../xds/model/context.ts';
import { mesh, dp, endpoints, pol, withPolicies } from '../../../test/helpers/proxy-fixtures.ts';

// meshtimeout's golden cases: one proxy each, built with every generator and plugin
// (golden.test.ts; generators.test.ts also checks the policy filter on them).

export const goldenCases: Record<string, ProxyContext> = {
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
};
