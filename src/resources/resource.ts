// The resource model every layer shares. A Resource is what a store holds; its `version`
// is the store revision of its last write (opaque to callers, compared for equality only).

export interface ResourceKey {
  type: string;
  /** Set for mesh-scoped types, absent for global-scoped ones (Mesh, Zone, …). */
  mesh?: string;
  name: string;
}

export interface ResourceInput extends ResourceKey {
  labels: Record<string, string>;
  spec: unknown;
  /** What the control plane observed (MeshService's VIPs, addresses…): written by its components, never by users. An update without it keeps the stored one. */
  status?: unknown;
}

export interface Resource<S = unknown> extends ResourceKey {
  labels: Record<string, string>;
  spec: S;
  status?: unknown;
  /** RFC 3339 timestamps kept by the store. */
  creationTime: string;
  modificationTime: string;
  /** Opaque version for optimistic concurrency: the revision of the last write. */
  version: string;
}

export function keyOf(r: ResourceKey): ResourceKey {
  return r.mesh === undefined ? { type: r.type, name: r.name } : { type: r.type, mesh: r.mesh, name: r.name };
}

export function describeKey(k: ResourceKey): string {
  return k.mesh === undefined ? `${k.type} "${k.name}"` : `${k.type} "${k.name}" in mesh "${k.mesh}"`;
}
