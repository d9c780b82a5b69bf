import { z } from 'zod';
import { addIssues, ipsOverlap, kumaAddressIssues, kumaPort, kumaTagIssues, kumaTagMap, type FieldIssue } from '../common.ts';
import { defineResource } from '../descriptor.ts';

/** Envoy's admin listens on the loopback (Kuma's core_meta.LoopbackIPv4). */
const ADMIN_ADDRESS = '127.0.0.1';

export const zoneIngressSpecSchema = z
  .strictObject({
    /** Zone the ingress belongs to; set by the zone CP (global overwrites it with the stream's zone). */
    zone: z.string().optional(),
    networking: z.strictObject({
      // Required here (Kuma allows it empty): the ingress listens on it.
      address: z.string({ error: "address can't be empty" }),
      port: kumaPort,
      advertisedAddress: z.string().optional(),
      advertisedPort: kumaPort.optional(),
      admin: z.strictObject({ port: kumaPort.optional() }).optional(),
    }),
    availableServices: z
      .array(
        z.strictObject({
          tags: kumaTagMap,
          instances: z.number().int().min(0).optional(),
          mesh: z.string().optional(),
          externalService: z.boolean().optional(),
        }),
      )
      .optional(),
  })
  .superRefine((spec, ctx) => {
    const n = spec.networking;
    const issues: FieldIssue[] = [];
    // Kuma's UsesInboundInterface: the admin port may equal the port on another interface.
    const adminPort = n.admin?.port;
    if (adminPort !== undefined && ((adminPort === n.port && ipsOverlap(ADMIN_ADDRESS, n.address)) || (adminPort === n.advertisedPort && n.advertisedAddress !== undefined && ipsOverlap(ADMIN_ADDRESS, n.advertisedAddress)))) {
      issues.push({ path: ['networking', 'admin', 'port'], message: 'must differ from port' });
    }
    if (!n.advertisedAddress && n.advertisedPort !== undefined) issues.push({ path: ['networking', 'advertisedAddress'], message: 'has to be defined with advertisedPort' });
    if (n.advertisedPort === undefined && n.advertisedAddress) issues.push({ path: ['networking', 'advertisedPort'], message: 'has to be defined with advertisedAddress' });
    // Kuma names networking.address.address and availableService[i], fields no document has;
    // Meshwork names the real ones.
    for (const message of kumaAddressIssues(n.address)) issues.push({ path: ['networking', 'address'], message });
    if (n.advertisedAddress) for (const message of kumaAddressIssues(n.advertisedAddress)) issues.push({ path: ['networking', 'advertisedAddress'], message });
    (spec.availableServices ?? []).forEach((svc, i) => {
      for (const issue of kumaTagIssues(svc.tags, { requireService: true })) issues.push({ path: ['availableServices', i, 'tags', ...issue.path], message: issue.message });
    });
    addIssues(ctx, issues);
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
