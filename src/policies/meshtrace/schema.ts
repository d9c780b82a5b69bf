import { z } from 'zod';
import { percentage } from '../../resources/common.ts';
import { topLevelSpec } from '../core/define-policy.ts';
import { checkEndpointOrBackendRef, otelBackendRefSchema } from '../core/otel-backend.ts';

// Kuma: the Datadog agent's URL is http://HOST:PORT and nothing more.
const datadogUrl = z.string().superRefine((v, ctx) => {
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return ctx.addIssue({ code: 'custom', message: 'must be a valid url' });
  }
  if (url.protocol !== 'http:') ctx.addIssue({ code: 'custom', message: 'scheme must be http' });
  if (!/:\d+(\/|$)/.test(v.replace(/^[a-z]+:\/\/[^/]*@/, ''))) ctx.addIssue({ code: 'custom', message: 'port must be defined' });
  if (url.pathname !== '/' && url.pathname !== '') ctx.addIssue({ code: 'custom', message: 'path must not be defined' });
  if (url.search) ctx.addIssue({ code: 'custom', message: 'query must not be defined' });
  if (url.hash) ctx.addIssue({ code: 'custom', message: 'fragment must not be defined' });
  if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'user must not be defined' });
});

const backend = z
  .strictObject({
    type: z.enum(['Zipkin', 'Datadog', 'OpenTelemetry'], { error: 'must be one of: Zipkin, Datadog, OpenTelemetry' }).optional(),
    zipkin: z
      .strictObject({
        url: z.url({ error: 'must be a valid URL' }),
        traceId128bit: z.boolean().optional(),
        apiVersion: z.enum(['httpJson', 'httpProto']).optional(),
        sharedSpanContext: z.boolean().optional(),
      })
      .optional(),
    datadog: z.strictObject({ url: datadogUrl, splitService: z.boolean().optional() }).optional(),
    openTelemetry: z
      .strictObject({ endpoint: z.string().optional(), backendRef: otelBackendRefSchema.optional() })
      .superRefine(checkEndpointOrBackendRef)
      .optional(),
  })
  .superRefine((b, ctx) => {
    const set = ['zipkin', 'datadog', 'openTelemetry'].filter((k) => (b as Record<string, unknown>)[k] !== undefined);
    // Kuma: the section of the backend's type must be defined.
    if (b.type && set.length === 0) ctx.addIssue({ code: 'custom', path: [b.type === 'OpenTelemetry' ? 'openTelemetry' : b.type.toLowerCase()], message: 'must be defined' });
    else if (set.length !== 1) ctx.addIssue({ code: 'custom', path: [], message: 'exactly one of "zipkin", "datadog", "openTelemetry" has to be defined' });
    if (b.type && set[0] && set[0].toLowerCase() !== b.type.toLowerCase()) ctx.addIssue({ code: 'custom', path: ['type'], message: `does not match the backend "${set[0]}"` });
  });

export const meshTraceConf = z.strictObject({
  backends: z.array(backend).max(1, 'at most one backend is supported').optional(),
  sampling: z.strictObject({ overall: percentage.optional(), client: percentage.optional(), random: percentage.optional() }).optional(),
  tags: z
    .array(
      z
        .strictObject({
          name: z.string().min(1, 'cannot be empty'),
          literal: z.string().optional(),
          header: z.strictObject({ name: z.string().min(1), default: z.string().optional() }).optional(),
        })
        .superRefine((t, ctx) => {
          if ((t.literal === undefined) === (t.header === undefined)) ctx.addIssue({ code: 'custom', path: [], message: 'exactly one of "literal", "header" has to be defined' });
        }),
    )
    .optional(),
});

export const meshTraceSpec = topLevelSpec(meshTraceConf, ['Mesh', 'MeshSubset', 'MeshService', 'MeshServiceSubset', 'Dataplane']);
