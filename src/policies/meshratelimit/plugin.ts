import type { z } from 'zod';
import type { PolicyPlugin } from '../core/plugin.ts';
import { envoyDuration, forEachInbound, HCM, insertHttpFilters, networkFilters, TCP_PROXY } from '../core/plugin.ts';
import type { meshRateLimitConf } from './schema.ts';

// MeshRateLimit (local) → Envoy's local rate limit: the HTTP filter on inbound HTTP
// connection managers (excess requests get onRateLimit.status, 429 by default, and its
// headers), the network filter before tcp_proxy for TCP inbounds (excess connections closed).

type Conf = z.infer<typeof meshRateLimitConf>;
type Obj = Record<string, unknown>;
const HTTP_RL = 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit';
const NET_RL = 'type.googleapis.com/envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit';

const bucket = (rate: { num: number; interval: string }) => ({ max_tokens: rate.num, tokens_per_fill: rate.num, fill_interval: envoyDuration(rate.interval) });
const always = { default_value: { numerator: 100, denominator: 'HUNDRED' }, runtime_key: 'meshwork_rate_limit_enabled' };

export const meshRateLimitPlugin: PolicyPlugin = {
  type: 'MeshRateLimit',
  order: 5,
  apply(_ctx, rules, out) {
    forEachInbound(rules, out, (listener, { inbound }) => {
      const conf = inbound?.conf as Conf | undefined;
      const http = conf?.local?.http;
      const tcp = conf?.local?.tcp;
      if (http?.requestRate && !http.disabled) {
        for (const { config } of networkFilters(listener, HCM)) {
          const headers = [...(http.onRateLimit?.headers?.set ?? []).map((h) => ({ header: { key: h.name, value: h.value }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' })), ...(http.onRateLimit?.headers?.add ?? []).map((h) => ({ header: { key: h.name, value: h.value }, append_action: 'APPEND_IF_EXISTS_OR_ADD' }))];
          insertHttpFilters(config, [
            {
              name: 'envoy.filters.http.local_ratelimit',
              typed_config: {
                '@type': HTTP_RL,
                stat_prefix: 'rate_limit',
                token_bucket: bucket(http.requestRate),
                filter_enabled: always,
                filter_enforced: always,
                ...(http.onRateLimit?.status ? { status: { code: http.onRateLimit.status } } : {}),
                ...(headers.length ? { response_headers_to_add: headers } : {}),
              },
            },
          ]);
        }
      }
      if (tcp?.connectionRate && !tcp.disabled) {
        for (const chain of (listener.filter_chains as Obj[] | undefined) ?? []) {
          const filters = chain.filters as Obj[];
          if (!filters.some((f) => f.name === TCP_PROXY)) continue;
          chain.filters = [{ name: 'envoy.filters.network.local_ratelimit', typed_config: { '@type': NET_RL, stat_prefix: 'rate_limit', token_bucket: bucket(tcp.connectionRate) } }, ...filters];
        }
      }
    });
  },
};
