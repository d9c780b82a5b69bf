import { describe, expect, it } from 'vitest';
import { pol, withPolicies } from '../../../test/helpers/proxy-fixtures.ts';
import { buildSnapshot } from '../../xds/build/build-snapshot.ts';
import { GENERATORS } from '../../xds/generate/generators.ts';
import { POLICY_PLUGINS } from '../plugins.ts';
import { goldenCases as cases } from '../../xds/generate/golden-cases.ts';

describe('MeshProxyPatch: what it does to a proxy\'s build', () => {
  it('MeshProxyPatch selects listeners by their origin, as Kuma names them: inbound, outbound, transparent (the passthrough), prometheus', () => {
    const ctx = cases['web-transparent-proxy']!;
    const patchedBy = (origin: string) => {
      const patch = pol('MeshProxyPatch', `by-${origin}`, { targetRef: { kind: 'Mesh' }, default: { appendModifications: [{ listener: { operation: 'Patch', match: { origin }, value: 'perConnectionBufferLimitBytes: 32768' } }] } });
      const snapshot = buildSnapshot({ ...ctx, policies: withPolicies([patch]) }, GENERATORS, POLICY_PLUGINS);
      return [...snapshot.resources.listener.values()].filter((r) => (r.json as { per_connection_buffer_limit_bytes?: number }).per_connection_buffer_limit_bytes === 32768).map((r) => r.name).sort();
    };
    const outbounds = (ctx.dataplane.spec.networking.outbound ?? []).map((ob) => `outbound:${ob.address ?? '127.0.0.1'}:${ob.port}`).sort();
    expect(patchedBy('outbound')).toEqual(outbounds);
    expect(patchedBy('transparent')).toEqual(['inbound:passthrough:ipv4', 'outbound:passthrough:ipv4']);
    expect(patchedBy('inbound')).toEqual((ctx.dataplane.spec.networking.inbound ?? []).map((ib) => `inbound:${ib.address ?? ctx.dataplane.spec.networking.address}:${ib.port}`).sort());
    expect(patchedBy('prometheus')).toEqual(['meshwork:metrics:prometheus']);
  });
});
