import { z } from 'zod';
import type { Resource } from '../../resources/resource.ts';
import { DISPLAY_NAME_LABEL } from '../../resources/labels.ts';
import type { MeshOpenTelemetryBackendSpec } from '../../resources/types/mesh-opentelemetry-backend.ts';
import type { ProxyContext } from '../../xds/generate/context.ts';
import { tagsSchema } from '../../resources/common.ts';

// An OpenTelemetry exporter of MeshTrace, MeshMetric and MeshAccessLog: an inline `endpoint`
// (HOST:PORT, gRPC) or, since Kuma 2.14, a `backendRef` to a MeshOpenTelemetryBackend chosen
// by labels (the oldest of those matching). Validation and resolution as Kuma's
// (validators.ValidateOtelBackendRefOrEndpoint, policies/core/xds/otel.go).

export const MOTB_TYPE = 'MeshOpenTelemetryBackend';
const DEFAULT_GRPC_PORT = 4317;

export const otelBackendRefSchema = z
  .strictObject({
    kind: z.string().refine((k) => k === MOTB_TYPE, `kind must be one of: ${MOTB_TYPE}`),
    labels: tagsSchema.optional(),
  })
  .refine((r) => Object.keys(r.labels ?? {}).length > 0, { message: 'backendRef must have exactly one defined: labels' });

export type OtelBackendRef = z.infer<typeof otelBackendRefSchema>;

/** Kuma's endpoint-or-backendRef rule, for the `openTelemetry` object of a policy conf. */
export function checkEndpointOrBackendRef(o: { endpoint?: string | undefined; backendRef?: unknown }, ctx: z.RefinementCtx): void {
  if (o.endpoint && o.backendRef !== undefined) ctx.addIssue({ code: 'custom', path: [], message: 'openTelemetry must have only one type defined: endpoint, backendRef' });
  else if (!o.endpoint && o.backendRef === undefined) ctx.addIssue({ code: 'custom', path: [], message: 'openTelemetry must have exactly one defined: endpoint, backendRef' });
  else if (o.endpoint && /[/?#]/.test(o.endpoint)) ctx.addIssue({ code: 'custom', path: ['endpoint'], message: 'must be in host:port format, not a URL' });
}

export interface ResolvedOtelBackend {
  host: string;
  port: number;
  protocol: 'grpc' | 'http';
  /** OTLP/HTTP base path (the signal's `v1/traces`, … is appended). */
  path?: string;
  /** Names the collector's cluster: the backend's display name, or the inline endpoint. */
  name: string;
}

/** `host:port` (or `[v6]:port`) of an inline endpoint. */
export function splitHostPort(endpoint: string): { host: string; port: number } {
  const sep = endpoint.lastIndexOf(':');
  const host = endpoint.slice(0, sep).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(endpoint.slice(sep + 1)) };
}

const displayName = (r: Resource) => r.labels[DISPLAY_NAME_LABEL] ?? r.name;

/** The MeshOpenTelemetryBackend a ref names in the proxy's mesh: all labels match, the oldest wins. */
export function findOtelBackend(ctx: Pick<ProxyContext, 'policies'>, ref: OtelBackendRef): Resource<MeshOpenTelemetryBackendSpec> | undefined {
  const backends = (ctx.policies?.get(MOTB_TYPE) ?? []) as unknown as Resource<MeshOpenTelemetryBackendSpec>[];
  // Its display name counts as a label, as it does for a synced copy.
  const matching = backends.filter((b) => Object.entries(ref.labels ?? {}).every(([k, v]) => ({ [DISPLAY_NAME_LABEL]: displayName(b), ...b.labels })[k] === v));
  return matching.sort((a, b) => a.creationTime.localeCompare(b.creationTime) || a.name.localeCompare(b.name))[0];
}

/**
 * Where to export: the inline endpoint, or the referenced backend's. Undefined when the ref
 * names no backend (Kuma skips such a backend) or the backend has no address.
 */
export function resolveOtelBackend(ctx: Pick<ProxyContext, 'policies'>, o: { endpoint?: string | undefined; backendRef?: OtelBackendRef | undefined }): ResolvedOtelBackend | undefined {
  if (o.backendRef) {
    const b = findOtelBackend(ctx, o.backendRef);
    const address = b?.spec.endpoint?.address;
    if (!b || !address) return undefined;
    const protocol = b.spec.protocol === 'http' ? 'http' : 'grpc';
    return { host: address, port: b.spec.endpoint?.port ?? DEFAULT_GRPC_PORT, protocol, ...(b.spec.endpoint?.path ? { path: b.spec.endpoint.path } : {}), name: displayName(b) };
  }
  if (!o.endpoint) return undefined;
  return { ...splitHostPort(o.endpoint.replace(/^https?:\/\//, '').replace(/\/$/, '')), protocol: 'grpc', name: o.endpoint };
}

/** The OTLP/HTTP path of a signal (`v1/traces`, `v1/logs`, `v1/metrics`) under the backend's base path. */
export function otlpHttpPath(b: ResolvedOtelBackend, signal: 'traces' | 'logs' | 'metrics'): string {
  return `${(b.path ?? '/').replace(/\/+$/, '')}/v1/${signal}`;
}
