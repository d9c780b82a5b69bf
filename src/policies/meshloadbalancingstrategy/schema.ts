import { z } from 'zod';
import { duration, percentage, uint32 } from '../../resources/common.ts';
import { sectionedSpec } from '../core/define-policy.ts';

export const LB_TYPES = ['RoundRobin', 'LeastRequest', 'RingHash', 'Random', 'Maglev'] as const;

const hashPolicy = z
  .strictObject({
    type: z.enum(['Header', 'Cookie', 'Connection', 'SourceIP', 'QueryParameter', 'FilterState'], {
      error: 'must be one of: Header, Cookie, Connection, SourceIP, QueryParameter, FilterState',
    }),
    terminal: z.boolean().optional(),
    header: z.strictObject({ name: z.string().min(1) }).optional(),
    cookie: z.strictObject({ name: z.string().min(1), ttl: duration().optional(), path: z.string().startsWith('/', 'must be an absolute path').optional() }).optional(),
    connection: z.strictObject({ sourceIP: z.boolean().optional() }).optional(),
    queryParameter: z.strictObject({ name: z.string().min(1) }).optional(),
    filterState: z.strictObject({ key: z.string().min(1) }).optional(),
  })
  .superRefine((h, ctx) => {
    const required: Record<string, string> = { Header: 'header', Cookie: 'cookie', QueryParameter: 'queryParameter', FilterState: 'filterState' };
    const key = required[h.type];
    if (key && (h as Record<string, unknown>)[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'must be defined' });
    if ((h.type === 'Connection' || h.type === 'SourceIP') && h.connection === undefined) ctx.addIssue({ code: 'custom', path: ['connection'], message: 'must be defined' });
  });

const zones = z.array(z.string().min(1, 'must not be empty'));

const hashPolicies = z.array(hashPolicy);

export const meshLoadBalancingStrategyConf = z.strictObject({
  /** Kuma 2.10+: the hash policies of the routes (RingHash, Maglev); for a MeshHTTPRoute, the only field. */
  hashPolicies: hashPolicies.optional(),
  localityAwareness: z
    .strictObject({
      disabled: z.boolean().optional(),
      localZone: z
        .strictObject({ affinityTags: z.array(z.strictObject({ key: z.string().min(1, 'must not be empty'), weight: uint32.min(1, 'must be greater than zero').optional() })).optional() })
        .superRefine((l, ctx) => {
          const weighted = (l.affinityTags ?? []).filter((t) => t.weight !== undefined).length;
          if (weighted > 0 && weighted !== l.affinityTags!.length) ctx.addIssue({ code: 'custom', path: ['affinityTags'], message: 'all or none affinity tags should have weight' });
        })
        .optional(),
      crossZone: z
        .strictObject({
          failover: z
            .array(
              z.strictObject({
                from: z.strictObject({ zones: zones.min(1, 'must not be empty') }).optional(),
                to: z
                  .strictObject({ type: z.enum(['None', 'Only', 'Any', 'AnyExcept'], { error: 'must be one of: None, Only, Any, AnyExcept' }), zones: zones.optional() })
                  .superRefine((t, ctx) => {
                    if ((t.type === 'Only' || t.type === 'AnyExcept') && !t.zones?.length) ctx.addIssue({ code: 'custom', path: ['zones'], message: `must not be empty when type is ${t.type}` });
                    if ((t.type === 'Any' || t.type === 'None') && t.zones?.length) ctx.addIssue({ code: 'custom', path: ['zones'], message: `must be empty when type is ${t.type}` });
                  }),
              }),
            )
            .optional(),
          failoverThreshold: z.strictObject({ percentage: percentage.refine((p) => Number(p) > 0, 'must be greater than 0') }).optional(),
        })
        .optional(),
    })
    .optional(),
  loadBalancer: z
    .strictObject({
      type: z.enum(LB_TYPES, { error: `must be one of: ${LB_TYPES.join(', ')}` }),
      roundRobin: z.strictObject({}).optional(),
      random: z.strictObject({}).optional(),
      leastRequest: z.strictObject({ choiceCount: uint32.min(2, 'must be at least 2').optional(), activeRequestBias: z.union([z.number().min(0, 'must be at least 0'), z.string().regex(/^\d+(\.\d+)?$/, 'must be a non-negative number')]).optional() }).optional(),
      ringHash: z
        .strictObject({
          hashFunction: z.enum(['XXHash', 'MurmurHash2']).optional(),
          minRingSize: uint32.min(1).max(8_388_608, 'must be at most 8388608').optional(),
          maxRingSize: uint32.min(1).max(8_388_608, 'must be at most 8388608').optional(),
          hashPolicies: hashPolicies.optional(),
        })
        .optional(),
      maglev: z.strictObject({ tableSize: uint32.max(5_000_011, 'must be at most 5000011').optional(), hashPolicies: hashPolicies.optional() }).optional(),
    })
    .optional(),
});

export const meshLoadBalancingStrategySpec = sectionedSpec(meshLoadBalancingStrategyConf, {
  targetRef: ['Mesh', 'MeshSubset', 'MeshService', 'MeshServiceSubset', 'Dataplane'],
  to: ['Mesh', 'MeshService', 'MeshMultiZoneService', 'MeshHTTPRoute'],
}).superRefine((spec, ctx) => {
  // Kuma's validateConf: a route takes hash policies only; root hash policies exclude the load balancer's.
  (spec.to ?? []).forEach((item, i) => {
    const conf = item.default as z.infer<typeof meshLoadBalancingStrategyConf>;
    const at = (...path: string[]) => ['to', i, 'default', ...path];
    if (item.targetRef.kind === 'MeshHTTPRoute') {
      for (const f of ['loadBalancer', 'localityAwareness'] as const) {
        if (conf[f] !== undefined) ctx.addIssue({ code: 'custom', path: at(f), message: 'field is not allowed when targetRef.kind is MeshHTTPRoute, only hashPolicies is supported' });
      }
      return;
    }
    if (conf.hashPolicies && conf.loadBalancer?.ringHash?.hashPolicies) ctx.addIssue({ code: 'custom', path: at('loadBalancer', 'ringHash', 'hashPolicies'), message: 'hashPolicies already specified in the root level' });
    if (conf.hashPolicies && conf.loadBalancer?.maglev?.hashPolicies) ctx.addIssue({ code: 'custom', path: at('loadBalancer', 'maglev', 'hashPolicies'), message: 'hashPolicies already specified in the root level' });
    if (conf.localityAwareness?.crossZone && item.targetRef.kind === 'MeshService' && (item.targetRef.sectionName || Object.keys(item.targetRef.labels ?? {}).length)) {
      ctx.addIssue({ code: 'custom', path: at('localityAwareness', 'crossZone'), message: 'must not be set: MeshService traffic is local' });
    }
  });
});
