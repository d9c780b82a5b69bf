import { z } from 'zod';
import { defineResource } from '../descriptor.ts';

// Insights are written by control planes, never by users: they are read-only in every
// mode. Their schemas fix the fields we write and let newer CPs add fields.

const counters = z.looseObject({
  responsesSent: z.number().int().min(0).optional(),
  responsesAcknowledged: z.number().int().min(0).optional(),
  responsesRejected: z.number().int().min(0).optional(),
});

const discoverySubscription = z.looseObject({
  id: z.string(),
  controlPlaneInstanceId: z.string().optional(),
  connectTime: z.string().optional(),
  disconnectTime: z.string().optional(),
  status: z
    .looseObject({
      lastUpdateTime: z.string().optional(),
      total: counters.optional(),
      cds: counters.optional(),
      eds: counters.optional(),
      lds: counters.optional(),
      rds: counters.optional(),
    })
    .optional(),
  version: z.record(z.string(), z.unknown()).optional(),
  generation: z.number().int().optional(),
});

export const dataplaneInsightSchema = z.looseObject({
  subscriptions: z.array(discoverySubscription).optional(),
  mTLS: z
    .looseObject({
      certificateExpirationTime: z.string().optional(),
      lastCertificateRegeneration: z.string().optional(),
      certificateRegenerations: z.number().int().optional(),
      issuedBackend: z.string().optional(),
      supportedBackends: z.array(z.string()).optional(),
    })
    .optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

const kdsSubscription = z.looseObject({
  id: z.string(),
  globalInstanceId: z.string().optional(),
  zoneInstanceId: z.string().optional(),
  connectTime: z.string().optional(),
  disconnectTime: z.string().optional(),
  status: z
    .looseObject({
      lastUpdateTime: z.string().optional(),
      total: counters.optional(),
      stat: z.record(z.string(), counters).optional(),
    })
    .optional(),
  config: z.string().optional(),
  version: z.record(z.string(), z.unknown()).optional(),
  authenticationType: z.string().optional(),
});

export const zoneInsightSchema = z.looseObject({
  subscriptions: z.array(kdsSubscription).optional(),
  healthCheck: z.looseObject({ time: z.string().optional() }).optional(),
});

const readOnlyEverywhere = { global: true, federatedZone: true, standalone: true };

export const DataplaneInsightType = defineResource({
  name: 'DataplaneInsight',
  scope: 'mesh',
  schema: dataplaneInsightSchema,
  inlineSpec: true,
  collection: 'dataplane-insights',
  cli: { singular: 'dataplane-insight', plural: 'dataplane-insights' },
  kds: 'up',
  readOnly: readOnlyEverywhere,
});

export const ZoneInsightType = defineResource({
  name: 'ZoneInsight',
  scope: 'global',
  schema: zoneInsightSchema,
  inlineSpec: true,
  collection: 'zone-insights',
  cli: { singular: 'zone-insight', plural: 'zone-insights' },
  kds: 'none',
  readOnly: readOnlyEverywhere,
});

export const ZoneIngressInsightType = defineResource({
  name: 'ZoneIngressInsight',
  scope: 'global',
  schema: dataplaneInsightSchema,
  inlineSpec: true,
  collection: 'zone-ingress-insights',
  cli: { singular: 'zone-ingress-insight', plural: 'zone-ingress-insights' },
  kds: 'up',
  readOnly: readOnlyEverywhere,
});

interface SubscriptionLike {
  connectTime?: string;
  disconnectTime?: string;
}

/** Online = some subscription is connected (has no disconnect time), as Kuma decides it. */
export function isOnline(insight: unknown): boolean {
  const subs = (insight as { subscriptions?: SubscriptionLike[] } | undefined)?.subscriptions ?? [];
  return subs.some((s) => s.connectTime !== undefined && s.disconnectTime === undefined);
}

/** Responses counted per subscription and type in ZoneInsight and DataplaneInsight. */
export interface ResponseCounters {
  responsesSent: number;
  responsesAcknowledged: number;
  responsesRejected: number;
}

export type ResponseEvent = 'sent' | 'acked' | 'nacked';

export const zeroCounters = (): ResponseCounters => ({ responsesSent: 0, responsesAcknowledged: 0, responsesRejected: 0 });

export function countResponse(counters: ResponseCounters, event: ResponseEvent): void {
  counters[event === 'sent' ? 'responsesSent' : event === 'acked' ? 'responsesAcknowledged' : 'responsesRejected']++;
}
