import * as grpc from '@grpc/grpc-js';
import { fromAnyValue, otlpServices } from '../../src/dp/otlp.ts';

// A real OTLP/gRPC receiver on a free loopback port: it accepts the collector's
// LogsService, MetricsService and TraceService Export calls, as an OpenTelemetry Collector
// does, and keeps what it received (log records with body and attributes as plain values;
// metrics by name; spans).

type Obj = Record<string, unknown>;

export interface ReceivedLog {
  body: unknown;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
}

export interface ReceivedMetric {
  name: string;
  resource: Record<string, unknown>;
  /** The instrumentation scope's name. */
  scope: string;
  /** The data points' values (as_double or as_int) with their attributes. */
  points: { value: number; attributes: Record<string, unknown> }[];
}

export interface ReceivedSpan {
  name: string;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
}

export interface OtlpCollector extends AsyncDisposable {
  /** `127.0.0.1:PORT` */
  readonly endpoint: string;
  readonly logs: ReceivedLog[];
  readonly metrics: ReceivedMetric[];
  readonly spans: ReceivedSpan[];
  close(): Promise<void>;
}

const attrs = (list: unknown) => Object.fromEntries(((list as { key: string; value?: Obj }[] | undefined) ?? []).map((kv) => [kv.key, fromAnyValue(kv.value)]));

export async function startOtlpCollector(): Promise<OtlpCollector> {
  const { logs: LogsService, metrics: MetricsService, traces: TraceService } = otlpServices();
  const logs: ReceivedLog[] = [];
  const metrics: ReceivedMetric[] = [];
  const spans: ReceivedSpan[] = [];
  const server = new grpc.Server();
  server.addService(LogsService.service, {
    Export(call: grpc.ServerUnaryCall<Obj, Obj>, cb: grpc.sendUnaryData<Obj>) {
      for (const rl of (call.request.resource_logs as Obj[] | undefined) ?? []) {
        const resource = attrs((rl.resource as Obj | undefined)?.attributes);
        for (const sl of [...((rl.scope_logs as Obj[] | undefined) ?? []), ...((rl.instrumentation_library_logs as Obj[] | undefined) ?? [])]) {
          for (const rec of (sl.log_records as Obj[] | undefined) ?? []) logs.push({ body: fromAnyValue(rec.body as Obj | undefined), attributes: attrs(rec.attributes), resource });
        }
      }
      cb(null, {});
    },
  });
  server.addService(MetricsService.service, {
    Export(call: grpc.ServerUnaryCall<Obj, Obj>, cb: grpc.sendUnaryData<Obj>) {
      for (const rm of (call.request.resource_metrics as Obj[] | undefined) ?? []) {
        const resource = attrs((rm.resource as Obj | undefined)?.attributes);
        for (const sm of (rm.scope_metrics as Obj[] | undefined) ?? []) {
          const scope = String((sm.scope as Obj | undefined)?.name ?? '');
          for (const m of (sm.metrics as Obj[] | undefined) ?? []) {
            const data = (m.gauge ?? m.sum) as { data_points?: Obj[] } | undefined;
            const points = (data?.data_points ?? []).map((p) => ({ value: Number(p.as_double ?? p.as_int ?? 0), attributes: attrs(p.attributes) }));
            metrics.push({ name: String(m.name), resource, scope, points });
          }
        }
      }
      cb(null, {});
    },
  });
  server.addService(TraceService.service, {
    Export(call: grpc.ServerUnaryCall<Obj, Obj>, cb: grpc.sendUnaryData<Obj>) {
      for (const rs of (call.request.resource_spans as Obj[] | undefined) ?? []) {
        const resource = attrs((rs.resource as Obj | undefined)?.attributes);
        for (const ss of [...((rs.scope_spans as Obj[] | undefined) ?? []), ...((rs.instrumentation_library_spans as Obj[] | undefined) ?? [])]) {
          for (const span of (ss.spans as Obj[] | undefined) ?? []) spans.push({ name: String(span.name), attributes: attrs(span.attributes), resource });
        }
      }
      cb(null, {});
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  const close = () => new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  return { endpoint: `127.0.0.1:${port}`, logs, metrics, spans, close, [Symbol.asyncDispose]: close };
}
