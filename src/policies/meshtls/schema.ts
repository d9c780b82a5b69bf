import { z } from 'zod';
import { sectionedSpec } from '../core/define-policy.ts';

export const TLS_VERSIONS = ['TLSAuto', 'TLS10', 'TLS11', 'TLS12', 'TLS13'] as const;
export const TLS_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-RSA-CHACHA20-POLY1305',
] as const;

const version = z.enum(TLS_VERSIONS, { error: `must be one of: ${TLS_VERSIONS.join(', ')}` });

export const meshTlsConf = z.strictObject({
  tlsVersion: z
    .strictObject({ min: version.optional(), max: version.optional() })
    .superRefine((v, ctx) => {
      if (v.min && v.max && v.min !== 'TLSAuto' && v.max !== 'TLSAuto' && TLS_VERSIONS.indexOf(v.min) > TLS_VERSIONS.indexOf(v.max)) {
        ctx.addIssue({ code: 'custom', path: ['min'], message: 'must not be greater than max' });
      }
    })
    .optional(),
  tlsCiphers: z.array(z.enum(TLS_CIPHERS, { error: `must be one of: ${TLS_CIPHERS.join(', ')}` })).optional(),
  mode: z.enum(['Permissive', 'Strict'], { error: 'must be Permissive or Strict' }).optional(),
});

export const meshTlsSpec = sectionedSpec(meshTlsConf, {
  targetRef: ['Mesh', 'MeshSubset', 'MeshService', 'MeshServiceSubset', 'Dataplane'],
  from: ['Mesh'],
  rules: true,
}).superRefine((spec, ctx) => {
  // As Kuma: TLS versions and ciphers are mesh-wide (the top-level targetRef is Mesh).
  if ((spec.targetRef?.kind ?? 'Mesh') === 'Mesh') return;
  for (const section of ['from', 'rules'] as const) {
    (spec[section] ?? []).forEach((item, i) => {
      const conf = item.default as z.infer<typeof meshTlsConf>;
      if (conf.tlsCiphers?.length) ctx.addIssue({ code: 'custom', path: [section, i, 'default', 'tlsCiphers'], message: 'tlsCiphers can only be defined with top level targetRef kind: Mesh' });
      if (conf.tlsVersion) ctx.addIssue({ code: 'custom', path: [section, i, 'default', 'tlsVersion'], message: 'tlsVersion can only be defined with top level targetRef kind: Mesh' });
    });
  }
});
