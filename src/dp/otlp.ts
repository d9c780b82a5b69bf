import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { PROTO_LOADER_OPTIONS as LOADER_OPTIONS } from '../xds/envoy/proto-paths.ts';

// OpenTelemetry's OTLP/gRPC collector services (logs, metrics, traces), loaded once from the
// OTLP protos on the include path. meshwork-dp pushes metrics with the metrics client; tests
// run a collector with all three.

type ServiceCtor = grpc.ServiceClientConstructor;

type Services = { logs: ServiceCtor; metrics: ServiceCtor; traces: ServiceCtor };
let loaded: Services | undefined;

export function otlpServices(): Services {
  if (!loaded) {
    const files = ['logs/v1/logs_service.proto', 'metrics/v1/metrics_service.proto', 'trace/v1/trace_service.proto'].map((f) => `opentelemetry/proto/collector/${f}`);
    const def = protoLoader.loadSync(files, { ...LOADER_OPTIONS, defaults: false });
    const collector = (grpc.loadPackageDefinition(def) as unknown as {
      opentelemetry: { proto: { collector: { logs: { v1: { LogsService: ServiceCtor } }; metrics: { v1: { MetricsService: ServiceCtor } }; trace: { v1: { TraceService: ServiceCtor } } } } };
    }).opentelemetry.proto.collector;
    loaded = { logs: collector.logs.v1.LogsService, metrics: collector.metrics.v1.MetricsService, traces: collector.trace.v1.TraceService };
  }
  return loaded;
}

/** An OTLP AnyValue as a plain JS value (string, number, boolean, array or object). */
export function fromAnyValue(v: Record<string, unknown> | undefined): unknown {
  if (!v) return undefined;
  if (v.string_value !== undefined) return v.string_value;
  if (v.bool_value !== undefined) return v.bool_value;
  if (v.int_value !== undefined) return Number(v.int_value);
  if (v.double_value !== undefined) return v.double_value;
  const arr = v.array_value as { values?: Record<string, unknown>[] } | undefined;
  if (arr) return (arr.values ?? []).map(fromAnyValue);
  const kv = v.kvlist_value as { values?: { key: string; value?: Record<string, unknown> }[] } | undefined;
  if (kv) return Object.fromEntries((kv.values ?? []).map((e) => [e.key, fromAnyValue(e.value)]));
  return undefined;
}
