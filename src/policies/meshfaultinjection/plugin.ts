import type { z } from 'zod';
import type { PolicyPlugin } from '../core/plugin.ts';
import { envoyDuration, forEachOutbound, fractionalPercent, HCM, forEachInbound, insertHttpFilters, networkFilters } from '../core/plugin.ts';
import type { meshFaultInjectionConf } from './schema.ts';

// MeshFaultInjection → one Envoy HTTP fault filter per `http[]` entry, on the inbound HTTP
// connection managers (from/rules) or the outbound ones of the destination (to).

type Conf = z.infer<typeof meshFaultInjectionConf>;
type Obj = Record<string, unknown>;
const FAULT = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';

function faultFilters(conf: Conf): Obj[] {
  return (conf.http ?? []).map((f, i) => ({
    name: `envoy.filters.http.fault.${i}`,
    typed_config: {
      '@type': FAULT,
      ...(f.abort ? { abort: { http_status: f.abort.httpStatus, percentage: fractionalPercent(f.abort.percentage) } } : {}),
      ...(f.delay ? { delay: { fixed_delay: envoyDuration(f.delay.value), percentage: fractionalPercent(f.delay.percentage) } } : {}),
      ...(f.responseBandwidth ? { response_rate_limit: { fixed_limit: { limit_kbps: kbps(f.responseBandwidth.limit) }, percentage: fractionalPercent(f.responseBandwidth.percentage) } } : {}),
    },
  }));
}

function kbps(limit: string): number {
  const m = /^(\d+)(kbps|Mbps|Gbps)$/.exec(limit)!;
  return Number(m[1]) * (m[2] === 'kbps' ? 1 : m[2] === 'Mbps' ? 1000 : 1_000_000);
}

export const meshFaultInjectionPlugin: PolicyPlugin = {
  type: 'MeshFaultInjection',
  order: 40,
  apply(_ctx, rules, out) {
    forEachOutbound(rules, out, (conf, { listener }) => {
      for (const { config } of networkFilters(listener, HCM)) insertHttpFilters(config, faultFilters(conf as Conf));
    });
    forEachInbound(rules, out, (listener, { inbound }) => {
      if (inbound) for (const { config } of networkFilters(listener, HCM)) insertHttpFilters(config, faultFilters(inbound.conf as Conf));
    });
  },
};
