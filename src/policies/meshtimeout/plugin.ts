import { parseDuration, toProtoDuration } from '../../core/duration.ts';
import type { PolicyPlugin } from '../core/plugin.ts';
import { forEachInbound, HCM, inboundCluster, networkFilters, outboundsByService, routeRules, routesOf, TCP_PROXY } from '../core/plugin.ts';
import { T } from '../../xds/generate/envoy-objects.ts';
import type { MeshTimeoutConf } from './schema.ts';

// MeshTimeout → Envoy: connectionTimeout → cluster connect_timeout; idleTimeout → the HTTP
// connection pool idle timeout (HTTP) or tcp_proxy idle_timeout (TCP); http.requestTimeout
// → route timeout; http.streamIdleTimeout → HCM stream_idle_timeout;
// http.maxStreamDuration → route max_stream_duration; http.maxConnectionDuration → pool
// max_connection_duration; http.requestHeadersTimeout → HCM request_headers_timeout. A
// MeshTimeout targeting a MeshHTTPRoute sets the timeouts of the routes made from it
// (requestTimeout, streamIdleTimeout → route idle_timeout, maxStreamDuration), over the
// destination's.

type Obj = Record<string, unknown>;

const d = (v: string | undefined) => {
  if (v === undefined) return undefined;
  const r = parseDuration(v);
  return r.ok ? toProtoDuration(r.ms) : undefined;
};

function applyToHttp(hcm: Obj, conf: MeshTimeoutConf): void {
  const http = conf.http ?? {};
  if (d(http.streamIdleTimeout)) hcm.stream_idle_timeout = d(http.streamIdleTimeout);
  if (d(http.requestHeadersTimeout)) hcm.request_headers_timeout = d(http.requestHeadersTimeout);
  for (const route of routesOf(hcm)) applyToRoute(route, conf, false);
}

function applyToCluster(cluster: Obj | undefined, conf: MeshTimeoutConf, http: boolean): void {
  if (!cluster) return;
  if (d(conf.connectionTimeout)) cluster.connect_timeout = d(conf.connectionTimeout);
  if (!http) return;
  const common: Obj = {};
  if (d(conf.idleTimeout)) common.idle_timeout = d(conf.idleTimeout);
  if (d(conf.http?.maxConnectionDuration)) common.max_connection_duration = d(conf.http?.maxConnectionDuration);
  if (Object.keys(common).length === 0) return;
  const options = (cluster.typed_extension_protocol_options ??= {}) as Obj;
  const key = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
  const existing = (options[key] as Obj | undefined) ?? { '@type': T.httpProtocolOptions, explicit_http_config: { http_protocol_options: {} } };
  options[key] = { ...existing, common_http_protocol_options: { ...((existing.common_http_protocol_options as Obj | undefined) ?? {}), ...common } };
}

function applyToListener(listener: Obj, cluster: Obj | undefined, conf: MeshTimeoutConf): void {
  const hcms = networkFilters(listener, HCM);
  for (const { config } of hcms) applyToHttp(config, conf);
  for (const { config } of networkFilters(listener, TCP_PROXY)) if (d(conf.idleTimeout)) config.idle_timeout = d(conf.idleTimeout);
  applyToCluster(cluster, conf, hcms.length > 0);
}

/**
 * A route's timeouts. `streamIdle`: for a MeshTimeout targeting the MeshHTTPRoute the route
 * came from, where the stream idle timeout is the route's (otherwise it is the HCM's).
 */
function applyToRoute(route: Obj, conf: MeshTimeoutConf, streamIdle: boolean): void {
  const action = route.route as Obj | undefined;
  if (!action) return;
  const http = conf.http ?? {};
  if (d(http.requestTimeout)) action.timeout = d(http.requestTimeout);
  if (streamIdle && d(http.streamIdleTimeout)) action.idle_timeout = d(http.streamIdleTimeout);
  if (d(http.maxStreamDuration)) action.max_stream_duration = { max_stream_duration: d(http.maxStreamDuration) };
}

export const meshTimeoutPlugin: PolicyPlugin = {
  type: 'MeshTimeout',
  order: 10,
  apply(ctx, rules, out) {
    const ruleOf = routeRules(ctx, 'MeshTimeout');
    for (const [key, entries] of outboundsByService(out)) {
      const rule = rules.to.get(key);
      const service = entries[0]!.origin.service;
      for (const { listener, cluster } of entries) {
        if (rule) applyToListener(listener, cluster, rule.conf as MeshTimeoutConf);
        for (const { config } of networkFilters(listener, HCM)) {
          for (const route of routesOf(config)) {
            // Only a route some MeshTimeout targets differs from what the listener got.
            const routeRule = ruleOf(route, service, rule);
            if (routeRule && routeRule !== rule) applyToRoute(route, routeRule.conf as MeshTimeoutConf, true);
          }
        }
      }
    }
    forEachInbound(rules, out, (listener, { inbound }) => {
      if (inbound) applyToListener(listener, inboundCluster(listener, out), inbound.conf as MeshTimeoutConf);
    });
  },
};
