import { z } from 'zod';
import { port, tagsSchema } from '../../resources/common.ts';

/** `backendRefs[]` of MeshHTTPRoute and MeshTCPRoute. */
export const backendRef = z
  .strictObject({
    kind: z.enum(['MeshService', 'MeshServiceSubset', 'MeshExternalService', 'MeshMultiZoneService'], {
      error: 'must be one of: MeshService, MeshServiceSubset, MeshExternalService, MeshMultiZoneService',
    }),
    name: z.string().min(1, 'cannot be empty').optional(),
    namespace: z.string().optional(),
    labels: tagsSchema.optional(),
    tags: tagsSchema.optional(),
    port: port.optional(),
    weight: z.number().int('must be an integer').min(0, 'must not be negative').optional(),
  })
  .superRefine((ref, ctx) => {
    if (ref.name === undefined && ref.labels === undefined) ctx.addIssue({ code: 'custom', path: ['name'], message: 'must be set' });
    if (ref.kind === 'MeshServiceSubset' && ref.tags === undefined) ctx.addIssue({ code: 'custom', path: ['tags'], message: 'must be set with kind MeshServiceSubset' });
    if (ref.kind !== 'MeshServiceSubset' && ref.tags !== undefined) ctx.addIssue({ code: 'custom', path: ['tags'], message: `must not be set with kind ${ref.kind}` });
    // Kuma's ValidateBackendRef: a MeshMultiZoneService has no single port to default to.
    if (ref.kind === 'MeshMultiZoneService' && ref.port === undefined) ctx.addIssue({ code: 'custom', path: ['port'], message: 'must be defined with kind MeshMultiZoneService' });
  });

export type BackendRef = z.infer<typeof backendRef>;
