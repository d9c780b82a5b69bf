import { z } from 'zod';
import { duration, positiveDuration, uint32 } from '../../resources/common.ts';
import { sectionedSpec } from '../core/define-policy.ts';

export const HTTP_RETRY_ON = [
  '5xx', 'GatewayError', 'Reset', 'Retriable4xx', 'ConnectFailure', 'EnvoyRatelimited', 'RefusedStream',
  'Http3PostConnectFailure', 'HttpMethodConnect', 'HttpMethodDelete', 'HttpMethodGet', 'HttpMethodHead',
  'HttpMethodOptions', 'HttpMethodPatch', 'HttpMethodPost', 'HttpMethodPut', 'HttpMethodTrace',
] as const;
export const GRPC_RETRY_ON = ['Canceled', 'DeadlineExceeded', 'Internal', 'ResourceExhausted', 'Unavailable'] as const;

// Kuma's rules (meshretry/api/v1alpha1/validator.go): every section given must configure
// something; a rate-limited back-off names its reset headers; OmitHostsWithTags has tags;
// OmitPreviousPriorities appears once. Kuma reports these under a `default.conf` path that
// no document has; Meshwork names the real field (`default.http.backOff`, …).
const MUST_NOT_BE_EMPTY = 'must not be empty';
const backOff = z
  .strictObject({ baseInterval: positiveDuration().optional(), maxInterval: positiveDuration().optional() })
  .refine((b) => b.baseInterval !== undefined || b.maxInterval !== undefined, MUST_NOT_BE_EMPTY);
const rateLimitedBackOff = z.strictObject({
  resetHeaders: z.array(z.strictObject({ name: z.string().min(1, 'must be defined'), format: z.enum(['Seconds', 'UnixTimestamp']) }), { error: 'must be defined' }),
  maxInterval: positiveDuration().optional(),
});
// Kuma's own examples write the older REGULAR_EXPRESSION/EXACT/PREFIX spellings, which its
// validator lets through; the plugin reads them as their Gateway API names.
export const HEADER_TYPE_ALIASES: Record<string, 'Exact' | 'Prefix' | 'RegularExpression'> = { EXACT: 'Exact', PREFIX: 'Prefix', REGULAR_EXPRESSION: 'RegularExpression' };
const headerMatch = z.strictObject({
  type: z.enum(['Exact', 'Prefix', 'RegularExpression', 'Present', 'Absent', 'EXACT', 'PREFIX', 'REGULAR_EXPRESSION']).optional(),
  name: z.string().min(1),
  value: z.string().optional(),
});

// Status codes may be written as YAML numbers (Kuma's own examples do). Stored as given (no
// transforms: a resource reads back as it was applied); the plugin reads them as strings.
const httpRetryOn = z
  .union([z.string(), z.number().int()], { error: 'must be a string' })
  .refine((v) => (HTTP_RETRY_ON as readonly string[]).includes(String(v)) || /^[1-5]\d\d$/.test(String(v)), { message: `unknown item: must be an HTTP status code or one of: ${HTTP_RETRY_ON.join(', ')}` });

const hostSelection = z
  .array(
    z.strictObject({
      predicate: z.enum(['OmitPreviousHosts', 'OmitHostsWithTags', 'OmitPreviousPriorities']),
      tags: z.record(z.string(), z.string()).optional(),
      updateFrequency: z.number().int().min(1, 'must be defined and greater than zero').optional(),
    }),
  )
  .superRefine((predicates, ctx) => {
    let priorities = false;
    predicates.forEach((p, i) => {
      if (p.predicate === 'OmitHostsWithTags' && p.tags === undefined) ctx.addIssue({ code: 'custom', path: [i, 'tags'], message: 'must be defined' });
      if (p.predicate === 'OmitPreviousPriorities') {
        if (priorities) ctx.addIssue({ code: 'custom', path: [i, 'predicate'], message: 'OmitPreviousPriorities must only be specified once' });
        if (p.updateFrequency === undefined) ctx.addIssue({ code: 'custom', path: [i, 'updateFrequency'], message: 'must be defined and greater than zero' });
        priorities = true;
      }
    });
  });

export const meshRetryConf = z
  .strictObject({
    tcp: z
      .strictObject({ maxConnectAttempt: uint32.min(1, 'has to be greater than 0').optional() })
      .refine((t) => t.maxConnectAttempt !== undefined, MUST_NOT_BE_EMPTY)
      .optional(),
    http: z
      .strictObject({
        numRetries: uint32.optional(),
        perTryTimeout: duration().optional(),
        backOff: backOff.optional(),
        rateLimitedBackOff: rateLimitedBackOff.optional(),
        retryOn: z.array(httpRetryOn).optional(),
        retriableResponseHeaders: z.array(headerMatch).optional(),
        retriableRequestHeaders: z.array(headerMatch).optional(),
        hostSelection: hostSelection.optional(),
        hostSelectionRetryMaxAttempts: z.number().int().min(0).optional(),
      })
      .refine((h) => Object.keys(h).some((k) => k !== 'hostSelectionRetryMaxAttempts'), MUST_NOT_BE_EMPTY)
      .optional(),
    grpc: z
      .strictObject({
        numRetries: uint32.optional(),
        perTryTimeout: duration().optional(),
        backOff: backOff.optional(),
        rateLimitedBackOff: rateLimitedBackOff.optional(),
        retryOn: z.array(z.enum(GRPC_RETRY_ON, { error: `unknown item: must be one of: ${GRPC_RETRY_ON.join(', ')}` })).optional(),
      })
      .refine((g) => Object.keys(g).length > 0, MUST_NOT_BE_EMPTY)
      .optional(),
  })
  .refine((c) => c.tcp !== undefined || c.http !== undefined || c.grpc !== undefined, "at least one of the 'tcp', 'http', 'grpc' must be specified");

export const meshRetrySpec = sectionedSpec(meshRetryConf, {
  targetRef: ['Mesh', 'MeshSubset', 'MeshService', 'MeshServiceSubset', 'Dataplane', 'MeshHTTPRoute'],
  to: ['Mesh', 'MeshService', 'MeshExternalService', 'MeshMultiZoneService', 'MeshHTTPRoute'],
  routeFields: ['http.*', 'grpc.*'],
});
