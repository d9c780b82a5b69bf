import type { z } from 'zod';
import type { PolicyPlugin } from '../core/plugin.ts';
import { tcpProxy, tlsInspector } from '../../xds/generate/envoy-objects.ts';
import type { meshPassthroughConf } from './schema.ts';

// MeshPassthrough → what the transparent outbound listener does with destinations outside
// the mesh: All passes everything through, None closes it, Matched passes only the listed
// IPs, CIDRs and TLS server names (SNI), optionally per port. Needs transparent proxying.

type Conf = z.infer<typeof meshPassthroughConf>;
type Obj = Record<string, unknown>;
const LISTENER = 'outbound:passthrough:ipv4';
const PASSTHROUGH = 'outbound:passthrough:ipv4';
const BLACKHOLE = 'meshwork:blackhole';

export const meshPassthroughPlugin: PolicyPlugin = {
  type: 'MeshPassthrough',
  order: 95,
  apply(_ctx, rules, out) {
    const conf = rules.single?.conf as Conf | undefined;
    const listener = out.listener.get(LISTENER) as Obj | undefined;
    if (!conf || !listener) return;
    const mode = conf.passthroughMode ?? (conf.appendMatch?.length ? 'Matched' : 'All');
    out.cluster.set(PASSTHROUGH, { name: PASSTHROUGH, type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', connect_timeout: '5s' });
    out.cluster.set(BLACKHOLE, { name: BLACKHOLE, type: 'STATIC', connect_timeout: '1s', load_assignment: { cluster_name: BLACKHOLE, endpoints: [] } });
    const closed = { filters: [tcpProxy('blackhole', BLACKHOLE)] };
    if (mode === 'All') listener.filter_chains = [{ filters: [tcpProxy(PASSTHROUGH, PASSTHROUGH)] }];
    else if (mode === 'None') listener.filter_chains = [closed];
    else {
      const chains = (conf.appendMatch ?? []).map((m) => {
        const match: Obj = {};
        if (m.port) match.destination_port = m.port;
        if (m.type === 'IP') match.prefix_ranges = [{ address_prefix: m.value, prefix_len: m.value.includes(':') ? 128 : 32 }];
        if (m.type === 'CIDR') {
          const [ip, bits] = m.value.split('/');
          match.prefix_ranges = [{ address_prefix: ip, prefix_len: Number(bits) }];
        }
        if (m.type === 'Domain') {
          match.server_names = [m.value];
          match.transport_protocol = 'tls';
        }
        return { filter_chain_match: match, filters: [tcpProxy(PASSTHROUGH, PASSTHROUGH)] };
      });
      listener.filter_chains = chains;
      listener.default_filter_chain = closed;
      if ((conf.appendMatch ?? []).some((m) => m.type === 'Domain')) listener.listener_filters = [...((listener.listener_filters as Obj[] | undefined) ?? []), tlsInspector()];
    }
  },
};
