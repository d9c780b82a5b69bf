import type { z } from 'zod';
import type { PolicyPlugin } from '../core/plugin.ts';
import { HCM, networkFilters, routesOf } from '../core/plugin.ts';
import { socketAddress } from '../../xds/generate/envoy-objects.ts';
import type { meshMetricConf } from './schema.ts';
import { METRICS_APPLICATIONS_HEADER, METRICS_ENVOY_PATH_HEADER } from '../../dp/agent-protocol.ts';

// MeshMetric → the proxy's Prometheus endpoint: port and path of the Prometheus backend
// (default 5670 /metrics); `sidecar.includeUnused: false` asks Envoy for used metrics only.
// `applications` are merged in by meshwork-dp, as kuma-dp does: the endpoint's scrapes go
// to its unix socket (ctx.metricsSocket), with the applications in a request header that
// Envoy sets. OpenTelemetry push is not wired yet.

type Conf = z.infer<typeof meshMetricConf>;
type Obj = Record<string, unknown>;
const MERGER = 'meshwork:metrics:merger';

export const meshMetricPlugin: PolicyPlugin = {
  type: 'MeshMetric',
  order: 91,
  apply(ctx, rules, out) {
    const conf = rules.single?.conf as Conf | undefined;
    const listener = out.listener.get('meshwork:metrics:prometheus') as Obj | undefined;
    if (!conf || !listener) return;
    const prom = conf.backends?.find((b) => b.type === 'Prometheus')?.prometheus;
    if (prom?.port) listener.address = socketAddress(ctx.dataplane.spec.networking.address, prom.port);
    const envoyPath = conf.sidecar?.includeUnused === false ? '/stats/prometheus?usedonly' : '/stats/prometheus';
    const merge = Boolean(conf.applications?.length && ctx.metricsSocket);
    if (merge) out.cluster.set(MERGER, { name: MERGER, type: 'STATIC', connect_timeout: '1s', load_assignment: { cluster_name: MERGER, endpoints: [{ lb_endpoints: [{ endpoint: { address: { pipe: { path: ctx.metricsSocket } } } }] }] } });
    for (const { config } of networkFilters(listener, HCM)) {
      for (const route of routesOf(config)) {
        if (prom?.path) (route.match as Obj).path = prom.path;
        if (merge) {
          route.route = { cluster: MERGER, timeout: '10s' };
          route.request_headers_to_add = [
            { header: { key: METRICS_APPLICATIONS_HEADER, value: JSON.stringify(conf.applications) }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
            { header: { key: METRICS_ENVOY_PATH_HEADER, value: envoyPath }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
          ];
        } else if (envoyPath !== '/stats/prometheus') (route.route as Obj).prefix_rewrite = envoyPath;
      }
    }
  },
};
