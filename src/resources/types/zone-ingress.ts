import { z } from 'zod';
import { address, port, tagsSchema } from '../common.ts';
import { defineResource } from '../descriptor.ts';

export const zoneIngressSpecSchema = z.strictObject({
  /** Zone the ingress belongs to; set by the zone CP (global overwrites it with the stream's zone). */
  zone: z.string().optional(),
  networking: z.strictObject({
    address,
    port,
    advertisedAddress: address.optional(),
    advertisedPort: port.optional(),
    admin: z.strictObject({ port: port.optional() }).optional(),
  }),
  availableServices: z
    .array(
      z.strictObject({
        tags: tagsSchema,
        instances: z.number().int().min(0).optional(),
        mesh: z.string().optional(),
        externalService: z.boolean().optional(),
      }),
    )
    .optional(),
});

export type ZoneIngressSpec = z.infer<typeof zoneIngressSpecSchema>;

export const ZoneIngressType = defineResource({
  name: 'ZoneIngress',
  shortName: 'zi',
  scope: 'global',
  schema: zoneIngressSpecSchema,
  inlineSpec: true,
  collection: 'zoneingresses',
  aliases: ['zone-ingresses'],
  cli: { singular: 'zone-ingress', plural: 'zone-ingresses' },
  kds: 'up',
  readOnly: { global: true },
  insightType: 'ZoneIngressInsight',
  columns: [
    { header: 'ZONE', value: (r) => (r.spec as ZoneIngressSpec).zone ?? '' },
    { header: 'SERVICES', value: (r) => String((r.spec as ZoneIngressSpec).availableServices?.length ?? 0) },
  ],
});
