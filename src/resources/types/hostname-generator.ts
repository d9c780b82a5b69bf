import { z } from 'zod';
import { defineResource } from '../descriptor.ts';
import { evaluateHostnameTemplate } from '../go-template.ts';

// HostnameGenerator (Kuma 2.14): a Go template naming the MeshServices (or external or
// multi-zone services) its selector picks, e.g. `{{ .DisplayName }}.svc.mesh.local`. Global-
// scoped; made on global (synced to zones) or on a zone. Validation is Kuma's, in its order:
// exactly one selector, then a template that parses, renders with stub values and gives a DNS
// name, then an extension with a type.

const labelSelector = z.strictObject({ matchLabels: z.record(z.string(), z.string()).optional() });

/** The values Kuma renders a template with when it validates one. */
const STUB = { Name: 'name', DisplayName: 'displayname', Namespace: 'namespace', Mesh: 'mesh', Zone: 'zone' };

export const hostnameGeneratorSpecSchema = z
  .strictObject({
    selector: z.strictObject({ meshService: labelSelector.optional(), meshExternalService: labelSelector.optional(), meshMultiZoneService: labelSelector.optional() }).optional(),
    template: z.string({ error: (iss) => (iss.input === undefined ? 'must be set' : 'must be a string') }),
    extension: z.strictObject({ type: z.string().optional(), config: z.unknown().optional() }).optional(),
  })
  .superRefine((spec, ctx) => {
    const s = spec.selector ?? {};
    if ([s.meshService, s.meshExternalService, s.meshMultiZoneService].filter((x) => x !== undefined).length !== 1) {
      ctx.addIssue({ code: 'custom', path: ['selector'], message: 'exact one selector (meshService, meshExternalService) must be defined' });
    }
    const issue = templateIssue(spec.template);
    if (issue) ctx.addIssue({ code: 'custom', path: ['template'], message: issue });
    if (spec.extension && !spec.extension.type) ctx.addIssue({ code: 'custom', path: ['extension', 'type'], message: 'must not be empty' });
  });

function templateIssue(template: string): string | undefined {
  if (template === '') return 'must not be empty';
  // The stub's label function answers every key with "label".
  const r = evaluateHostnameTemplate(template, STUB, new Proxy({}, { has: () => true, get: () => 'label' }));
  if ('hostname' in r) return undefined;
  if (r.step === 'parse') return `couldn't parse template: ${r.message}`;
  if (r.step === 'render') return `couldn't render template with stub values: ${r.message}`;
  return `template renders to "${r.rendered}" which is not a valid DNS name: ${r.message}`;
}

export type HostnameGeneratorSpec = z.infer<typeof hostnameGeneratorSpecSchema>;

export const HostnameGeneratorType = defineResource({
  name: 'HostnameGenerator',
  shortName: 'hg',
  scope: 'global',
  schema: hostnameGeneratorSpecSchema,
  inlineSpec: false,
  kds: 'policy',
  columns: [{ header: 'TEMPLATE', value: (r) => (r.spec as HostnameGeneratorSpec).template }],
});
