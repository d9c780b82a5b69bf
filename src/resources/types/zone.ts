import { z } from 'zod';
import { defineResource } from '../descriptor.ts';

export const zoneSpecSchema = z.strictObject({
  enabled: z.boolean().optional(),
});

export type ZoneSpec = z.infer<typeof zoneSpecSchema>;

export const ZoneType = defineResource({
  name: 'Zone',
  shortName: 'z',
  scope: 'global',
  schema: zoneSpecSchema,
  inlineSpec: true,
  kds: 'none',
  insightType: 'ZoneInsight',
  columns: [{ header: 'ENABLED', value: (r) => String((r.spec as ZoneSpec).enabled ?? true) }],
});
