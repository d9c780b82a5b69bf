import { z } from 'zod';
import { tagsSchema } from '../../resources/common.ts';

// targetRef: which proxies a policy selects (top level) or which peers a section is about
// (`to`, `from`). Each section of each policy allows its own set of kinds; a kind outside
// that set is reported on `…targetRef.kind` with the allowed list.

export const TARGET_REF_KINDS = [
  'Mesh',
  'MeshSubset',
  'MeshService',
  'MeshServiceSubset',
  'Dataplane',
  'MeshHTTPRoute',
  'MeshExternalService',
  'MeshMultiZoneService',
  'MeshGateway',
] as const;

export type TargetRefKind = (typeof TARGET_REF_KINDS)[number];

export interface TargetRef {
  kind: TargetRefKind;
  name?: string;
  namespace?: string;
  mesh?: string;
  tags?: Record<string, string>;
  labels?: Record<string, string>;
  sectionName?: string;
  proxyTypes?: ('Sidecar' | 'Gateway')[];
}

const NAMED_KINDS: readonly string[] = ['MeshService', 'MeshHTTPRoute', 'MeshExternalService', 'MeshMultiZoneService', 'MeshGateway', 'Dataplane'];

export function targetRefSchema(allowed: readonly TargetRefKind[]) {
  return z
    .strictObject({
      kind: z.string({ error: 'must be set' }).superRefine((kind, ctx) => {
        if ((allowed as readonly string[]).includes(kind)) return;
        const known = (TARGET_REF_KINDS as readonly string[]).includes(kind);
        ctx.addIssue({
          code: 'custom',
          message: `${known ? 'value is not supported in this section' : 'unknown kind'}: "${kind}"; allowed kinds: ${allowed.join(', ')}`,
        });
      }),
      name: z.string().min(1, 'cannot be empty').optional(),
      namespace: z.string().optional(),
      mesh: z.string().optional(),
      tags: tagsSchema.optional(),
      labels: tagsSchema.optional(),
      sectionName: z.string().optional(),
      proxyTypes: z.array(z.enum(['Sidecar', 'Gateway'])).optional(),
    })
    .superRefine((ref, ctx) => {
      // A kind outside the allowed set is already reported; its per-kind rules would be noise.
      if (!(allowed as readonly string[]).includes(ref.kind)) return;
      const issue = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: [field], message });
      // Kuma 2.10's per-inbound targeting: the name or port of one of the Dataplane's inbounds.
      if (ref.sectionName !== undefined && ref.kind !== 'Dataplane') issue('sectionName', `must not be set with kind ${ref.kind}: it names an inbound of a Dataplane`);
      if (ref.kind === 'Mesh' || ref.kind === 'MeshSubset') {
        if (ref.name !== undefined) issue('name', `must not be set with kind ${ref.kind}`);
      }
      if (ref.kind === 'Mesh' && ref.tags !== undefined) issue('tags', 'must not be set with kind Mesh');
      if (ref.kind === 'MeshSubset' && ref.tags === undefined) issue('tags', 'must be set with kind MeshSubset');
      if (NAMED_KINDS.includes(ref.kind)) {
        if (ref.name === undefined && ref.labels === undefined) issue('name', `must be set with kind ${ref.kind}`);
        if (ref.tags !== undefined) issue('tags', `must not be set with kind ${ref.kind}`);
      }
      if (ref.kind === 'MeshServiceSubset') {
        if (ref.name === undefined) issue('name', 'must be set with kind MeshServiceSubset');
        if (ref.tags === undefined) issue('tags', 'must be set with kind MeshServiceSubset');
      }
    }) as unknown as z.ZodType<TargetRef>;
}
