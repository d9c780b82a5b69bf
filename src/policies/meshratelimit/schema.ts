import { z } from 'zod';
import { duration, headerValues, httpStatus, uint32 } from '../../resources/common.ts';
import { sectionedSpec } from '../core/define-policy.ts';

const rate = z.strictObject({ num: uint32.min(1, 'must be greater than zero'), interval: duration({ min: '50ms' }) });

// Kuma's rules (meshratelimit/api/v1alpha1/validator.go): a default sets `local`, with tcp or
// http, each configuring something.
const atLeastOne = (fields: string[]) => `must have at least one defined: ${fields.join(', ')}`;

export const meshRateLimitConf = z.strictObject({
  local: z
    .strictObject({
      http: z
        .strictObject({
          disabled: z.boolean().optional(),
          requestRate: rate.optional(),
          onRateLimit: z
            .strictObject({
              status: httpStatus.optional(),
              headers: z.strictObject({ add: headerValues.optional(), set: headerValues.optional() }).optional(),
            })
            .optional(),
        })
        .refine((h) => h.disabled !== undefined || h.requestRate !== undefined || h.onRateLimit !== undefined, atLeastOne(['disabled', 'requestRate', 'onRateLimit']))
        .optional(),
      tcp: z
        .strictObject({ disabled: z.boolean().optional(), connectionRate: rate.optional() })
        .refine((t) => t.disabled !== undefined || t.connectionRate !== undefined, atLeastOne(['disabled', 'connectionRate']))
        .optional(),
    })
    .refine((l) => l.http !== undefined || l.tcp !== undefined, atLeastOne(['tcp', 'http']))
    .optional(),
}).superRefine((c, ctx) => {
  if (c.local === undefined) ctx.addIssue({ code: 'custom', path: ['local'], message: 'must be defined' });
});

export const meshRateLimitSpec = sectionedSpec(meshRateLimitConf, {
  targetRef: ['Mesh', 'MeshSubset', 'MeshService', 'MeshServiceSubset', 'Dataplane'],
  to: ['Mesh'],
  from: ['Mesh'],
  rules: true,
}).superRefine((spec, ctx) => {
  // Kuma rate-limits outbound traffic on MeshGateway listeners only; sidecars limit inbounds.
  if (spec.to?.length) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be defined: it only applies to MeshGateway listeners, which Meshwork does not have: use "from" or "rules" to limit what a service receives' });
});
