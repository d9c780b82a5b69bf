import { z } from 'zod';
import { duration, nameSchema, tagsSchema } from '../common.ts';
import { defineResource } from '../descriptor.ts';

const builtinConf = z.strictObject({
  caCert: z
    .strictObject({
      RSAbits: z.number().int().refine((n) => n === 2048 || n === 3072 || n === 4096, 'must be 2048, 3072 or 4096').optional(),
      expiration: duration({ extended: true }).optional(),
    })
    .optional(),
});

const providedConf = z.strictObject({
  cert: z.strictObject({ secret: nameSchema }),
  key: z.strictObject({ secret: nameSchema }),
});

const backend = z
  .strictObject({
    name: nameSchema,
    type: z.enum(['builtin', 'provided'], { error: 'must be "builtin" or "provided"' }),
    mode: z.enum(['STRICT', 'PERMISSIVE'], { error: 'must be STRICT or PERMISSIVE' }).optional(),
    dpCert: z
      .strictObject({
        rotation: z.strictObject({ expiration: duration({ extended: true }).optional() }).optional(),
        requestTimeout: duration().optional(),
      })
      .optional(),
    conf: z.record(z.string(), z.unknown()).optional(),
    rootChain: z.strictObject({ requestTimeout: duration().optional() }).optional(),
  })
  .superRefine((b, ctx) => {
    if (b.conf === undefined) return;
    const schema = b.type === 'builtin' ? builtinConf : providedConf;
    const r = schema.safeParse(b.conf);
    if (!r.success) {
      for (const issue of r.error.issues) {
        if (issue.code === 'unrecognized_keys') {
          for (const key of issue.keys) ctx.addIssue({ code: 'custom', path: ['conf', ...issue.path, key], message: 'unknown field' });
        } else {
          ctx.addIssue({ code: 'custom', path: ['conf', ...issue.path], message: issue.message });
        }
      }
    }
  });

export const meshSpecSchema = z
  .strictObject({
    mtls: z
      .strictObject({
        enabledBackend: z.string().optional(),
        backends: z.array(backend).optional(),
        skipValidation: z.boolean().optional(),
      })
      .optional(),
    networking: z.strictObject({ outbound: z.strictObject({ passthrough: z.boolean().optional() }).optional() }).optional(),
    routing: z
      .strictObject({
        localityAwareLoadBalancing: z.boolean().optional(),
        zoneEgress: z.boolean().optional(),
        defaultForbidMeshExternalServiceAccess: z.boolean().optional(),
      })
      .optional(),
    constraints: z
      .strictObject({
        dataplaneProxy: z
          .strictObject({
            requirements: z.array(z.strictObject({ tags: tagsSchema })).optional(),
            restrictions: z.array(z.strictObject({ tags: tagsSchema })).optional(),
          })
          .optional(),
      })
      .optional(),
    skipCreatingInitialPolicies: z.array(z.string()).optional(),
    meshServices: z.strictObject({ mode: z.enum(['Disabled', 'Everywhere', 'ReachableBackends', 'Exclusive']).optional() }).optional(),
  })
  .superRefine((spec, ctx) => {
    const backends = spec.mtls?.backends ?? [];
    const seen = new Set<string>();
    backends.forEach((b, i) => {
      if (seen.has(b.name)) ctx.addIssue({ code: 'custom', path: ['mtls', 'backends', i, 'name'], message: `duplicate backend name "${b.name}"` });
      seen.add(b.name);
    });
    const enabled = spec.mtls?.enabledBackend;
    if (enabled && !seen.has(enabled)) {
      ctx.addIssue({ code: 'custom', path: ['mtls', 'enabledBackend'], message: `has to be set to one of the backends in the mesh` });
    }
  });

export type MeshSpec = z.infer<typeof meshSpecSchema>;

export const MeshType = defineResource({
  name: 'Mesh',
  shortName: 'm',
  scope: 'global',
  schema: meshSpecSchema,
  inlineSpec: true,
  collection: 'meshes',
  kds: 'down',
  readOnly: { federatedZone: true },
  columns: [
    {
      header: 'mTLS',
      value: (r) => {
        const mtls = (r.spec as MeshSpec).mtls;
        if (!mtls?.enabledBackend) return 'off';
        const b = mtls.backends?.find((x) => x.name === mtls.enabledBackend);
        return `${b?.type ?? '?'}/${mtls.enabledBackend}`;
      },
    },
  ],
});
