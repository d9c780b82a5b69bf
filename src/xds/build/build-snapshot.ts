import { computeRules } from '../../policies/core/matching.ts';
import { snapshotOf, type XdsSnapshot } from '../cache/snapshot.ts';
import { outboundServices } from '../generate/context.ts';
import type { ProxyContext } from '../model/context.ts';
import type { PolicyPlugin } from '../model/policy.ts';
import { emptyResourceSet, type Generator } from '../model/resource-set.ts';

// A dataplane's build: the generators make its resources from the context, then each policy
// plugin applies the rules its policies give this proxy. The one place xds/ calls into
// policies/ (layering: xds/model below both, generators and policies beside, build above).

export function buildSnapshot(ctx: ProxyContext, generators: readonly Generator[], plugins: readonly PolicyPlugin[] = []): XdsSnapshot {
  const set = emptyResourceSet();
  for (const g of generators) g.generate(ctx, set);
  const services = outboundServices(ctx.dataplane.spec);
  // Every MeshService port the build made a cluster for (outbounds, route backends).
  const meshServices = [...new Map([...set.origins.cluster.values()].flatMap((o) => (o.kind === 'outbound' && o.meshService ? [[o.cluster, o.meshService] as const] : []))).values()];
  for (const plugin of plugins) {
    const policies = ctx.policies?.get(plugin.type) ?? [];
    if (policies.length > 0 || plugin.appliesWithoutPolicies) plugin.apply(ctx, computeRules(policies, ctx.dataplane, services, meshServices), set);
  }
  return snapshotOf(set, `${ctx.mesh.name}.${ctx.dataplane.name}`);
}
