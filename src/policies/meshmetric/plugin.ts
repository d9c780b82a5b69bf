import type { z } from 'zod';
import type { PolicyPlugin } from '../core/plugin.ts';
import { MOTB_TYPE, resolveOtelBackend } from '../core/otel-backend.ts';
import { HCM, networkFilters, ownService, routesOf } from '../core/plugin.ts';
import { socketAddress, T } from '../../xds/generate/envoy-objects.ts';
import { addResource, resourcesOf } from '../../xds/model/resource-set.ts';
import { parseDuration } from '../../core/duration.ts';
import { MESH_LABEL, ZONE_TAG } from '../../resources/labels.ts';
import type { meshMetricConf } from './schema.ts';
import { MESH_METRIC_CONFIG_PATH, METRICS_APPLICATIONS_HEADER, METRICS_ENVOY_PATH_HEADER, METRICS_PROFILES_HEADER, type MeshMetricAgentConfig } from '../../dp/agent-protocol.ts';

// MeshMetric → the proxy's Prometheus endpoint: port and path of the Prometheus backend
// (default 5670 /metrics); `sidecar.includeUnused: false` asks Envoy for used metrics only,
// `sidecar.regex` for the stats its filter matches. As with kuma-dp, the endpoint's scrapes
// go to meshwork-dp's unix socket (ctx.metricsSocket), which filters Envoy's metrics by the
// `sidecar.profiles` (Kuma's Basic by default) and appends the `applications`' metrics,
// both passed in request headers that Envoy sets. OpenTelemetry backends, as kuma-dp's:
// Envoy serves meshwork-dp the config (endpoints, refresh intervals, applications) on the
// dynamic configuration listener (ctx.dynamicConfigSocket); meshwork-dp scrapes as for
// Prometheus and pushes OTLP/gRPC.

type Conf = z.infer<typeof meshMetricConf>;
type Prom = NonNullable<NonNullable<Conf['backends']>[number]['prometheus']>;
type Obj = Record<string, unknown>;
const MERGER = 'meshwork:metrics:merger';
const PROMETHEUS = 'meshwork:metrics:prometheus';
const DEFAULT_REFRESH_MS = 60_000; // Kuma's default refreshInterval

export const meshMetricPlugin: PolicyPlugin = {
  type: 'MeshMetric',
  order: 91,
  reads: [MOTB_TYPE],
  apply(ctx, rules, out) {
    const conf = rules.single?.conf as Conf | undefined;
    const base = resourcesOf(out, 'listener', 'prometheus')[0]?.resource;
    if (!conf || !base) return;
    const query = [...(conf.sidecar?.includeUnused === false ? ['usedonly'] : []), ...(conf.sidecar?.regex ? [`filter=${encodeURIComponent(conf.sidecar.regex)}`] : [])];
    const envoyPath = `/stats/prometheus${query.length ? `?${query.join('&')}` : ''}`;
    const profiles = conf.sidecar?.profiles ?? {};
    // Inline endpoints and MeshOpenTelemetryBackends; meshwork-dp pushes OTLP/gRPC, so a
    // backend of protocol http (or a ref to none) is left out.
    const otel = (conf.backends ?? []).flatMap((b) => {
      if (b.type !== 'OpenTelemetry' || !b.openTelemetry) return [];
      const resolved = resolveOtelBackend(ctx, b.openTelemetry);
      if (!resolved || resolved.protocol !== 'grpc') return [];
      const host = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;
      return [{ endpoint: b.openTelemetry.endpoint ?? `${host}:${resolved.port}`, refreshInterval: b.openTelemetry.refreshInterval }];
    });
    if (otel.length && ctx.dynamicConfigSocket) {
      const agentConfig: MeshMetricAgentConfig = {
        envoyPath,
        applications: conf.applications ?? [],
        profiles,
        openTelemetry: otel.map((o) => {
          const refresh = o.refreshInterval ? parseDuration(o.refreshInterval) : undefined;
          return { endpoint: o.endpoint, refreshIntervalMs: refresh?.ok ? refresh.ms : DEFAULT_REFRESH_MS };
        }),
        resource: {
          'service.name': ownService(ctx) ?? ctx.dataplane.name,
          'service.instance.id': ctx.dataplane.name,
          [MESH_LABEL]: ctx.mesh.name,
          [ZONE_TAG]: ctx.zone,
        },
      };
      const body = JSON.stringify(agentConfig);
      // The dynamic configuration listener answers the config (404 without one).
      const listener = resourcesOf(out, 'listener', 'agent')[0]?.resource;
      for (const { config } of listener ? networkFilters(listener, HCM) : []) {
        const routeConfig = config.route_config as Obj;
        // The DNS records may need more already.
        routeConfig.max_direct_response_body_size_bytes = Math.max((routeConfig.max_direct_response_body_size_bytes as number | undefined) ?? 4096, Buffer.byteLength(body));
        for (const route of routesOf(config)) if ((route.match as Obj).path === MESH_METRIC_CONFIG_PATH) route.direct_response = { status: 200, body: { inline_string: body } };
      }
    }
    const merge = Boolean(ctx.metricsSocket);
    if (merge) addResource(out, 'cluster', MERGER, { name: MERGER, type: 'STATIC', connect_timeout: '1s', load_assignment: { cluster_name: MERGER, endpoints: [{ lb_endpoints: [{ endpoint: { address: { pipe: { path: ctx.metricsSocket } } } }] }] } }, { kind: 'agent' });
    // A listener per Prometheus backend (Kuma allows several, on different ports); the
    // proxy's default one when there is none.
    const proms = (conf.backends ?? []).flatMap((b) => (b.type === 'Prometheus' ? [b.prometheus ?? {}] : []));
    // Extra listeners start from the generated one, before it is configured for the first.
    const pristine = proms.length > 1 ? structuredClone(base) : undefined;
    (proms.length ? proms : [{}]).forEach((prom: Prom, i) => {
      const listener = i === 0 ? base : structuredClone(pristine!);
      if (i > 0) {
        listener.name = `${PROMETHEUS}:${prom.clientId ?? i}`;
        addResource(out, 'listener', String(listener.name), listener, { kind: 'prometheus' });
      }
      if (prom.port) listener.address = socketAddress(ctx.dataplane.spec.networking.address, prom.port);
      // ProvidedTLS, as kuma-dp: the certificate and key are files on the proxy's host, given to meshwork-dp.
      if (prom.tls?.mode === 'ProvidedTLS' && ctx.metricsCertPath && ctx.metricsKeyPath) {
        for (const chain of (listener.filter_chains as Obj[] | undefined) ?? []) {
          chain.transport_socket = {
            name: 'envoy.transport_sockets.tls',
            typed_config: { '@type': T.downstreamTls, common_tls_context: { tls_certificates: [{ certificate_chain: { filename: ctx.metricsCertPath }, private_key: { filename: ctx.metricsKeyPath } }] } },
          };
        }
      }
      for (const { config } of networkFilters(listener, HCM)) {
        for (const route of routesOf(config)) {
          if (prom.path) (route.match as Obj).path = prom.path;
          if (merge) {
            route.route = { cluster: MERGER, timeout: '10s' };
            route.request_headers_to_add = [
              { header: { key: METRICS_APPLICATIONS_HEADER, value: JSON.stringify(conf.applications ?? []) }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
              { header: { key: METRICS_ENVOY_PATH_HEADER, value: envoyPath }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
              { header: { key: METRICS_PROFILES_HEADER, value: JSON.stringify(profiles) }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
            ];
          } else if (envoyPath !== '/stats/prometheus') (route.route as Obj).prefix_rewrite = envoyPath;
        }
      }
    });
  },
};
