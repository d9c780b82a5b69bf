import type { ProxyContext } from '../../xds/model/context.ts';
import { mesh, dp, endpoints, pol, withPolicies } from '../../../test/helpers/proxy-fixtures.ts';

// meshtrace's golden cases: one proxy each, built with every generator and plugin
// (golden.test.ts; generators.test.ts also checks the policy filter on them).

export const goldenCases: Record<string, ProxyContext> = {
  'web-trace-datadog-split': {
    mesh,
    zone: 'zone-1',
    adminPort: 9914,
    endpoints,
    // Datadog with splitService: web_INBOUND, web_OUTBOUND_backend.
    policies: withPolicies([pol('MeshTrace', 'datadog', { default: { backends: [{ type: 'Datadog', datadog: { url: 'http://127.0.0.1:8126', splitService: true } }] } })]),
    dataplane: dp('web-15', {
      networking: {
        address: '127.0.0.15',
        inbound: [{ port: 8080, servicePort: 3000, tags: { 'kuma.io/service': 'web', 'kuma.io/protocol': 'http' } }],
        outbound: [{ port: 10001, tags: { 'kuma.io/service': 'backend' } }],
      },
    }),
  },
};
