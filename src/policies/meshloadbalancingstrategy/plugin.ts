import type { z } from 'zod';
import type { PolicyPlugin } from '../core/plugin.ts';
import { envoyDuration, forEachOutbound, HCM, networkFilters, routeRules, routesOf } from '../core/plugin.ts';
import type { Endpoint, ProxyContext } from '../../xds/generate/context.ts';
import { localityEndpoints } from '../../xds/generate/generators.ts';
import type { meshLoadBalancingStrategyConf } from './schema.ts';

// MeshLoadBalancingStrategy (to) → the destination cluster's lb_policy and its settings;
// RingHash and Maglev hash policies (the conf's own, else the load balancer's) go on the
// outbound routes; a policy naming a MeshHTTPRoute in `to` sets those of that route's routes. By default the local zone's
// endpoints are preferred (priority 0) over other zones' (priority 1); with
// `localityAwareness.disabled` all zones share traffic by weight. `localZone.affinityTags`
// orders the local endpoints by the tags they share with the proxy (a priority per tag, or,
// when every tag has a weight, one priority split by those weights); `crossZone.failover`
// lists which other zones take over, in order (a priority each), and no others — as with
// localZone alone, which keeps traffic in the zone. failoverThreshold sets when Envoy
// spills to the next priority.

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

type LocalityAwareness = NonNullable<Conf['localityAwareness']>;

/** The service's endpoints in priorities and localities as `la` orders them (see above). */
function localityAwareAssignment(service: string, endpoints: readonly Endpoint[], ctx: ProxyContext, la: LocalityAwareness): { cla: Obj; weighted: boolean } {
  const isLocal = (e: Endpoint) => e.zone === undefined || e.zone === ctx.zone;
  const localities: { priority: number; zone: string; subZone?: string; weight?: number; endpoints: Endpoint[] }[] = [];
  // The local zone, by affinity with the proxy's own tags.
  let local = endpoints.filter(isLocal);
  const tags = Object.assign({}, ...(ctx.dataplane.spec.networking.inbound ?? []).map((ib) => ib.tags)) as Record<string, string>;
  const affinity = la.localZone?.affinityTags ?? [];
  const weighted = affinity.length > 0 && affinity.every((t) => t.weight !== undefined);
  let priority = 0;
  for (const tag of affinity) {
    const group = local.filter((e) => tags[tag.key] !== undefined && e.tags[tag.key] === tags[tag.key]);
    local = local.filter((e) => !group.includes(e));
    if (!group.length) continue;
    localities.push({ priority: weighted ? 0 : priority++, zone: ctx.zone, subZone: tag.key, ...(weighted ? { weight: tag.weight } : {}), endpoints: group });
  }
  if (local.length) localities.push({ priority: weighted ? 0 : priority++, zone: ctx.zone, ...(weighted ? { weight: 1 } : {}), endpoints: local });
  if (weighted && localities.length) priority = 1;
  // Other zones: only those the failover rules name, a priority per rule.
  const remote = new Map<string, Endpoint[]>();
  for (const e of endpoints) if (!isLocal(e)) remote.set(e.zone!, [...(remote.get(e.zone!) ?? []), e]);
  const assigned = new Set<string>();
  for (const rule of la.crossZone?.failover ?? []) {
    if (rule.from && !rule.from.zones.includes(ctx.zone)) continue;
    const listed = new Set(rule.to.zones ?? []);
    const picked = [...remote.keys()].filter((z) => !assigned.has(z) && (rule.to.type === 'Any' || (rule.to.type === 'Only' && listed.has(z)) || (rule.to.type === 'AnyExcept' && !listed.has(z))));
    if (!picked.length) continue;
    for (const z of picked) {
      assigned.add(z);
      localities.push({ priority, zone: z, endpoints: remote.get(z)! });
    }
    priority++;
  }
  const threshold = la.crossZone?.failoverThreshold?.percentage;
  const percent = threshold === undefined ? undefined : Number(threshold);
  return {
    weighted,
    cla: {
      cluster_name: service,
      endpoints: localities.map(localityEndpoints),
      // Envoy moves traffic to the next priority when healthy% × factor/100 < 100.
      ...(percent ? { policy: { overprovisioning_factor: Math.round(10_000 / percent) } } : {}),
    },
  };
}

export const meshLoadBalancingStrategyPlugin: PolicyPlugin = {
  type: 'MeshLoadBalancingStrategy',
  order: 70,
  apply(ctx, rules, out) {
    const ruleOf = routeRules(ctx, 'MeshLoadBalancingStrategy');
    forEachOutbound(rules, out, (c, { cluster, listener, origin }) => {
      const name = origin.cluster;
      const la = (c as Conf).localityAwareness;
      if (la?.localZone || la?.crossZone) {
        // More specific than `disabled`, as in Kuma.
        const { cla, weighted } = localityAwareAssignment(name, ctx.endpoints.get(name) ?? [], ctx, la);
        if (out.endpoint.has(name)) out.endpoint.set(name, cla);
        if (weighted && cluster) cluster.common_lb_config = { ...((cluster.common_lb_config as Obj | undefined) ?? {}), locality_weighted_lb_config: {} };
      } else if (la?.disabled) {
        // Locality awareness off: every zone's endpoints share priority 0, weighted by instances.
        const cla = out.endpoint.get(name) as { endpoints?: Obj[] } | undefined;
        for (const locality of cla?.endpoints ?? []) delete locality.priority;
      }
      const lb = (c as Conf).loadBalancer;
      if (!cluster || !lb) return;
      cluster.lb_policy = POLICY[lb.type];
      if (lb.type === 'LeastRequest' && (lb.leastRequest?.choiceCount || lb.leastRequest?.activeRequestBias !== undefined)) {
        cluster.least_request_lb_config = {
          ...(lb.leastRequest.choiceCount ? { choice_count: lb.leastRequest.choiceCount } : {}),
          ...(lb.leastRequest.activeRequestBias !== undefined ? { active_request_bias: { default_value: Number(lb.leastRequest.activeRequestBias), runtime_key: 'meshwork.lb.active_request_bias' } } : {}),
        };
      }
      if (lb.type === 'RingHash' && lb.ringHash) {
        cluster.ring_hash_lb_config = {
          ...(lb.ringHash.minRingSize ? { minimum_ring_size: lb.ringHash.minRingSize } : {}),
          ...(lb.ringHash.maxRingSize ? { maximum_ring_size: lb.ringHash.maxRingSize } : {}),
          ...(lb.ringHash.hashFunction ? { hash_function: lb.ringHash.hashFunction === 'MurmurHash2' ? 'MURMUR_HASH_2' : 'XX_HASH' } : {}),
        };
      }
      if (lb.type === 'Maglev' && lb.maglev?.tableSize) cluster.maglev_lb_config = { table_size: lb.maglev.tableSize };
      if (lb.type !== 'RingHash' && lb.type !== 'Maglev') return;
      // The root hash policies, else the load balancer's; a policy naming a MeshHTTPRoute in `to`
      // sets those of the routes made from it.
      const own = (lb.type === 'RingHash' ? lb.ringHash?.hashPolicies : lb.maglev?.hashPolicies) ?? [];
      for (const { config } of networkFilters(listener, HCM)) {
        for (const route of routesOf(config)) {
          if (!route.route) continue;
          const conf = (ruleOf(route, origin.service, { conf: c, origin: [] })?.conf ?? c) as Conf;
          const policies = conf.hashPolicies ?? own;
          if (policies.length) (route.route as Obj).hash_policy = policies.map(hashPolicy);
        }
      }
    });
  },
};
