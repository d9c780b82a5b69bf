import { z } from 'zod';
import { duration, positiveDuration, uint32 } from '../../resources/common.ts';
import { sectionedSpec } from '../core/define-policy.ts';

export const HTTP_RETRY_ON = [
  'All5xx', '5xx', 'GatewayError', 'Reset', 'Retriable4xx', 'ConnectFailure', 'EnvoyRatelimited', 'RefusedStream',
  'Http3PostConnectFailure', 'HttpMethodConnect', 'HttpMethodDelete', 'HttpMethodGet', 'HttpMethodHead',
  'HttpMethodOptions', 'HttpMethodPatch', 'HttpMethodPost', 'HttpMethodPut', 'HttpMethodTrace',
] as const;
export const GRPC_RETRY_ON = ['Canceled', 'DeadlineExceeded', 'Internal', 'ResourceExhausted', 'Unavailable'] as const;

const backOff = z.strictObject({ baseInterval: positiveDuration().optional(), maxInterval: positiveDuration().optional() });
const rateLimitedBackOff = z.strictObject({
  resetHeaders: z.array(z.strictObject({ name: z.string().min(1), format: z.enum(['Seconds', 'UnixTimestamp']) })).optional(),
  maxInterval: positiveDuration().optional(),
});
const headerMatch = z.strictObject({
  type: z.enum(['Exact', 'Prefix', 'RegularExpression', 'Present', 'Absent']).optional(),
  name: z.string().min(1),
  value: z.string().optional(),
});

const httpRetryOn = z.string().refine(
  (v) => (HTTP_RETRY_ON as readonly string[]).includes(v) || /^[1-5]\d\d$/.test(v),
  `must be an HTTP status code or one of: ${HTTP_RETRY_ON.join(', ')}`,
);

export const meshRetryConf = z.strictObject({
  tcp: z.strictObject({ maxConnectAttempt: uint32.min(1, 'must be greater than zero').optional() }).optional(),
  http: z
    .strictObject({
      numRetries: uint32.optional(),
      perTryTimeout: duration().optional(),
      backOff: backOff.optional(),
      rateLimitedBackOff: rateLimitedBackOff.optional(),
      retryOn: z.array(httpRetryOn).optional(),
      retriableResponseHeaders: z.array(headerMatch).optional(),
      retriableRequestHeaders: z.array(headerMatch).optional(),
      hostSelection: z
        .array(
          z.strictObject({
            predicate: z.enum(['OmitPreviousHosts', 'OmitHostsWithTags', 'OmitPreviousPriorities']),
            tags: z.record(z.string(), z.string()).optional(),
            updateFrequency: z.number().int().min(1).optional(),
          }),
        )
        .optional(),
      hostSelectionRetryMaxAttempts: z.number().int().min(0).optional(),
    })
    .optional(),
  grpc: z
    .strictObject({
      numRetries: uint32.optional(),
      perTryTimeout: duration().optional(),
      backOff: backOff.optional(),
      rateLimitedBackOff: rateLimitedBackOff.optional(),
      retryOn: z.array(z.enum(GRPC_RETRY_ON, { error: `must be one of: ${GRPC_RETRY_ON.join(', ')}` })).optional(),
    })
    .optional(),
});

export const meshRetrySpec = sectionedSpec(meshRetryConf, {
  targetRef: ['Mesh', 'MeshSubset', 'MeshService', 'MeshServiceSubset', 'Dataplane', 'MeshHTTPRoute'],
  to: ['Mesh', 'MeshService', 'MeshExternalService', 'MeshMultiZoneService', 'MeshHTTPRoute'],
  routeFields: ['http.*', 'grpc.*'],
});
