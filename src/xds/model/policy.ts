import type { Resource } from '../../resources/resource.ts';
import type { ProxyContext } from './context.ts';
import type { ResourceSet } from './resource-set.ts';
import type { TargetRef } from './target-ref.ts';

// Policies as builds read them: the stored resource, the rules computed for one proxy, and the
// plugin of each policy type that turns those rules into changes of the generated resources.
// A plugin runs in `order` after every generator; each touches only the Envoy objects it is
// about (policies/<type>/plugin.ts).

export interface PolicySpecShape {
  targetRef?: TargetRef;
  to?: { targetRef: TargetRef; default: unknown }[];
  from?: { targetRef: TargetRef; default: unknown }[];
  rules?: { default: unknown }[];
  default?: unknown;
}

export type Policy = Resource<PolicySpecShape>;

/** A rule's conf and the policies it came from. */
export interface Rule {
  conf: unknown;
  origin: string[];
}

export interface ProxyRules {
  /** Outbound rules, by destination: a tag outbound's service, a MeshService port's cluster (an outbound origin's `cluster`). */
  to: Map<string, Rule>;
  /** Inbound rules that do not depend on the caller (`from` with kind Mesh, and `rules`). */
  inbound: Rule | undefined;
  /** `from` items by caller selector, in order: for per-caller policies (MeshTrafficPermission). */
  from: { targetRef: TargetRef; conf: unknown; origin: string }[];
  /** Top-level `default` (MeshTrace, MeshMetric, MeshProxyPatch, MeshPassthrough). */
  single: Rule | undefined;
  /**
   * Set when a policy targets one inbound (`sectionName`): the inbound rules of each inbound,
   * by port. `inbound`/`from` above are then those of the policies without a section.
   */
  sections?: Map<number, { inbound: Rule | undefined; from: ProxyRules['from'] }>;
}

export interface PolicyPlugin {
  readonly type: string;
  readonly order: number;
  /** Applied even when no policy of its type exists in the mesh (the policy has a default effect). */
  readonly appliesWithoutPolicies?: boolean;
  /** Other mesh resources its builds read (MeshOpenTelemetryBackend), found in ctx.policies by type. */
  readonly reads?: readonly string[];
  apply(ctx: ProxyContext, rules: ProxyRules, out: ResourceSet): void;
}
