import { describe, expect, it } from 'vitest';
import { exportMetricsRequest, formatPrometheusText, parsePrometheusText, parseSample } from './prometheus-to-otlp.ts';
import { otlpServices } from './otlp.ts';

const TEXT = `# TYPE envoy_cluster_upstream_rq_total counter
envoy_cluster_upstream_rq_total{envoy_cluster_name="backend"} 7
envoy_cluster_upstream_rq_total{envoy_cluster_name="meshwork:envoy:admin"} 2
# TYPE envoy_server_live gauge
envoy_server_live{} 1
# TYPE envoy_cluster_upstream_rq_time histogram
envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="backend",le="0.5"} 1
envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="backend",le="1"} 3
envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="backend",le="+Inf"} 4
envoy_cluster_upstream_rq_time_sum{envoy_cluster_name="backend"} 4.5
envoy_cluster_upstream_rq_time_count{envoy_cluster_name="backend"} 4
# HELP rpc_seconds RPC latency
# TYPE rpc_seconds summary
rpc_seconds{quantile="0.5"} 0.2
rpc_seconds{quantile="0.99"} 0.9
rpc_seconds_sum 12
rpc_seconds_count 30
# TYPE app_requests counter
app_requests_total{path="/a \\"quoted\\", b"} 42
app_untyped_thing 3 1700000000000
not a sample line
`;

describe('Prometheus text → OTLP metrics', () => {
  it('parses samples with escaped labels, special values and timestamps', () => {
    expect(parseSample('x{a="1",b="q\\"z\\\\"} +Inf')).toMatchObject({ name: 'x', labels: { a: '1', b: 'q"z\\' }, value: Infinity });
    expect(parseSample('y NaN')?.value).toBeNaN();
    expect(parseSample('z 5 1700000000000')).toEqual({ name: 'z', labels: {}, value: 5, line: 'z 5 1700000000000' });
    expect(parseSample('bad{a=1} 2')).toBeUndefined();
    expect(parseSample('bad 1x')).toBeUndefined();
  });

  it('groups samples into families by declared type and suffix, and formats them back as scraped', () => {
    const families = parsePrometheusText(TEXT);
    expect(formatPrometheusText(families)).toBe(TEXT.replace('not a sample line\n', ''));
    expect(families.map((f) => [f.name, f.type, f.samples.length])).toEqual([
      ['envoy_cluster_upstream_rq_total', 'counter', 2],
      ['envoy_server_live', 'gauge', 1],
      ['envoy_cluster_upstream_rq_time', 'histogram', 5],
      ['rpc_seconds', 'summary', 4],
      ['app_requests', 'counter', 1],
      ['app_untyped_thing', 'untyped', 1],
    ]);
  });

  it('builds an ExportMetricsServiceRequest the OTLP proto encodes', () => {
    const req = exportMetricsRequest([{ scope: { name: 'meshwork-dp', version: '1' }, families: parsePrometheusText(TEXT) }, { scope: { name: 'empty' }, families: [] }], { 'service.name': 'web' }, { start: '1000', now: '2000' });
    const Export = otlpServices().metrics.service.Export!;
    const decoded = Export.requestDeserialize(Export.requestSerialize(req)) as { resource_metrics: { resource: unknown; scope_metrics: { scope: unknown; metrics: Record<string, unknown>[] }[] }[] };
    // A source with no metrics gets no scope.
    expect(decoded.resource_metrics[0]!.scope_metrics.map((s) => s.scope)).toEqual([{ name: 'meshwork-dp', version: '1' }]);
    const metrics = decoded.resource_metrics[0]!.scope_metrics[0]!.metrics;
    const byName = Object.fromEntries(metrics.map((m) => [m.name, m]));
    expect(Object.keys(byName)).toEqual(['envoy_cluster_upstream_rq_total', 'envoy_server_live', 'envoy_cluster_upstream_rq_time', 'rpc_seconds', 'app_requests', 'app_untyped_thing']);
    const sum = byName.envoy_cluster_upstream_rq_total!.sum as { is_monotonic: boolean; aggregation_temporality: string; data_points: { as_double: number; time_unix_nano: string; start_time_unix_nano: string; attributes: unknown[] }[] };
    expect(sum.is_monotonic).toBe(true);
    expect(sum.aggregation_temporality).toBe('AGGREGATION_TEMPORALITY_CUMULATIVE');
    expect(sum.data_points.map((p) => p.as_double)).toEqual([7, 2]);
    expect(sum.data_points[0]).toMatchObject({ start_time_unix_nano: '1000', time_unix_nano: '2000', attributes: [{ key: 'envoy_cluster_name', value: { string_value: 'backend' } }] });
    expect((byName.envoy_server_live!.gauge as { data_points: { as_double: number }[] }).data_points[0]!.as_double).toBe(1);
    const h = (byName.envoy_cluster_upstream_rq_time!.histogram as { data_points: Record<string, unknown>[] }).data_points;
    expect(h).toHaveLength(1);
    expect(h[0]).toMatchObject({ count: '4', sum: 4.5, explicit_bounds: [0.5, 1], bucket_counts: ['1', '2', '1'], attributes: [{ key: 'envoy_cluster_name', value: { string_value: 'backend' } }] });
    const s = (byName.rpc_seconds!.summary as { data_points: Record<string, unknown>[] }).data_points[0]!;
    expect(s).toMatchObject({ count: '30', sum: 12, quantile_values: [{ quantile: 0.5, value: 0.2 }, { quantile: 0.99, value: 0.9 }] });
    expect(byName.rpc_seconds!.description).toBe('RPC latency');
    const app = (byName.app_requests!.sum as { data_points: { attributes: { value: { string_value: string } }[] }[] }).data_points[0]!;
    expect(app.attributes[0]!.value.string_value).toBe('/a "quoted", b');
    expect(decoded.resource_metrics[0]!.resource).toMatchObject({ attributes: [{ key: 'service.name', value: { string_value: 'web' } }] });
  });
});
