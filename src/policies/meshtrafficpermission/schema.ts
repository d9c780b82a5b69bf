import { z } from 'zod';
import { sectionedSpec } from '../core/define-policy.ts';

export const ACTIONS = ['Allow', 'Deny', 'AllowWithShadowDeny'] as const;

const spiffeMatch = z.strictObject({
  spiffeID: z.strictObject({ type: z.enum(['Exact', 'Prefix'], { error: 'must be Exact or Prefix' }), value: z.string().min(1, 'cannot be empty') }),
});

/** `from[].default`: an action for the selected sources. */
export const fromConf = z.strictObject({
  action: z.enum(ACTIONS, { error: `must be one of: ${ACTIONS.join(', ')}` }).optional(),
});

/** `rules[].default`: identity-based allow/deny lists (Kuma 2.12+). */
export const rulesConf = z.strictObject({
  allow: z.array(spiffeMatch).optional(),
  deny: z.array(spiffeMatch).optional(),
  allowWithShadowDeny: z.array(spiffeMatch).optional(),
});

export const meshTrafficPermissionSpec = sectionedSpec(fromConf, {
  targetRef: ['Mesh', 'MeshSubset', 'MeshService', 'MeshServiceSubset', 'Dataplane'],
  from: ['Mesh', 'MeshSubset', 'MeshService', 'MeshServiceSubset'],
  rules: true,
  requireSection: true,
  rulesConf,
});
