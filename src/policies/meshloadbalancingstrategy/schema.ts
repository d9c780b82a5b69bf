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
    cookie: z.strictObject({ name: z.string().min(1), ttl: duration().optional(), path: z.string().optional() }).optional(),
    connection: z.strictObject({ sourceIP: z.boolean().optional() }).optional(),
    queryParameter: z.strictObject({ name: z.string().min(1) }).optional(),
    filterState: z.strictObject({ key: z.string().min(1) }).optional(),
  })
  .superRefine((h, ctx) => {
    const required: Record<string, string> = { Header: 'header', Cookie: 'cookie', QueryParameter: 'queryParameter', FilterState: 'filterState' };
    const key = required[h.type];
    if (key && (h as Record<string, unknown>)[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `must be set with type ${h.type}` });
  });

const zones = z.array(z.string().min(1));

export const meshLoadBalancingStrategyConf = z.strictObject({
  localityAwareness: z
    .strictObject({
      disabled: z.boolean().optional(),
      localZone: z.strictObject({ affinityTags: z.array(z.strictObject({ key: z.string().min(1), weight: uint32.optional() })).optional() }).optional(),
      crossZone: z
        .strictObject({
          failover: z
            .array(
              z.strictObject({
                from: z.strictObject({ zones }).optional(),
                to: z
                  .strictObject({ type: z.enum(['None', 'Only', 'Any', 'AnyExcept'], { error: 'must be one of: None, Only, Any, AnyExcept' }), zones: zones.optional() })
                  .superRefine((t, ctx) => {
                    if ((t.type === 'Only' || t.type === 'AnyExcept') && !t.zones?.length) ctx.addIssue({ code: 'custom', path: ['zones'], message: `must be set with type ${t.type}` });
                  }),
              }),
            )
            .optional(),
          failoverThreshold: z.strictObject({ percentage }).optional(),
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
          hashPolicies: z.array(hashPolicy).optional(),
        })
        .optional(),
      maglev: z.strictObject({ tableSize: uint32.max(5_000_011, 'must be at most 5000011').optional(), hashPolicies: z.array(hashPolicy).optional() }).optional(),
    })
    .optional(),
});

export const meshLoadBalancingStrategySpec = sectionedSpec(meshLoadBalancingStrategyConf, {
  targetRef: ['Mesh', 'MeshSubset', 'MeshService', 'MeshServiceSubset', 'Dataplane'],
  to: ['Mesh', 'MeshService', 'MeshMultiZoneService'],
});
