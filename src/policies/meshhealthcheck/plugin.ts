import type { z } from 'zod';
import type { PolicyPlugin } from '../core/plugin.ts';
import { envoyDuration, forEachOutbound } from '../core/plugin.ts';
import type { meshHealthCheckConf } from './schema.ts';

// MeshHealthCheck (to) → an active health check on the destination cluster: HTTP for HTTP
// services (path, expected statuses), gRPC for gRPC ones, TCP otherwise.

type Conf = z.infer<typeof meshHealthCheckConf>;
type Obj = Record<string, unknown>;

export const meshHealthCheckPlugin: PolicyPlugin = {
  type: 'MeshHealthCheck',
  order: 60,
  apply(_ctx, rules, out) {
    forEachOutbound(rules, out, (c, { cluster, origin }) => {
      if (!cluster) return;
      const conf = c as Conf;
      const { protocol } = origin;
      const check: Obj = {
        timeout: envoyDuration(conf.timeout) ?? '15s',
        interval: envoyDuration(conf.interval) ?? '60s',
        unhealthy_threshold: conf.unhealthyThreshold ?? 5,
        healthy_threshold: conf.healthyThreshold ?? 1,
        ...(envoyDuration(conf.initialJitter) ? { initial_jitter: envoyDuration(conf.initialJitter) } : {}),
        ...(envoyDuration(conf.intervalJitter) ? { interval_jitter: envoyDuration(conf.intervalJitter) } : {}),
        ...(conf.intervalJitterPercent !== undefined ? { interval_jitter_percent: conf.intervalJitterPercent } : {}),
        ...(envoyDuration(conf.noTrafficInterval) ? { no_traffic_interval: envoyDuration(conf.noTrafficInterval) } : {}),
        ...(conf.reuseConnection !== undefined ? { reuse_connection: conf.reuseConnection } : {}),
        ...(conf.alwaysLogHealthCheckFailures !== undefined ? { always_log_health_check_failures: conf.alwaysLogHealthCheckFailures } : {}),
        ...(conf.eventLogPath ? { event_logger: [{ name: 'envoy.health_check.event_sink.file', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.health_check.event_sinks.file.v3.HealthCheckEventFileSink', event_log_path: conf.eventLogPath } }] } : {}),
      };
      if (protocol === 'grpc' && !conf.grpc?.disabled) {
        check.grpc_health_check = { ...(conf.grpc?.serviceName ? { service_name: conf.grpc.serviceName } : {}), ...(conf.grpc?.authority ? { authority: conf.grpc.authority } : {}) };
      } else if ((protocol === 'http' || protocol === 'http2') && !conf.http?.disabled) {
        check.http_health_check = {
          path: conf.http?.path ?? '/',
          ...(conf.http?.expectedStatuses ? { expected_statuses: conf.http.expectedStatuses.map((s) => ({ start: s, end: s + 1 })) } : {}),
          ...(conf.http?.requestHeadersToAdd ? { request_headers_to_add: [...(conf.http.requestHeadersToAdd.set ?? []), ...(conf.http.requestHeadersToAdd.add ?? [])].map((h) => ({ header: { key: h.name, value: h.value } })) } : {}),
        };
      } else if (!conf.tcp?.disabled) {
        check.tcp_health_check = { ...(conf.tcp?.send ? { send: { text: Buffer.from(conf.tcp.send).toString('hex') } } : {}), ...(conf.tcp?.receive ? { receive: conf.tcp.receive.map((r) => ({ text: Buffer.from(r).toString('hex') })) } : {}) };
      } else {
        return;
      }
      cluster.health_checks = [check];
      if (conf.healthyPanicThreshold !== undefined) cluster.common_lb_config = { ...((cluster.common_lb_config as Obj | undefined) ?? {}), healthy_panic_threshold: { value: Number(conf.healthyPanicThreshold) } };
      if (conf.failTrafficOnPanic) {
        const common = (cluster.common_lb_config as Obj | undefined) ?? {};
        cluster.common_lb_config = { ...common, zone_aware_lb_config: { ...((common.zone_aware_lb_config as Obj | undefined) ?? {}), fail_traffic_on_panic: true } };
      }
    });
  },
};
