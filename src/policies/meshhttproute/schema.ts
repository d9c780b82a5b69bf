import { z } from 'zod';
import { headerModifier, port } from '../../resources/common.ts';
import { backendRef } from '../core/backend-ref.ts';
import { DEFAULT_TOP_KINDS } from '../core/define-policy.ts';
import { targetRefSchema } from '../core/target-ref.ts';

export const HTTP_METHODS = ['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE'] as const;

const pathMatch = z
  .strictObject({ type: z.enum(['Exact', 'PathPrefix', 'RegularExpression'], { error: 'must be Exact, PathPrefix or RegularExpression' }), value: z.string() })
  .superRefine((m, ctx) => {
    if (m.type !== 'RegularExpression' && !m.value.startsWith('/')) ctx.addIssue({ code: 'custom', path: ['value'], message: 'must start with "/"' });
    if (m.type === 'PathPrefix' && m.value.length > 1 && m.value.endsWith('/')) ctx.addIssue({ code: 'custom', path: ['value'], message: 'does not need a trailing slash' });
    if (m.type === 'RegularExpression') {
      try {
        new RegExp(m.value);
      } catch {
        ctx.addIssue({ code: 'custom', path: ['value'], message: 'must be a valid regular expression' });
      }
    }
  });

const headerMatch = z.strictObject({
  type: z.enum(['Exact', 'Present', 'RegularExpression', 'Absent', 'Prefix']).optional(),
  name: z.string().min(1, 'cannot be empty'),
  value: z.string().optional(),
});

const queryMatch = z.strictObject({
  type: z.enum(['Exact', 'RegularExpression']),
  name: z.string().min(1, 'cannot be empty'),
  value: z.string(),
});

export const httpMatch = z.strictObject({
  path: pathMatch.optional(),
  method: z.enum(HTTP_METHODS, { error: `must be one of: ${HTTP_METHODS.join(', ')}` }).optional(),
  queryParams: z.array(queryMatch).optional(),
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
    if ((f as Record<string, unknown>)[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `must be set with type ${f.type}` });
  });

export const meshHttpRouteConf = z.strictObject({
  filters: z.array(filter).optional(),
  backendRefs: z.array(backendRef).optional(),
});

const rule = z.strictObject({
  matches: z.array(httpMatch).min(1, 'must have at least one element'),
  default: meshHttpRouteConf,
});

export const meshHttpRouteSpec = z.strictObject({
  targetRef: targetRefSchema(DEFAULT_TOP_KINDS).optional(),
  to: z
    .array(
      z.strictObject({
        targetRef: targetRefSchema(['MeshService', 'MeshMultiZoneService', 'MeshExternalService']),
        // Kuma matches hostnames on MeshGateway listeners only; sidecars have none.
        hostnames: z.array(z.string()).max(0, 'only applies to MeshGateway listeners, which Meshwork does not have').optional(),
        rules: z.array(rule).min(1, 'must have at least one element'),
      }),
    )
    .min(1, 'must have at least one element'),
});

export type MeshHttpRouteSpec = z.infer<typeof meshHttpRouteSpec>;
