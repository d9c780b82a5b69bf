import { createHash } from 'node:crypto';
import type { ProxyContext } from '../../xds/generate/context.ts';
import type { ResourceSet } from '../../xds/generate/generators.ts';
import { addMeshServiceCluster, loadAssignment } from '../../xds/generate/generators.ts';
import { resolveBackendRef } from '../../meshservice/destinations.ts';
import { addResource } from '../../xds/model/resource-set.ts';
import type { BackendRef } from './backend-ref.ts';

// Clusters for route backendRefs: a MeshService with a port that names a MeshService port is
// that port's cluster; otherwise a MeshService is its kuma.io/service cluster, and a
// MeshServiceSubset gets a cluster of its own with only the endpoints carrying its tags. A
// cluster the outbound generator did not make (a backend that is not an outbound of the proxy)
// is made here, like the generator's, including client mTLS when the mesh has it.

type Obj = Record<string, unknown>;

export function backendCluster(ctx: ProxyContext, out: ResourceSet, ref: BackendRef, template: Obj | undefined): string {
  const destination = ref.kind === 'MeshService' && ref.port !== undefined ? resolveBackendRef(ref, ctx.meshServiceDestinations ?? []) : undefined;
  if (destination) {
    addMeshServiceCluster(ctx, out, destination, { kind: 'route-backend', service: destination.displayName });
    return destination.cluster;
  }
  const service = ref.name!;
  const tags = ref.kind === 'MeshServiceSubset' ? (ref.tags ?? {}) : {};
  const key = Object.keys(tags).sort().map((k) => `${k}=${tags[k]}`).join(',');
  const name = key ? `${service}_${createHash('sha256').update(key).digest('hex').slice(0, 8)}` : service;
  if (out.cluster.has(name)) return name;
  const base = (out.cluster.get(service) as Obj | undefined) ?? template;
  if (!base) return name;
  const origin = { kind: 'route-backend', service } as const;
  addResource(out, 'cluster', name, { ...structuredClone(base), name, eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' }, service_name: name } }, origin);
  const endpoints = (ctx.endpoints.get(service) ?? []).filter((e) => Object.entries(tags).every(([k, v]) => e.tags[k] === v));
  addResource(out, 'endpoint', name, loadAssignment(name, endpoints, ctx.zone), origin);
  return name;
}

/** A route's cluster choice: one cluster, or weighted clusters. */
export function clusterChoice(ctx: ProxyContext, out: ResourceSet, refs: BackendRef[] | undefined, fallback: string): Obj {
  const template = out.cluster.get(fallback) as Obj | undefined;
  if (!refs?.length) return { cluster: fallback };
  const clusters = refs.map((r) => ({ name: backendCluster(ctx, out, r, template), weight: r.weight ?? 1 }));
  if (clusters.length === 1) return { cluster: clusters[0]!.name };
  return { weighted_clusters: { clusters: clusters.filter((c) => c.weight > 0) } };
}
