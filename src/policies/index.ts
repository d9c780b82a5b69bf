import { MeshTrafficPermission } from './meshtrafficpermission/index.ts';
import { MeshTimeout } from './meshtimeout/index.ts';
import { MeshRetry } from './meshretry/index.ts';
import { MeshHTTPRoute } from './meshhttproute/index.ts';
import { MeshTCPRoute } from './meshtcproute/index.ts';
import { MeshCircuitBreaker } from './meshcircuitbreaker/index.ts';
import { MeshHealthCheck } from './meshhealthcheck/index.ts';
import { MeshLoadBalancingStrategy } from './meshloadbalancingstrategy/index.ts';
import { MeshFaultInjection } from './meshfaultinjection/index.ts';
import { MeshRateLimit } from './meshratelimit/index.ts';
import { MeshAccessLog } from './meshaccesslog/index.ts';
import { MeshTrace } from './meshtrace/index.ts';
import { MeshMetric } from './meshmetric/index.ts';
import { MeshTLS } from './meshtls/index.ts';
import { MeshProxyPatch } from './meshproxypatch/index.ts';
import { MeshPassthrough } from './meshpassthrough/index.ts';
import type { ResourceTypeDescriptor } from '../resources/descriptor.ts';
import type { PolicyDefinition } from './core/define-policy.ts';

/**
 * Every targetRef policy, in Kuma's documentation order: the one list the registry's types and
 * the Envoy plugins (policies/plugins.ts) are derived from. Each one is a folder beside this file.
 */
export const POLICIES: readonly PolicyDefinition[] = [
  MeshTrafficPermission,
  MeshTimeout,
  MeshRetry,
  MeshHTTPRoute,
  MeshTCPRoute,
  MeshCircuitBreaker,
  MeshHealthCheck,
  MeshLoadBalancingStrategy,
  MeshFaultInjection,
  MeshRateLimit,
  MeshAccessLog,
  MeshTrace,
  MeshMetric,
  MeshTLS,
  MeshProxyPatch,
  MeshPassthrough,
];

export const POLICY_TYPES: readonly ResourceTypeDescriptor[] = POLICIES.map((p) => p.type);
