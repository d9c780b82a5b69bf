import { z } from 'zod';
import { KUMA_IDENTIFIER_RE } from '../../resources/common.ts';
import { sectionedSpec } from '../core/define-policy.ts';

export const ACTIONS = ['Allow', 'Deny', 'AllowWithShadowDeny'] as const;

// A caller match of `rules` (Kuma's common Match): its SPIFFE ID, the SNI it sent, or both
// (both must match); an empty match matches every caller, as in Kuma.
const SPIFFE_ID = /^spiffe:\/\/[a-z0-9._-]+(\/[A-Za-z0-9._-]+)*\/?$/;
const match = z.strictObject({
  spiffeID: z
    .strictObject({
      type: z.enum(['Exact', 'Prefix'], { error: 'must be Exact or Prefix' }),
      value: z.string().min(1, 'cannot be empty'),
    })
    .superRefine((id, ctx) => {
      if (id.value && !SPIFFE_ID.test(id.value)) ctx.addIssue({ code: 'custom', path: [], message: 'must be a valid Spiffe ID: spiffe://<trust domain>/<path>' });
    })
    .optional(),
  sni: z
    .strictObject({
      type: z.string({ error: 'must be set' }).refine((t) => t === 'Exact', { message: 'unrecognized type, supported values are: Exact' }),
      value: z.string({ error: 'must be set' }).min(1, 'must be set').refine((v) => v.length <= 253 && KUMA_IDENTIFIER_RE.test(v), { message: 'a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\'' }),
    })
    .optional(),
});

export type CallerMatch = z.infer<typeof match>;

/** `from[].default`: an action for the selected sources. */
export const fromConf = z.strictObject({
  action: z.enum(ACTIONS, { error: `must be one of: ${ACTIONS.join(', ')}` }).optional(),
}).superRefine((c, ctx) => {
  if (c.action === undefined) ctx.addIssue({ code: 'custom', path: ['action'], message: 'must be defined' });
});

/** `rules[].default`: identity-based allow/deny lists (Kuma 2.12+). */
export const rulesConf = z
  .strictObject({
    allow: z.array(match).optional(),
    deny: z.array(match).optional(),
    allowWithShadowDeny: z.array(match).optional(),
  })
  .refine((r) => Boolean(r.allow?.length || r.deny?.length || r.allowWithShadowDeny?.length), "at least one of 'allow', 'allowWithShadowDeny', 'deny' has to be defined");

export const meshTrafficPermissionSpec = sectionedSpec(fromConf, {
  targetRef: ['Mesh', 'MeshSubset', 'MeshService', 'MeshServiceSubset', 'Dataplane'],
  from: ['Mesh', 'MeshSubset', 'MeshService', 'MeshServiceSubset'],
  rules: true,
  requireSection: true,
  rulesConf,
});
