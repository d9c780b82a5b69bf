import { z } from 'zod';
import { tagsSchema } from '../../resources/common.ts';
import { TARGET_REF_KINDS, type TargetRef, type TargetRefKind } from '../../xds/model/target-ref.ts';

// targetRef: which proxies a policy selects (top level) or which peers a section is about
// (`to`, `from`). Each section of each policy allows its own set of kinds; a kind outside
// that set is reported on `…targetRef.kind` with the allowed list.

export { TARGET_REF_KINDS, type TargetRef, type TargetRefKind } from '../../xds/model/target-ref.ts';

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
      // Per kind, Kuma's rules (mesh.ValidateTargetRef), with its paths and messages.
      if (!(allowed as readonly string[]).includes(ref.kind)) return;
      const issue = (field: string | undefined, message: string) => ctx.addIssue({ code: 'custom', path: field === undefined ? [] : [field], message });
      const set = (v: unknown) => v !== undefined && v !== '' && !(typeof v === 'object' && v !== null && Object.keys(v).length === 0);
      const disallow = (...fields: (keyof TargetRef)[]) => {
        for (const f of fields) if (set(ref[f])) issue(f, `must not be set with kind ${ref.kind}`);
      };
      const nameOrLabels = (namespaceToo: boolean) => {
        if (!set(ref.labels) && !set(ref.name)) issue(undefined, `name or labels must be set when kind is ${ref.kind}`);
        if (set(ref.labels) && (set(ref.name) || (namespaceToo && set(ref.namespace)))) issue('labels', namespaceToo ? 'either labels or name and namespace must be specified' : 'either labels or name must be specified');
      };
      const proxyTypes = () => {
        if (ref.proxyTypes !== undefined && ref.proxyTypes.length === 0) issue('proxyTypes', 'must be undefined or have at least one element');
      };
      const validName = () => {
        if (ref.name !== undefined && !/^[0-9a-z.\-_]*$/.test(ref.name)) issue('name', "invalid characters: must consist of lower case alphanumeric characters, '-', '.' and '_'.");
      };
      switch (ref.kind) {
        case 'Mesh':
          if (set(ref.name)) issue('name', 'using name with kind Mesh is not yet supported');
          disallow('mesh', 'tags', 'labels', 'namespace', 'sectionName');
          proxyTypes();
          break;
        case 'Dataplane':
          // Without a name or labels: every Dataplane. sectionName: checked by the policy (inbound policies only).
          disallow('tags', 'mesh', 'proxyTypes');
          if (set(ref.labels) && (set(ref.name) || set(ref.namespace))) issue('labels', 'either labels or name and namespace must be specified');
          break;
        case 'MeshSubset':
          disallow('name', 'mesh', 'labels', 'namespace', 'sectionName');
          proxyTypes();
          break;
        case 'MeshService':
          // sectionName: one port of the MeshService.
          validName();
          disallow('mesh', 'tags', 'proxyTypes');
          nameOrLabels(true);
          break;
        case 'MeshHTTPRoute':
          validName();
          disallow('mesh', 'tags', 'proxyTypes', 'sectionName');
          nameOrLabels(true);
          break;
        case 'MeshServiceSubset':
        case 'MeshGateway':
          validName();
          if (!set(ref.name)) issue('name', `must be set when kind is ${ref.kind}`);
          disallow('mesh', 'proxyTypes', 'labels', 'namespace', 'sectionName');
          break;
        case 'MeshExternalService':
          validName();
          disallow('mesh', 'tags', 'proxyTypes', 'sectionName');
          nameOrLabels(false);
          break;
        case 'MeshMultiZoneService':
          // Kuma checks nothing more for this kind.
          break;
      }
    }) as unknown as z.ZodType<TargetRef>;
}
