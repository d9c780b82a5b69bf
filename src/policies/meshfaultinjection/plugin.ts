import type { z } from 'zod';
import type { PolicyPlugin } from '../core/plugin.ts';
import { envoyDuration, forEachOutbound, fractionalPercent, HCM, forEachInbound, insertHttpFilters, networkFilters } from '../core/plugin.ts';
import type { meshFaultInjectionConf } from './schema.ts';
import { selectorTags, tagsHeaderRegex, TAGS_HEADER } from '../core/source-tags.ts';

// MeshFaultInjection → one Envoy HTTP fault filter per `http[]` entry, on the inbound HTTP
// connection managers (from/rules) or the outbound ones of the destination (to). A `from`
// naming callers (MeshService, MeshSubset, MeshServiceSubset) matches the x-kuma-tags header
// their requests carry, as in Kuma.

type Conf = z.infer<typeof meshFaultInjectionConf>;
type Obj = Record<string, unknown>;
const FAULT = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';

function faultFilters(conf: Conf, caller?: { tags: Record<string, string>; index: number }): Obj[] {
  const headers = caller ? { headers: [{ name: TAGS_HEADER, string_match: { safe_regex: { regex: tagsHeaderRegex(caller.tags) } } }] } : {};
  return (conf.http ?? []).map((f, i) => ({
    name: caller ? `envoy.filters.http.fault.from${caller.index}.${i}` : `envoy.filters.http.fault.${i}`,
    typed_config: {
      '@type': FAULT,
      ...headers,
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
    forEachInbound(rules, out, (listener, { inbound, from }) => {
      // Callers chosen by service or tags first (the most specific policy first), matched on
      // the tags their outbound requests carry; then the faults for every caller.
      const perCaller = from.flatMap((f, index) => {
        const tags = selectorTags(f.targetRef);
        return tags ? faultFilters(f.conf as Conf, { tags, index }) : [];
      });
      const filters = [...perCaller.reverse(), ...(inbound ? faultFilters(inbound.conf as Conf) : [])];
      if (filters.length) for (const { config } of networkFilters(listener, HCM)) insertHttpFilters(config, filters);
    });
  },
};
