import type { PolicyPlugin } from '../core/plugin.ts';
import { envoyDuration, forEachOutbound, HCM, listenerTags, networkFilters, routesOf, TCP_PROXY } from '../core/plugin.ts';
import type { meshRetryConf } from './schema.ts';
import type { z } from 'zod';

// MeshRetry → Envoy: http/grpc → the route's retry_policy of the outbound listener (gRPC
// conditions for grpc services); tcp.maxConnectAttempt → tcp_proxy max_connect_attempts.

type Conf = z.infer<typeof meshRetryConf>;
type Obj = Record<string, unknown>;

const HTTP_ON: Record<string, string> = {
  All5xx: '5xx',
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

function retryPolicy(conf: NonNullable<Conf['http']> | NonNullable<Conf['grpc']>, grpc: boolean): Obj {
  const on = conf.retryOn ?? (grpc ? ['Canceled', 'DeadlineExceeded', 'ResourceExhausted', 'Unavailable'] : ['5xx', 'GatewayError', 'Reset', 'ConnectFailure']);
  const codes = grpc ? [] : on.filter((o) => /^\d{3}$/.test(o)).map(Number);
  const conditions = on.map((o) => (grpc ? GRPC_ON[o] : HTTP_ON[o])).filter((c): c is string => Boolean(c));
  if (codes.length) conditions.push('retriable-status-codes');
  const policy: Obj = { retry_on: [...new Set(conditions)].join(','), num_retries: conf.numRetries ?? 5 };
  if (envoyDuration(conf.perTryTimeout)) policy.per_try_timeout = envoyDuration(conf.perTryTimeout);
  if (conf.backOff) {
    policy.retry_back_off = { base_interval: envoyDuration(conf.backOff.baseInterval) ?? '0.025s', ...(conf.backOff.maxInterval ? { max_interval: envoyDuration(conf.backOff.maxInterval) } : {}) };
  }
  if (codes.length) policy.retriable_status_codes = codes;
  return policy;
}

export const meshRetryPlugin: PolicyPlugin = {
  type: 'MeshRetry',
  order: 30,
  apply(_ctx, rules, out) {
    forEachOutbound(rules, out, (c, { listener }) => {
      const conf = c as Conf;
      const { protocol } = listenerTags(listener);
      const httpConf = protocol === 'grpc' ? conf.grpc : conf.http;
      for (const { config } of networkFilters(listener, HCM)) {
        if (!httpConf) continue;
        for (const route of routesOf(config)) if (route.route) (route.route as Obj).retry_policy = retryPolicy(httpConf, protocol === 'grpc');
      }
      for (const { config } of networkFilters(listener, TCP_PROXY)) if (conf.tcp?.maxConnectAttempt) config.max_connect_attempts = conf.tcp.maxConnectAttempt;
    });
  },
};
