import type { PolicyPlugin } from '../core/plugin.ts';
import { envoyDuration, HCM, headerMatcher, networkFilters, outboundsByService, routeRules, routesOf, TCP_PROXY } from '../core/plugin.ts';
import { HEADER_TYPE_ALIASES, type meshRetryConf } from './schema.ts';
import type { z } from 'zod';
import type { Endpoint } from '../../xds/generate/context.ts';

// MeshRetry → Envoy: http/grpc → the route's retry_policy of the outbound listener (gRPC
// conditions for grpc services): retry conditions and status codes, HttpMethod* conditions
// as retriable request methods, retriable request/response headers, back-offs (also the one
// read from rate-limit response headers), host selection (retry host predicates and the
// previous-priorities retry priority); tcp.maxConnectAttempt → tcp_proxy
// max_connect_attempts. A MeshRetry targeting a MeshHTTPRoute sets the retry policy of the
// routes made from it, over the destination's.

type Conf = z.infer<typeof meshRetryConf>;
type Obj = Record<string, unknown>;

const HTTP_ON: Record<string, string> = {
  '5xx': '5xx',
  GatewayError: 'gateway-error',
  Reset: 'reset',
  Retriable4xx: 'retriable-4xx',
  ConnectFailure: 'connect-failure',
  EnvoyRatelimited: 'envoy-ratelimited',
  RefusedStream: 'refused-stream',
  Http3PostConnectFailure: 'http3-post-connect-failure',
};
const GRPC_ON: Record<string, string> = { Canceled: 'cancelled', DeadlineExceeded: 'deadline-exceeded', Internal: 'internal', ResourceExhausted: 'resource-exhausted', Unavailable: 'unavailable' };

/** Kuma's retry_on when a MeshRetry gives no retryOn. */
const HTTP_RETRY_ON_DEFAULT = ['gateway-error', 'connect-failure', 'refused-stream'];
const GRPC_RETRY_ON_DEFAULT = ['cancelled', 'connect-failure', 'gateway-error', 'refused-stream', 'reset', 'resource-exhausted', 'unavailable'];

const PREDICATES: Record<string, { name: string; type: string }> = {
  OmitPreviousHosts: { name: 'envoy.retry_host_predicates.previous_hosts', type: 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' },
  OmitHostsWithTags: { name: 'envoy.retry_host_predicates.omit_host_metadata', type: 'type.googleapis.com/envoy.extensions.retry.host.omit_host_metadata.v3.OmitHostMetadataConfig' },
};

/** A header match with Kuma's older type spellings read as their Gateway API names. */
const header = <H extends { type?: string }>(h: H): H => (h.type && HEADER_TYPE_ALIASES[h.type] ? { ...h, type: HEADER_TYPE_ALIASES[h.type] } : h);

export function retryPolicy(conf: NonNullable<Conf['http']> | NonNullable<Conf['grpc']>, grpc: boolean): Obj {
  const on = (conf.retryOn ?? []).map(String);
  const codes = grpc ? [] : on.filter((o) => /^\d{3}$/.test(o)).map(Number);
  const methods = grpc ? [] : on.filter((o) => o.startsWith('HttpMethod')).map((o) => o.slice('HttpMethod'.length).toUpperCase());
  // Without retryOn, Kuma's defaults (which for gRPC include Envoy's HTTP conditions).
  const conditions = conf.retryOn ? on.map((o) => (grpc ? GRPC_ON[o] : HTTP_ON[o])).filter((c): c is string => Boolean(c)) : grpc ? [...GRPC_RETRY_ON_DEFAULT] : [...HTTP_RETRY_ON_DEFAULT];
  if (codes.length) conditions.push('retriable-status-codes');
  const http = grpc ? undefined : (conf as NonNullable<Conf['http']>);
  if (http?.retriableResponseHeaders?.length) conditions.push('retriable-headers');
  const policy: Obj = { retry_on: [...new Set(conditions)].join(','), num_retries: conf.numRetries ?? 5 };
  if (envoyDuration(conf.perTryTimeout)) policy.per_try_timeout = envoyDuration(conf.perTryTimeout);
  if (conf.backOff) {
    policy.retry_back_off = { base_interval: envoyDuration(conf.backOff.baseInterval) ?? '0.025s', ...(conf.backOff.maxInterval ? { max_interval: envoyDuration(conf.backOff.maxInterval) } : {}) };
  }
  if (conf.rateLimitedBackOff) {
    policy.rate_limited_retry_back_off = {
      reset_headers: (conf.rateLimitedBackOff.resetHeaders ?? []).map((h) => ({ name: h.name, format: h.format === 'UnixTimestamp' ? 'UNIX_TIMESTAMP' : 'SECONDS' })),
      ...(conf.rateLimitedBackOff.maxInterval ? { max_interval: envoyDuration(conf.rateLimitedBackOff.maxInterval) } : {}),
    };
  }
  if (codes.length) policy.retriable_status_codes = codes;
  if (http?.retriableResponseHeaders?.length) policy.retriable_headers = http.retriableResponseHeaders.map(header).map(headerMatcher);
  const requestHeaders = [...methods.map((m) => headerMatcher({ name: ':method', value: m })), ...(http?.retriableRequestHeaders ?? []).map(header).map(headerMatcher)];
  if (requestHeaders.length) policy.retriable_request_headers = requestHeaders;
  const predicates = (http?.hostSelection ?? []).flatMap((h) => {
    const p = PREDICATES[h.predicate];
    if (!p) return [];
    const config = h.predicate === 'OmitHostsWithTags' ? { '@type': p.type, metadata_match: { filter_metadata: { 'envoy.lb': h.tags ?? {} } } } : { '@type': p.type };
    return [{ name: p.name, typed_config: config }];
  });
  if (predicates.length) policy.retry_host_predicate = predicates;
  const priorities = (http?.hostSelection ?? []).find((h) => h.predicate === 'OmitPreviousPriorities');
  if (priorities) {
    policy.retry_priority = {
      name: 'envoy.retry_priorities.previous_priorities',
      typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig', update_frequency: priorities.updateFrequency ?? 2 },
    };
  }
  if (http?.hostSelectionRetryMaxAttempts !== undefined) policy.host_selection_retry_max_attempts = String(http.hostSelectionRetryMaxAttempts);
  return policy;
}

function tagEndpoints(cla: Obj | undefined, endpoints: readonly Endpoint[]): void {
  const tags = new Map(endpoints.map((e) => [`${e.address}:${e.port}`, e.tags]));
  for (const locality of (cla?.endpoints as Obj[] | undefined) ?? []) {
    for (const lb of (locality.lb_endpoints as Obj[] | undefined) ?? []) {
      const sa = ((lb.endpoint as Obj).address as { socket_address: { address: string; port_value: number } }).socket_address;
      const t = tags.get(`${sa.address}:${sa.port_value}`);
      if (t) lb.metadata = { filter_metadata: { 'envoy.lb': { ...t } } };
    }
  }
}

export const meshRetryPlugin: PolicyPlugin = {
  type: 'MeshRetry',
  order: 30,
  apply(ctx, rules, out) {
    const ruleOf = routeRules(ctx, 'MeshRetry');
    for (const [key, entries] of outboundsByService(out)) {
      const rule = rules.to.get(key);
      const service = entries[0]!.origin.service;
      for (const { listener, origin } of entries) {
        const { protocol } = origin;
        const grpc = protocol === 'grpc';
        for (const { config } of networkFilters(listener, HCM)) {
          for (const route of routesOf(config)) {
            const conf = ruleOf(route, service, rule)?.conf as Conf | undefined;
            const httpConf = grpc ? conf?.grpc : conf?.http;
            if (!route.route || !httpConf) continue;
            (route.route as Obj).retry_policy = retryPolicy(httpConf, grpc);
            // OmitHostsWithTags matches endpoint metadata: the service's endpoints carry their tags.
            if (!grpc && conf?.http?.hostSelection?.some((h) => h.predicate === 'OmitHostsWithTags')) tagEndpoints(out.endpoint.get(origin.cluster) as Obj | undefined, ctx.endpoints.get(origin.cluster) ?? []);
          }
        }
        const tcp = (rule?.conf as Conf | undefined)?.tcp;
        for (const { config } of networkFilters(listener, TCP_PROXY)) if (tcp?.maxConnectAttempt) config.max_connect_attempts = tcp.maxConnectAttempt;
      }
    }
  },
};
