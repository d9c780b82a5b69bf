import { MeshTrafficPermissionType } from './meshtrafficpermission/index.ts';
import { MeshTimeoutType } from './meshtimeout/index.ts';
import { MeshRetryType } from './meshretry/index.ts';
import { MeshHTTPRouteType } from './meshhttproute/index.ts';
import { MeshTCPRouteType } from './meshtcproute/index.ts';
import { MeshCircuitBreakerType } from './meshcircuitbreaker/index.ts';
import { MeshHealthCheckType } from './meshhealthcheck/index.ts';
import { MeshLoadBalancingStrategyType } from './meshloadbalancingstrategy/index.ts';
import { MeshFaultInjectionType } from './meshfaultinjection/index.ts';
import { MeshRateLimitType } from './meshratelimit/index.ts';
import { MeshAccessLogType } from './meshaccesslog/index.ts';
import { MeshTraceType } from './meshtrace/index.ts';
import { MeshMetricType } from './meshmetric/index.ts';
import { MeshTLSType } from './meshtls/index.ts';
import { MeshProxyPatchType } from './meshproxypatch/index.ts';
import { MeshPassthroughType } from './meshpassthrough/index.ts';
import type { ResourceTypeDescriptor } from '../resources/descriptor.ts';

/** Every targetRef policy, in Kuma's documentation order. Each one is a folder beside this file. */
export const POLICY_TYPES: readonly ResourceTypeDescriptor[] = [
  MeshTrafficPermissionType,
  MeshTimeoutType,
  MeshRetryType,
  MeshHTTPRouteType,
  MeshTCPRouteType,
  MeshCircuitBreakerType,
  MeshHealthCheckType,
  MeshLoadBalancingStrategyType,
  MeshFaultInjectionType,
  MeshRateLimitType,
  MeshAccessLogType,
  MeshTraceType,
  MeshMetricType,
  MeshTLSType,
  MeshProxyPatchType,
  MeshPassthroughType,
];
