import { z } from 'zod';
import { checkEndpointOrBackendRef, otelBackendRefSchema } from '../core/otel-backend.ts';
import { duration, port } from '../../resources/common.ts';
import { topLevelSpec } from '../core/define-policy.ts';

const selector = z
  .strictObject({ type: z.enum(['Regex', 'Prefix', 'Exact', 'Contains'], { error: 'must be one of: Regex, Prefix, Exact, Contains' }), match: z.string().min(1) })
  .superRefine((s, ctx) => {
    if (s.type !== 'Regex') return;
    try {
      new RegExp(s.match);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['match'], message: `must be a valid regular expression: ${(err as Error).message}` });
    }
  });

const backend = z
  .strictObject({
    type: z.enum(['Prometheus', 'OpenTelemetry'], { error: 'must be Prometheus or OpenTelemetry' }),
    prometheus: z
      .strictObject({
        clientId: z.string().optional(),
        port: port.optional(),
        path: z.string().startsWith('/', 'must start with "/"').optional(),
        tls: z.strictObject({ mode: z.enum(['Disabled', 'ProvidedTLS', 'ActiveMTLSBackend']) }).optional(),
      })
      .optional(),
    openTelemetry: z
      .strictObject({
        // HOST:PORT (Kuma 2.14 refuses URLs here), or a MeshOpenTelemetryBackend.
        endpoint: z.string().optional(),
        backendRef: otelBackendRefSchema.optional(),
        refreshInterval: duration({ min: '100ms' }).optional(),
      })
      .superRefine((o, ctx) => {
        checkEndpointOrBackendRef(o, ctx);
        if (o.endpoint && !/[/?#]/.test(o.endpoint) && !/^([^:]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}$/.test(o.endpoint)) ctx.addIssue({ code: 'custom', path: ['endpoint'], message: 'must be HOST:PORT' });
      })
      .optional(),
  })
  .superRefine((b, ctx) => {
    const key = b.type === 'Prometheus' ? 'prometheus' : 'openTelemetry';
    if (b.type === 'OpenTelemetry' && b.openTelemetry === undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'must be defined' });
    if (b.type === 'Prometheus' && b.prometheus === undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'must be defined' });
  });

export const meshMetricConf = z.strictObject({
  sidecar: z
    .strictObject({
      regex: z.string().optional(),
      includeUnused: z.boolean().optional(),
      profiles: z
        .strictObject({
          appendProfiles: z.array(z.strictObject({ name: z.enum(['All', 'Basic', 'None']) })).optional(),
          exclude: z.array(selector).optional(),
          include: z.array(selector).optional(),
        })
        .optional(),
    })
    .optional(),
  applications: z
    .array(z.strictObject({ name: z.string().optional(), path: z.string().optional(), port, address: z.string().optional() }))
    .optional(),
  backends: z.array(backend).optional(),
}).superRefine((conf, ctx) => {
  // Several Prometheus backends are several listeners: each needs its own port.
  const seen = new Map<number, number>();
  (conf.backends ?? []).forEach((b, i) => {
    if (b.type !== 'Prometheus') return;
    const port = b.prometheus?.port ?? 5670;
    if (seen.has(port)) ctx.addIssue({ code: 'custom', path: ['backends', i, 'prometheus', 'port'], message: `${port} is already the port of backends[${seen.get(port)}]` });
    else seen.set(port, i);
  });
});

export const meshMetricSpec = topLevelSpec(meshMetricConf, ['Mesh', 'MeshSubset', 'MeshService', 'MeshServiceSubset', 'Dataplane']);
