import { z } from 'zod';
import { isIp, port } from '../../resources/common.ts';
import { topLevelSpec } from '../core/define-policy.ts';

// Kuma's rules (meshpassthrough/api/v1alpha1/validator.go). Meshwork also takes grpcs (gRPC
// over TLS, matched by server name), which Kuma does not list.
export const PASSTHROUGH_PROTOCOLS = ['tcp', 'tls', 'grpc', 'grpcs', 'http', 'http2', 'mysql'] as const;
/** Protocols whose matches on one port must all use the same protocol (Envoy routes them by Host). */
const L7 = ['grpc', 'http', 'http2'];

const match = z
  .strictObject({
    type: z.enum(['Domain', 'IP', 'CIDR'], { error: 'must be Domain, IP or CIDR' }),
    value: z.string().min(1, 'cannot be empty'),
    port: port.optional(),
    // Kuma's default.
    protocol: z.enum(PASSTHROUGH_PROTOCOLS, { error: `must be one of: ${PASSTHROUGH_PROTOCOLS.join(', ')}` }).optional(),
  })
  .superRefine((m, ctx) => {
    const protocol = m.protocol ?? 'tcp';
    const issue = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: [field], message });
    if (protocol === 'mysql' && m.port === undefined) issue('port', 'port must be defined for Mysql protocol');
    if (m.type === 'IP' && !isIp(m.value)) issue('value', 'provided IP has incorrect value');
    if (m.type === 'CIDR') {
      const [ip, bits] = m.value.split('/');
      if (!ip || !bits || !isIp(ip) || !/^\d{1,3}$/.test(bits)) issue('value', 'provided CIDR has incorrect value');
    }
    if (m.type === 'Domain') {
      if (protocol === 'tcp' || protocol === 'mysql') issue('protocol', `protocol ${protocol} is not supported for a domain`);
      if (/^\*[^.]+/.test(m.value)) issue('value', 'provided DNS has incorrect value, partial wildcard is currently not supported');
      else if (!/^(\*\.)?[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$/.test(m.value)) issue('value', 'provided DNS has incorrect value');
      if (m.port === undefined && m.value.startsWith('*') && L7.includes(protocol)) issue('port', "wildcard domains doesn't work for all ports and layer 7 protocol");
    }
  });

export const meshPassthroughConf = z.strictObject({
  passthroughMode: z.enum(['All', 'Matched', 'None'], { error: 'must be All, Matched or None' }).optional(),
  appendMatch: z
    .array(match)
    .superRefine((matches, ctx) => {
      const protocolOfPort = new Map<number, string>();
      const seen = new Set<string>();
      matches.forEach((m, i) => {
        if (m.port === undefined) return;
        const protocol = m.protocol ?? 'tcp';
        const first = protocolOfPort.get(m.port);
        if (first !== undefined && first !== protocol && L7.includes(protocol)) {
          ctx.addIssue({ code: 'custom', path: [i, 'port'], message: `using the same port in multiple matches requires the same protocol for the following protocols: [${L7.join(' ')}]` });
        } else protocolOfPort.set(m.port, protocol);
        const key = `${m.port}/${protocol}/${m.value}`;
        if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [i, 'value'], message: `value ${m.value} is already defined for this port and protocol` });
        seen.add(key);
      });
    })
    .optional(),
});

export const meshPassthroughSpec = topLevelSpec(meshPassthroughConf, ['Mesh', 'MeshSubset', 'Dataplane']);
