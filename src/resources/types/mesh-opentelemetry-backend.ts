import { z } from 'zod';
import { isKumaDnsName, isKumaIp } from '../common.ts';
import { defineResource } from '../descriptor.ts';

// MeshOpenTelemetryBackend (Kuma 2.14): an OpenTelemetry collector that MeshTrace, MeshMetric
// and MeshAccessLog name by labels (`openTelemetry.backendRef`) instead of repeating its
// endpoint. Mesh-scoped, created on global or on a zone and synced as policies are. `env`
// (taking the endpoint from a proxy's OTEL_EXPORTER_OTLP_* variables) is validated as Kuma
// validates it; meshwork-dp does not report those variables, so the endpoint given here is
// what proxies use.

export const OTEL_PROTOCOLS = ['grpc', 'http'] as const;
const ENV_MODES = ['Disabled', 'Optional', 'Required'] as const;
const ENV_PRECEDENCES = ['ExplicitFirst', 'EnvFirst'] as const;

const oneOf = (field: string, values: readonly string[]) => `${field} must be one of: ${values.join(', ')}`;

export const meshOpenTelemetryBackendSpecSchema = z
  .strictObject({
    endpoint: z
      .strictObject({
        address: z
          .string()
          .superRefine((a, ctx) => {
            if (a === '') ctx.addIssue({ code: 'custom', message: 'must not be empty' });
            else if (!isKumaIp(a) && !isKumaDnsName(a)) ctx.addIssue({ code: 'custom', message: 'address has to be a valid IP or hostname' });
          })
          .optional(),
        port: z.number().int().min(1, 'port must be in the range [1, 65535]').max(65535, 'port must be in the range [1, 65535]').optional(),
        path: z.string().optional(),
      })
      .optional(),
    protocol: z.string().optional(),
    env: z
      .strictObject({
        mode: z.string().optional(),
        precedence: z.string().optional(),
        allowSignalOverrides: z.boolean().optional(),
      })
      .superRefine((env, ctx) => {
        if (env.mode && !(ENV_MODES as readonly string[]).includes(env.mode)) ctx.addIssue({ code: 'custom', path: ['mode'], message: oneOf('mode', ENV_MODES) });
        if (env.precedence && !(ENV_PRECEDENCES as readonly string[]).includes(env.precedence)) ctx.addIssue({ code: 'custom', path: ['precedence'], message: oneOf('precedence', ENV_PRECEDENCES) });
      })
      .optional(),
  })
  .superRefine((spec, ctx) => {
    const protocol = spec.protocol ?? 'grpc';
    if (protocol !== '' && !(OTEL_PROTOCOLS as readonly string[]).includes(protocol)) ctx.addIssue({ code: 'custom', path: ['protocol'], message: oneOf('protocol', OTEL_PROTOCOLS) });
    const path = spec.endpoint?.path;
    if (path) {
      const at = ['endpoint', 'path'];
      if (protocol === 'grpc' || protocol === '') ctx.addIssue({ code: 'custom', path: at, message: 'must not be set when protocol is grpc' });
      else {
        if (!path.startsWith('/')) ctx.addIssue({ code: 'custom', path: at, message: 'must start with /' });
        if (/[?#]/.test(path)) ctx.addIssue({ code: 'custom', path: at, message: 'must not contain query or fragment' });
      }
    }
  });

export type MeshOpenTelemetryBackendSpec = z.infer<typeof meshOpenTelemetryBackendSpecSchema>;

export const MeshOpenTelemetryBackendType = defineResource({
  name: 'MeshOpenTelemetryBackend',
  shortName: 'motb',
  scope: 'mesh',
  schema: meshOpenTelemetryBackendSpecSchema,
  inlineSpec: false,
  // Synced as policies are: global's down to zones, a zone's own up to global.
  kds: 'policy',
  collection: 'meshopentelemetrybackends',
  columns: [
    {
      header: 'ENDPOINT',
      value: (r) => {
        const s = r.spec as MeshOpenTelemetryBackendSpec;
        return `${s.protocol ?? 'grpc'}://${s.endpoint?.address ?? ''}:${s.endpoint?.port ?? 4317}${s.endpoint?.path ?? ''}`;
      },
    },
  ],
});
