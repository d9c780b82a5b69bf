import type { z } from 'zod';
import type { PolicyPlugin } from '../core/plugin.ts';
import { HCM, networkFilters, ownService } from '../core/plugin.ts';
import { addResource, originOf, resourcesOf } from '../../xds/model/resource-set.ts';
import { staticCluster } from '../../xds/generate/envoy-objects.ts';
import { MOTB_TYPE, otlpHttpPath, resolveOtelBackend } from '../core/otel-backend.ts';
import type { meshTraceConf } from './schema.ts';

// MeshTrace → tracing on every HTTP connection manager of the proxy (Zipkin, Datadog or
// OpenTelemetry), a cluster for the collector, sampling and custom tags.

type Conf = z.infer<typeof meshTraceConf>;
type Obj = Record<string, unknown>;
const CLUSTER = 'meshwork:tracing';

export const meshTracePlugin: PolicyPlugin = {
  type: 'MeshTrace',
  order: 90,
  reads: [MOTB_TYPE],
  apply(ctx, rules, out) {
    const conf = rules.single?.conf as Conf | undefined;
    const backend = conf?.backends?.[0];
    if (!conf || !backend) return;
    const service = ownService(ctx) ?? ctx.dataplane.name;
    let provider: Obj;
    if (backend.zipkin) {
      const url = new URL(backend.zipkin.url);
      addResource(out, 'cluster', CLUSTER, staticCluster(CLUSTER, url.hostname, Number(url.port || 80)), { kind: 'policy', policy: 'MeshTrace' });
      provider = {
        name: 'envoy.tracers.zipkin',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.config.trace.v3.ZipkinConfig',
          collector_cluster: CLUSTER,
          collector_endpoint: url.pathname,
          collector_endpoint_version: backend.zipkin.apiVersion === 'httpProto' ? 'HTTP_PROTO' : 'HTTP_JSON',
          trace_id_128bit: backend.zipkin.traceId128bit ?? false,
          shared_span_context: backend.zipkin.sharedSpanContext ?? true,
        },
      };
    } else if (backend.datadog) {
      const url = new URL(backend.datadog.url);
      addResource(out, 'cluster', CLUSTER, staticCluster(CLUSTER, url.hostname, Number(url.port || 8126)), { kind: 'policy', policy: 'MeshTrace' });
      provider = { name: 'envoy.tracers.datadog', typed_config: { '@type': 'type.googleapis.com/envoy.config.trace.v3.DatadogConfig', collector_cluster: CLUSTER, service_name: service } };
    } else {
      // An inline endpoint, or a MeshOpenTelemetryBackend (OTLP/gRPC or OTLP/HTTP); a ref to
      // none leaves tracing off, as in Kuma.
      const otel = resolveOtelBackend(ctx, backend.openTelemetry!);
      if (!otel) return;
      const http = otel.protocol === 'http';
      addResource(out, 'cluster', CLUSTER, staticCluster(CLUSTER, otel.host, otel.port, http ? {} : { http2: true }), { kind: 'policy', policy: 'MeshTrace' });
      const transport = http
        ? { http_service: { http_uri: { uri: `http://${otel.host}:${otel.port}${otlpHttpPath(otel, 'traces')}`, cluster: CLUSTER, timeout: '1s' } } }
        : { grpc_service: { envoy_grpc: { cluster_name: CLUSTER } } };
      provider = { name: 'envoy.tracers.opentelemetry', typed_config: { '@type': 'type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig', ...transport, service_name: service } };
    }
    const pct = (v: number | string | undefined) => (v === undefined ? undefined : { value: Number(v) });
    const tracing: Obj = {
      provider,
      ...(pct(conf.sampling?.overall) ? { overall_sampling: pct(conf.sampling?.overall) } : {}),
      ...(pct(conf.sampling?.client) ? { client_sampling: pct(conf.sampling?.client) } : {}),
      ...(pct(conf.sampling?.random) ? { random_sampling: pct(conf.sampling?.random) } : {}),
      ...(conf.tags?.length
        ? { custom_tags: conf.tags.map((t) => (t.literal !== undefined ? { tag: t.name, literal: { value: t.literal } } : { tag: t.name, request_header: { name: t.header!.name, ...(t.header!.default !== undefined ? { default_value: t.header!.default } : {}) } })) }
        : {}),
    };
    // The proxy's traffic: inbounds, outbounds and the passthrough (not metrics, admin or the agent's listeners).
    const traffic = [...resourcesOf(out, 'listener', 'inbound'), ...resourcesOf(out, 'listener', 'outbound'), ...resourcesOf(out, 'listener', 'passthrough')];
    for (const { name } of traffic) {
      const listener = out.listener.get(name) as Obj;
      const origin = originOf(out, 'listener', name)!;
      for (const { config } of networkFilters(listener, HCM)) {
        const t = structuredClone(tracing);
        // Datadog's splitService, as Kuma: a service name per direction and destination.
        if (backend.datadog?.splitService) {
          const direction = origin.kind === 'inbound' || (origin.kind === 'passthrough' && origin.direction === 'INBOUND') ? 'INBOUND' : 'OUTBOUND';
          const dest = origin.kind === 'inbound' || origin.kind === 'outbound' ? origin.service : undefined;
          ((t.provider as Obj).typed_config as Obj).service_name = direction === 'INBOUND' ? `${service}_INBOUND` : `${service}_OUTBOUND${dest ? `_${dest}` : ''}`;
        }
        config.tracing = t;
      }
    }
  },
};
