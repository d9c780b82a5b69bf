import type { z } from 'zod';
import type { PolicyPlugin } from '../core/plugin.ts';
import { HCM, networkFilters, routesOf } from '../core/plugin.ts';
import { socketAddress } from '../../xds/generate/envoy-objects.ts';
import type { meshMetricConf } from './schema.ts';

// MeshMetric → the proxy's Prometheus endpoint: port and path of the Prometheus backend
// (default 5670 /metrics); `sidecar.includeUnused: false` asks Envoy for used metrics only.
// OpenTelemetry push and application metrics aggregation are not wired yet.

type Conf = z.infer<typeof meshMetricConf>;
type Obj = Record<string, unknown>;

export const meshMetricPlugin: PolicyPlugin = {
  type: 'MeshMetric',
  order: 91,
  apply(ctx, rules, out) {
    const conf = rules.single?.conf as Conf | undefined;
    const listener = out.listener.get('meshwork:metrics:prometheus') as Obj | undefined;
    if (!conf || !listener) return;
    const prom = conf.backends?.find((b) => b.type === 'Prometheus')?.prometheus;
    if (prom?.port) listener.address = socketAddress(ctx.dataplane.spec.networking.address, prom.port);
    for (const { config } of networkFilters(listener, HCM)) {
      for (const route of routesOf(config)) {
        if (prom?.path) (route.match as Obj).path = prom.path;
        if (conf.sidecar?.includeUnused === false) (route.route as Obj).prefix_rewrite = '/stats/prometheus?usedonly';
      }
    }
  },
};
