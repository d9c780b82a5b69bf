import { isIP } from 'node:net';
import { z } from 'zod';
import { headerModifier, KUMA_IDENTIFIER_RE, port } from '../../resources/common.ts';
import { backendRef } from '../core/backend-ref.ts';
import { DEFAULT_TOP_KINDS } from '../core/define-policy.ts';
import { targetRefSchema } from '../core/target-ref.ts';

// Kuma's validatePreciseHostname: a DNS name (RFC 1123 subdomain, lower case), not an IP.
function preciseHostnameIssues(h: string): string[] {
  if (isIP(h)) return ['cannot be an IP address'];
  if (h.length > 253) return ['must be no more than 253 characters'];
  if (!KUMA_IDENTIFIER_RE.test(h)) return ["a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"];
  return [];
}

export const HTTP_METHODS = ['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE'] as const;

const pathMatch = z
  .strictObject({ type: z.enum(['Exact', 'PathPrefix', 'RegularExpression'], { error: 'must be Exact, PathPrefix or RegularExpression' }), value: z.string() })
  .superRefine((m, ctx) => {
    if (m.type !== 'RegularExpression' && !m.value.startsWith('/')) ctx.addIssue({ code: 'custom', path: ['value'], message: 'must be an absolute path' });
    if (m.type === 'PathPrefix' && m.value.length > 1 && m.value.endsWith('/')) ctx.addIssue({ code: 'custom', path: ['value'], message: 'does not need a trailing slash because only a `/`-separated prefix or an entire path is matched' });
    if (m.type === 'RegularExpression') {
      try {
        new RegExp(m.value);
      } catch {
        ctx.addIssue({ code: 'custom', path: ['value'], message: 'must be a valid regular expression' });
      }
    }
  });

const headerMatch = z
  .strictObject({
    type: z.enum(['Exact', 'Present', 'RegularExpression', 'Absent', 'Prefix']).optional(),
    name: z.string().min(1, 'cannot be empty'),
    value: z.string().optional(),
  })
  .superRefine((h, ctx) => {
    if ((h.type === 'Present' || h.type === 'Absent') && h.value) ctx.addIssue({ code: 'custom', path: ['value'], message: 'must not be defined' });
  });

const queryMatch = z.strictObject({
  type: z.enum(['Exact', 'RegularExpression']),
  name: z.string().min(1, 'cannot be empty'),
  value: z.string(),
});

export const httpMatch = z.strictObject({
  path: pathMatch.optional(),
  method: z.enum(HTTP_METHODS, { error: `must be one of: ${HTTP_METHODS.join(', ')}` }).optional(),
  queryParams: z
    .array(queryMatch)
    .superRefine((qs, ctx) => {
      const seen = new Set<string>();
      qs.forEach((q, i) => {
        if (seen.has(q.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `multiple entries for name ${q.name}` });
        seen.add(q.name);
      });
    })
    .optional(),
  headers: z.array(headerMatch).optional(),
});

const filter = z
  .strictObject({
    type: z.enum(['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect', 'URLRewrite', 'RequestMirror'], {
      error: 'must be one of: RequestHeaderModifier, ResponseHeaderModifier, RequestRedirect, URLRewrite, RequestMirror',
    }),
    requestHeaderModifier: headerModifier.optional(),
    responseHeaderModifier: headerModifier.optional(),
    requestRedirect: z
      .strictObject({
        scheme: z.enum(['http', 'https']).optional(),
        hostname: z.string().optional(),
        path: z.strictObject({ type: z.enum(['ReplaceFullPath', 'ReplacePrefixMatch']), replaceFullPath: z.string().optional(), replacePrefixMatch: z.string().optional() }).optional(),
        port: port.optional(),
        statusCode: z.union([z.literal(301), z.literal(302), z.literal(303), z.literal(307), z.literal(308)], { error: 'must be 301, 302, 303, 307 or 308' }).optional(),
      })
      .optional(),
    urlRewrite: z
      .strictObject({
        hostname: z.string().optional(),
        path: z.strictObject({ type: z.enum(['ReplaceFullPath', 'ReplacePrefixMatch']), replaceFullPath: z.string().optional(), replacePrefixMatch: z.string().optional() }).optional(),
        hostToBackendHostname: z.boolean().optional(),
      })
      .optional(),
    requestMirror: z.strictObject({ backendRef, percentage: z.union([z.number(), z.string()]).optional() }).optional(),
  })
  .superRefine((f, ctx) => {
    const field = f.type.charAt(0).toLowerCase() + f.type.slice(1);
    const key = f.type === 'URLRewrite' ? 'urlRewrite' : field;
    if ((f as Record<string, unknown>)[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'must be defined' });
    for (const k of ['requestRedirect', 'urlRewrite'] as const) {
      const hostname = f[k]?.hostname;
      if (hostname !== undefined) for (const message of preciseHostnameIssues(hostname)) ctx.addIssue({ code: 'custom', path: [k, 'hostname'], message });
    }
    // Kuma rewrites the Host to the backend's only on MeshGateway listeners.
    if (f.urlRewrite?.hostToBackendHostname) {
      ctx.addIssue({ code: 'custom', path: ['urlRewrite', 'hostToBackendHostname'], message: 'can only be set with MeshGateway' });
      if (f.urlRewrite.hostname !== undefined) ctx.addIssue({ code: 'custom', path: ['urlRewrite', 'hostToBackendHostname'], message: 'cannot be set together with hostname' });
    }
    if (f.requestMirror && f.requestMirror.backendRef.kind !== 'MeshService' && f.requestMirror.backendRef.kind !== 'MeshServiceSubset') {
      ctx.addIssue({ code: 'custom', path: ['requestMirror', 'backendRef', 'kind'], message: `value '${f.requestMirror.backendRef.kind}' is not supported` });
    }
  });

export const meshHttpRouteConf = z.strictObject({
  filters: z.array(filter).optional(),
  backendRefs: z.array(backendRef).optional(),
});

const rule = z
  .strictObject({
    matches: z.array(httpMatch).min(1, 'must have at least one element'),
    default: meshHttpRouteConf,
  })
  .superRefine((r, ctx) => {
    // A prefix replacement needs a prefix to replace: every match a PathPrefix one.
    const allPrefix = r.matches.every((m) => m.path?.type === 'PathPrefix');
    (r.default.filters ?? []).forEach((f, i) => {
      for (const k of ['requestRedirect', 'urlRewrite'] as const) {
        if (f[k]?.path?.replacePrefixMatch !== undefined && !allPrefix) ctx.addIssue({ code: 'custom', path: ['default', 'filters', i, k, 'path', 'replacePrefixMatch'], message: 'can only appear if all matches match a path prefix' });
      }
    });
  });

export const meshHttpRouteSpec = z.strictObject({
  targetRef: targetRefSchema(DEFAULT_TOP_KINDS).optional(),
  to: z
    .array(
      z.strictObject({
        targetRef: targetRefSchema(['MeshService', 'MeshMultiZoneService', 'MeshExternalService']),
        // Kuma matches hostnames on MeshGateway listeners only; sidecars have none.
        hostnames: z.array(z.string()).max(0, 'must not be defined: hostnames only apply to MeshGateway listeners, which Meshwork does not have').optional(),
        // Without rules (Kuma accepts it), the destination keeps its default route.
        rules: z.array(rule).optional(),
      }),
    )
    // An empty `to` overrides what a less specific route set.
    .optional(),
});

export type MeshHttpRouteSpec = z.infer<typeof meshHttpRouteSpec>;
