import type { z } from 'zod';
import type { PolicyPlugin } from '../core/plugin.ts';
import { envoyDuration, forEachInbound, forEachOutbound, inboundCluster } from '../core/plugin.ts';
import type { meshCircuitBreakerConf } from './schema.ts';

// MeshCircuitBreaker (to) → the destination cluster's circuit_breakers thresholds and
// outlier_detection.

type Conf = z.infer<typeof meshCircuitBreakerConf>;
type Obj = Record<string, unknown>;

function outlier(o: NonNullable<Conf['outlierDetection']>): Obj | undefined {
  if (o.disabled) return undefined;
  const det = o.detectors ?? {};
  const out: Obj = {
    ...(envoyDuration(o.interval) ? { interval: envoyDuration(o.interval) } : {}),
    ...(envoyDuration(o.baseEjectionTime) ? { base_ejection_time: envoyDuration(o.baseEjectionTime) } : {}),
    ...(o.maxEjectionPercent !== undefined ? { max_ejection_percent: o.maxEjectionPercent } : {}),
    ...(o.splitExternalAndLocalErrors !== undefined ? { split_external_local_origin_errors: o.splitExternalAndLocalErrors } : {}),
    // A detector not configured is not enforced (Envoy enforces consecutive 5xx by default).
    consecutive_5xx: det.totalFailures?.consecutive ?? 0,
    enforcing_consecutive_5xx: det.totalFailures ? 100 : 0,
    consecutive_gateway_failure: det.gatewayFailures?.consecutive ?? 0,
    enforcing_consecutive_gateway_failure: det.gatewayFailures ? 100 : 0,
    consecutive_local_origin_failure: det.localOriginFailures?.consecutive ?? 0,
    enforcing_consecutive_local_origin_failure: det.localOriginFailures ? 100 : 0,
    enforcing_success_rate: det.successRate ? 100 : 0,
    enforcing_failure_percentage: det.failurePercentage ? 100 : 0,
  };
  if (det.successRate?.minimumHosts !== undefined) out.success_rate_minimum_hosts = det.successRate.minimumHosts;
  if (det.successRate?.requestVolume !== undefined) out.success_rate_request_volume = det.successRate.requestVolume;
  if (det.successRate?.standardDeviationFactor !== undefined) out.success_rate_stdev_factor = Number(det.successRate.standardDeviationFactor);
  if (det.failurePercentage?.minimumHosts !== undefined) out.failure_percentage_minimum_hosts = det.failurePercentage.minimumHosts;
  if (det.failurePercentage?.requestVolume !== undefined) out.failure_percentage_request_volume = det.failurePercentage.requestVolume;
  if (det.failurePercentage?.threshold !== undefined) out.failure_percentage_threshold = det.failurePercentage.threshold;
  return out;
}

export const meshCircuitBreakerPlugin: PolicyPlugin = {
  type: 'MeshCircuitBreaker',
  order: 50,
  apply(_ctx, rules, out) {
    forEachOutbound(rules, out, (c, { cluster }) => cluster && configure(cluster, c as Conf));
    // from/rules: the inbound's local cluster, protecting the application.
    forEachInbound(rules, out, (listener, { inbound }) => {
      const cluster = inbound && inboundCluster(listener, out);
      if (cluster) configure(cluster, inbound.conf as Conf);
    });
  },
};

function configure(cluster: Obj, conf: Conf): void {
  const l = conf.connectionLimits;
  if (l) {
    cluster.circuit_breakers = {
      thresholds: [
        {
          priority: 'DEFAULT',
          ...(l.maxConnections !== undefined ? { max_connections: l.maxConnections } : {}),
          ...(l.maxConnectionPools !== undefined ? { max_connection_pools: l.maxConnectionPools } : {}),
          ...(l.maxPendingRequests !== undefined ? { max_pending_requests: l.maxPendingRequests } : {}),
          ...(l.maxRequests !== undefined ? { max_requests: l.maxRequests } : {}),
          ...(l.maxRetries !== undefined ? { max_retries: l.maxRetries } : {}),
        },
      ],
    };
  }
  const od = conf.outlierDetection && outlier(conf.outlierDetection);
  if (od) cluster.outlier_detection = od;
  const panic = conf.outlierDetection?.healthyPanicThreshold;
  if (od && panic !== undefined) cluster.common_lb_config = { ...((cluster.common_lb_config as Obj | undefined) ?? {}), healthy_panic_threshold: { value: Number(panic) } };
}
