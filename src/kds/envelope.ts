import { createHash } from 'node:crypto';
import type { DeltaResource } from '../xds/delta/messages.ts';

// The KDS wire form of a resource: {"meta":{"name","mesh","labels"},"spec"} as JSON in an
// Any, named "<name>.<mesh>" ("<name>." for global-scoped types), versioned by content hash.

export const KDS_ANY_TYPE_URL = 'type.meshwork.io/kds.Resource+json';

/** Label the receiver keeps with a synced resource: the version it received. */
export const KDS_VERSION_LABEL = 'meshwork.io/kds-version';

export interface Envelope {
  meta: { name: string; mesh?: string; labels: Record<string, string> };
  spec: unknown;
}

export function kdsName(name: string, mesh: string | undefined): string {
  return `${name}.${mesh ?? ''}`;
}

export function encodeEnvelope(env: Envelope): DeltaResource {
  const value = Buffer.from(JSON.stringify(env));
  const version = createHash('sha256').update(value).digest('hex').slice(0, 16);
  return { name: kdsName(env.meta.name, env.meta.mesh), version, resource: { type_url: KDS_ANY_TYPE_URL, value } };
}

/** Decodes a received resource; a malformed one is a reason string (the resource is NACKed). */
export function decodeEnvelope(r: DeltaResource): Envelope | string {
  if (r.resource?.type_url !== KDS_ANY_TYPE_URL) return `unsupported resource encoding "${r.resource?.type_url ?? ''}"`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(r.resource.value).toString('utf8'));
  } catch (err) {
    return `resource is not valid JSON: ${(err as Error).message}`;
  }
  const env = parsed as Partial<Envelope>;
  const meta = env?.meta as Partial<Envelope['meta']> | undefined;
  if (!meta || typeof meta.name !== 'string' || (meta.mesh !== undefined && typeof meta.mesh !== 'string')) return 'meta.name is missing or malformed';
  if (meta.labels !== undefined && (typeof meta.labels !== 'object' || meta.labels === null)) return 'meta.labels must be a map';
  if (env.spec === undefined || env.spec === null || typeof env.spec !== 'object') return 'spec is missing';
  return { meta: { name: meta.name, ...(meta.mesh !== undefined ? { mesh: meta.mesh } : {}), labels: (meta.labels ?? {}) as Record<string, string> }, spec: env.spec };
}
