import type { XdsKind } from '../envoy/protos.ts';
import type { MeshServiceDestination, ProxyContext } from './context.ts';

// What a build produces before it is checked and encoded: Envoy resources as JSON, by kind and
// name, each with its origin (what the generator made it for). Generators fill it; policy
// plugins change it and select what to change by origin, never by parsing names.

/** What a resource was generated for. */
export type ResourceOrigin =
  /** An inbound of the dataplane (its listener and the local cluster of its app). */
  | { readonly kind: 'inbound'; readonly address: string; readonly port: number; readonly service?: string; readonly protocol: string; readonly tags: Readonly<Record<string, string>> }
  /**
   * An outbound to a service (its listener, cluster and endpoints). `service` is what policies
   * name the destination by (a kuma.io/service, or a MeshService's display name); `cluster` names
   * its cluster and ClusterLoadAssignment (the service itself for tag outbounds).
   */
  | { readonly kind: 'outbound'; readonly address: string; readonly port: number; readonly service: string; readonly cluster: string; readonly protocol: string; readonly tags: Readonly<Record<string, string>>; readonly meshService?: MeshServiceDestination }
  /** A cluster a route sends to that is not an outbound (MeshHTTPRoute/MeshTCPRoute backendRefs). */
  | { readonly kind: 'route-backend'; readonly service: string }
  /** Transparent proxying's catch-all listener of a direction, its original-destination cluster, the blackhole. */
  | { readonly kind: 'passthrough'; readonly direction: 'INBOUND' | 'OUTBOUND' }
  /** Prometheus metrics: the listener(s) and the admin cluster they read. */
  | { readonly kind: 'prometheus' }
  /** Envoy's admin, served to the control plane. */
  | { readonly kind: 'envoy-admin' }
  /** What Envoy serves meshwork-dp (dynamic configuration, metrics merging). */
  | { readonly kind: 'agent' }
  /** Certificates and trust (SDS). */
  | { readonly kind: 'mtls' }
  /** Anything a policy adds of its own (e.g. a tracing or logging backend's cluster). */
  | { readonly kind: 'policy'; readonly policy: string };

export type OriginKind = ResourceOrigin['kind'];
export type OriginOf<K extends OriginKind> = Extract<ResourceOrigin, { kind: K }>;

export type ResourceSet = Record<XdsKind, Map<string, object>> & {
  /** Each resource's origin, by kind and name (a resource replaced under its name keeps it). */
  readonly origins: Record<XdsKind, Map<string, ResourceOrigin>>;
};

const kinds = () => ({ listener: new Map(), cluster: new Map(), endpoint: new Map(), route: new Map(), secret: new Map() });

export function emptyResourceSet(): ResourceSet {
  return { ...kinds(), origins: kinds() };
}

/** Adds (or replaces) a resource with its origin. */
export function addResource(out: ResourceSet, kind: XdsKind, name: string, resource: object, origin: ResourceOrigin): void {
  out[kind].set(name, resource);
  out.origins[kind].set(name, origin);
}

export function originOf(out: ResourceSet, kind: XdsKind, name: string): ResourceOrigin | undefined {
  return out.origins[kind].get(name);
}

/** The resources of a kind whose origin is `origin`, in the order they were added. */
export function resourcesOf<K extends OriginKind>(out: ResourceSet, kind: XdsKind, origin: K): { name: string; resource: Record<string, unknown>; origin: OriginOf<K> }[] {
  const found: { name: string; resource: Record<string, unknown>; origin: OriginOf<K> }[] = [];
  for (const [name, resource] of out[kind]) {
    const o = out.origins[kind].get(name);
    if (o?.kind === origin) found.push({ name, resource: resource as Record<string, unknown>, origin: o as OriginOf<K> });
  }
  return found;
}

export interface Generator {
  readonly name: string;
  generate(ctx: ProxyContext, out: ResourceSet): void;
}
