import { z } from 'zod';
import { isIp, port } from '../../resources/common.ts';
import { topLevelSpec } from '../core/define-policy.ts';

const match = z
  .strictObject({
    type: z.enum(['Domain', 'IP', 'CIDR'], { error: 'must be Domain, IP or CIDR' }),
    value: z.string().min(1, 'cannot be empty'),
    port: port.optional(),
    protocol: z.enum(['tcp', 'tls', 'grpc', 'grpcs', 'http', 'http2'], { error: 'must be one of: tcp, tls, grpc, grpcs, http, http2' }).optional(),
  })
  .superRefine((m, ctx) => {
    if (m.type === 'IP' && !isIp(m.value)) ctx.addIssue({ code: 'custom', path: ['value'], message: 'must be an IP address' });
    if (m.type === 'CIDR') {
      const [ip, bits] = m.value.split('/');
      if (!ip || !bits || !isIp(ip) || !/^\d{1,3}$/.test(bits)) ctx.addIssue({ code: 'custom', path: ['value'], message: 'must be a CIDR like 10.0.0.0/8' });
    }
    if (m.type === 'Domain' && !/^(\*\.)?[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$/.test(m.value)) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'must be a domain, optionally with a leading wildcard (*.example.com)' });
    }
  });

export const meshPassthroughConf = z.strictObject({
  passthroughMode: z.enum(['All', 'Matched', 'None'], { error: 'must be All, Matched or None' }).optional(),
  appendMatch: z.array(match).optional(),
});

export const meshPassthroughSpec = topLevelSpec(meshPassthroughConf, ['Mesh', 'MeshSubset', 'Dataplane']);
