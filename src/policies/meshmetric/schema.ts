import { z } from 'zod';
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
        // Kuma's examples write it as a URL (http://otel-collector:4317) or as HOST:PORT.
        endpoint: z.string().regex(/^(https?:\/\/)?([^:/]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}\/?$/, 'must be HOST:PORT or http(s)://HOST:PORT'),
        refreshInterval: duration({ min: '100ms' }).optional(),
      })
      .optional(),
  })
  .superRefine((b, ctx) => {
    const key = b.type === 'Prometheus' ? 'prometheus' : 'openTelemetry';
    if (b.type === 'OpenTelemetry' && b.openTelemetry === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `must be set with type ${b.type}` });
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
