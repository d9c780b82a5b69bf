import type { PolicyPlugin } from './core/plugin.ts';
import { meshAccessLogPlugin } from './meshaccesslog/plugin.ts';
import { meshCircuitBreakerPlugin } from './meshcircuitbreaker/plugin.ts';
import { meshFaultInjectionPlugin } from './meshfaultinjection/plugin.ts';
import { meshHealthCheckPlugin } from './meshhealthcheck/plugin.ts';
import { meshMetricPlugin } from './meshmetric/plugin.ts';
import { meshPassthroughPlugin } from './meshpassthrough/plugin.ts';
import { meshProxyPatchPlugin } from './meshproxypatch/plugin.ts';
import { meshTlsPlugin } from './meshtls/plugin.ts';
import { meshTracePlugin } from './meshtrace/plugin.ts';
import { meshHttpRoutePlugin } from './meshhttproute/plugin.ts';
import { meshTcpRoutePlugin } from './meshtcproute/plugin.ts';
import { meshLoadBalancingStrategyPlugin } from './meshloadbalancingstrategy/plugin.ts';
import { meshRateLimitPlugin } from './meshratelimit/plugin.ts';
import { meshRetryPlugin } from './meshretry/plugin.ts';
import { meshTimeoutPlugin } from './meshtimeout/plugin.ts';
import { meshTrafficPermissionPlugin } from './meshtrafficpermission/plugin.ts';

// The Envoy plugins of all 16 policies, in the order they run. Kept apart from
// the descriptors (policies/index.ts) so that the registry, which the CLI loads, stays light.

export const POLICY_PLUGINS: readonly PolicyPlugin[] = [
  meshTrafficPermissionPlugin,
  meshHttpRoutePlugin,
  meshTcpRoutePlugin,
  meshRateLimitPlugin,
  meshTimeoutPlugin,
  meshRetryPlugin,
  meshFaultInjectionPlugin,
  meshCircuitBreakerPlugin,
  meshHealthCheckPlugin,
  meshLoadBalancingStrategyPlugin,
  meshAccessLogPlugin,
  meshTlsPlugin,
  meshTracePlugin,
  meshMetricPlugin,
  meshPassthroughPlugin,
  meshProxyPatchPlugin,
].sort((a, b) => a.order - b.order);
