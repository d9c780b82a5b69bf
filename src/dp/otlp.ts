import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { LOADER_OPTIONS } from '../kds/proto.ts';

// OpenTelemetry's OTLP/gRPC services (collector logs and metrics), loaded once from the
// OTLP protos on the include path. meshwork-dp pushes metrics with the metrics client; tests
// run a collector with both.

type ServiceCtor = grpc.ServiceClientConstructor;

let loaded: { logs: ServiceCtor; metrics: ServiceCtor } | undefined;

export function otlpServices(): { logs: ServiceCtor; metrics: ServiceCtor } {
  if (!loaded) {
    const def = protoLoader.loadSync(['opentelemetry/proto/collector/logs/v1/logs_service.proto', 'opentelemetry/proto/collector/metrics/v1/metrics_service.proto'], { ...LOADER_OPTIONS, defaults: false });
    const pkg = grpc.loadPackageDefinition(def) as unknown as {
      opentelemetry: { proto: { collector: { logs: { v1: { LogsService: ServiceCtor } }; metrics: { v1: { MetricsService: ServiceCtor } } } } };
    };
    loaded = { logs: pkg.opentelemetry.proto.collector.logs.v1.LogsService, metrics: pkg.opentelemetry.proto.collector.metrics.v1.MetricsService };
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
