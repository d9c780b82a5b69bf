import type { z } from 'zod';
import type { PolicyPlugin } from '../core/plugin.ts';
import { envoyDuration, forEachOutbound, HCM, networkFilters, routesOf } from '../core/plugin.ts';
import type { meshLoadBalancingStrategyConf } from './schema.ts';

// MeshLoadBalancingStrategy (to) → the destination cluster's lb_policy and its settings;
// RingHash and Maglev hash policies go on the outbound routes. By default the local zone's
// endpoints are preferred (priority 0) over other zones' (priority 1); with
// `localityAwareness.disabled` all zones share traffic by weight.

type Conf = z.infer<typeof meshLoadBalancingStrategyConf>;
type Obj = Record<string, unknown>;
type HashPolicy = NonNullable<NonNullable<NonNullable<Conf['loadBalancer']>['ringHash']>['hashPolicies']>[number];

const POLICY: Record<string, string> = { RoundRobin: 'ROUND_ROBIN', LeastRequest: 'LEAST_REQUEST', RingHash: 'RING_HASH', Random: 'RANDOM', Maglev: 'MAGLEV' };

function hashPolicy(h: HashPolicy): Obj {
  const terminal = h.terminal !== undefined ? { terminal: h.terminal } : {};
  switch (h.type) {
    case 'Header':
      return { header: { header_name: h.header!.name }, ...terminal };
    case 'Cookie':
      return { cookie: { name: h.cookie!.name, ...(envoyDuration(h.cookie!.ttl) ? { ttl: envoyDuration(h.cookie!.ttl) } : {}), ...(h.cookie!.path ? { path: h.cookie!.path } : {}) }, ...terminal };
    case 'Connection':
    case 'SourceIP':
      return { connection_properties: { source_ip: h.type === 'SourceIP' || h.connection?.sourceIP !== false }, ...terminal };
    case 'QueryParameter':
      return { query_parameter: { name: h.queryParameter!.name }, ...terminal };
    case 'FilterState':
      return { filter_state: { key: h.filterState!.key }, ...terminal };
  }
}

export const meshLoadBalancingStrategyPlugin: PolicyPlugin = {
  type: 'MeshLoadBalancingStrategy',
  order: 70,
  apply(_ctx, rules, out) {
    forEachOutbound(rules, out, (c, { cluster, listener, service }) => {
      // Locality awareness off: every zone's endpoints share priority 0, weighted by instances.
      if ((c as Conf).localityAwareness?.disabled) {
        const cla = out.endpoint.get(service) as { endpoints?: Obj[] } | undefined;
        for (const locality of cla?.endpoints ?? []) delete locality.priority;
      }
      const lb = (c as Conf).loadBalancer;
      if (!cluster || !lb) return;
      cluster.lb_policy = POLICY[lb.type];
      if (lb.type === 'LeastRequest' && lb.leastRequest?.choiceCount) cluster.least_request_lb_config = { choice_count: lb.leastRequest.choiceCount };
      if (lb.type === 'RingHash' && lb.ringHash) {
        cluster.ring_hash_lb_config = {
          ...(lb.ringHash.minRingSize ? { minimum_ring_size: lb.ringHash.minRingSize } : {}),
          ...(lb.ringHash.maxRingSize ? { maximum_ring_size: lb.ringHash.maxRingSize } : {}),
          ...(lb.ringHash.hashFunction ? { hash_function: lb.ringHash.hashFunction === 'MurmurHash2' ? 'MURMUR_HASH_2' : 'XX_HASH' } : {}),
        };
      }
      if (lb.type === 'Maglev' && lb.maglev?.tableSize) cluster.maglev_lb_config = { table_size: lb.maglev.tableSize };
      const policies = (lb.type === 'RingHash' ? lb.ringHash?.hashPolicies : lb.type === 'Maglev' ? lb.maglev?.hashPolicies : undefined) ?? [];
      if (!policies.length) return;
      for (const { config } of networkFilters(listener, HCM)) for (const route of routesOf(config)) if (route.route) (route.route as Obj).hash_policy = policies.map(hashPolicy);
    });
  },
};
