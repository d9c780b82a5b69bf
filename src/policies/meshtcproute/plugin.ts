import type { z } from 'zod';
import { clusterChoice } from '../core/backends.ts';
import { applyingPolicies, routeTargetMatch, type Policy } from '../core/matching.ts';
import type { PolicyPlugin } from '../core/plugin.ts';
import { networkFilters, outboundsByService, TCP_PROXY } from '../core/plugin.ts';
import type { TargetRef } from '../core/target-ref.ts';
import type { meshTcpRouteConf } from './schema.ts';

// MeshTCPRoute → the destination's outbound tcp_proxy sends to the route's backendRefs
// (weighted when several). The most specific policy naming the destination wins.

type Conf = z.infer<typeof meshTcpRouteConf>;

export const meshTcpRoutePlugin: PolicyPlugin = {
  type: 'MeshTCPRoute',
  order: 3,
  apply(ctx, _rules, out) {
    // Most specific first: its rules take precedence.
    const policies = applyingPolicies((ctx.policies?.get('MeshTCPRoute') ?? []) as Policy[], ctx.dataplane).reverse();
    if (!policies.length) return;
    for (const entries of outboundsByService(out).values()) {
      // The most specific entry for the service that has a rule (one without keeps the default route).
      // A `to` naming the port (sectionName) over one naming the whole service; then the most specific policy.
      const matching = policies.flatMap((p) => ((p.spec as { to?: { targetRef: TargetRef; rules?: { default: Conf }[] }[] }).to ?? []).flatMap((t) => {
        const specific = t.rules?.length ? routeTargetMatch(t.targetRef, entries[0]!.origin) : undefined;
        return specific === undefined ? [] : [{ t, specific }];
      }));
      const to = matching.sort((a, b) => b.specific - a.specific)[0]?.t;
      if (!to) continue;
      for (const { listener, origin } of entries) {
        for (const { config } of networkFilters(listener, TCP_PROXY)) {
          const choice = clusterChoice(ctx, out, to.rules![0]!.default.backendRefs, origin.cluster);
          delete config.cluster;
          Object.assign(config, choice);
        }
      }
    }
  },
};
