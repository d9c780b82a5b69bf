import { z } from 'zod';
import { backendRef } from '../core/backend-ref.ts';
import { DEFAULT_TOP_KINDS } from '../core/define-policy.ts';
import { targetRefSchema } from '../core/target-ref.ts';

export const meshTcpRouteConf = z.strictObject({
  backendRefs: z.array(backendRef).min(1, 'must have at least one element'),
});

export const meshTcpRouteSpec = z.strictObject({
  targetRef: targetRefSchema(DEFAULT_TOP_KINDS).optional(),
  to: z
    .array(
      z.strictObject({
        targetRef: targetRefSchema(['MeshService', 'MeshMultiZoneService', 'MeshExternalService']),
        // Without rules (Kuma accepts it), the destination keeps its default route.
        rules: z.array(z.strictObject({ default: meshTcpRouteConf })).max(1, 'must have at most one element').optional(),
      }),
    )
    .optional(),
});

export type MeshTcpRouteSpec = z.infer<typeof meshTcpRouteSpec>;
