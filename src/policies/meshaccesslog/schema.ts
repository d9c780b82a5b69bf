import { z } from 'zod';
import { hostPort } from '../../resources/common.ts';
import { sectionedSpec } from '../core/define-policy.ts';

const format = z
  .strictObject({
    type: z.enum(['Plain', 'Json'], { error: 'must be Plain or Json' }),
    plain: z.string().optional(),
    json: z.array(z.strictObject({ key: z.string().min(1), value: z.string() })).optional(),
    omitEmptyValues: z.boolean().optional(),
  })
  .superRefine((f, ctx) => {
    if (f.type === 'Plain' && f.plain === undefined) ctx.addIssue({ code: 'custom', path: ['plain'], message: 'must be set with type Plain' });
    if (f.type === 'Json' && f.json === undefined) ctx.addIssue({ code: 'custom', path: ['json'], message: 'must be set with type Json' });
  });

const backend = z
  .strictObject({
    file: z.strictObject({ path: z.string().startsWith('/', 'must be an absolute path'), format: format.optional() }).optional(),
    tcp: z.strictObject({ address: hostPort, format: format.optional() }).optional(),
    openTelemetry: z
      .strictObject({
        endpoint: hostPort,
        body: z.unknown().optional(),
        attributes: z.array(z.strictObject({ key: z.string().min(1), value: z.string() })).optional(),
      })
      .optional(),
  })
  .superRefine((b, ctx) => {
    const set = ['file', 'tcp', 'openTelemetry'].filter((k) => (b as Record<string, unknown>)[k] !== undefined);
    if (set.length !== 1) ctx.addIssue({ code: 'custom', path: [], message: 'exactly one of "file", "tcp", "openTelemetry" has to be defined' });
  });

export const meshAccessLogConf = z.strictObject({ backends: z.array(backend).optional() });

export const meshAccessLogSpec = sectionedSpec(meshAccessLogConf, {
  targetRef: ['Mesh', 'MeshSubset', 'MeshService', 'MeshServiceSubset', 'Dataplane', 'MeshHTTPRoute'],
  to: ['Mesh', 'MeshService', 'MeshExternalService', 'MeshMultiZoneService'],
  from: ['Mesh'],
  rules: true,
});
