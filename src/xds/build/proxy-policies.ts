import type { Resource } from '../../resources/resource.ts';
import type { DataplaneSpec } from '../../resources/types/dataplane.ts';
import { reachesProxy } from '../../policies/core/matching.ts';
import { outboundServices } from '../generate/context.ts';
import type { Policy } from '../model/policy.ts';
import type { MeshServiceOutbound } from '../model/context.ts';

/**
 * The policies of a mesh that reach one proxy, by type: what its build reads, and so what its
 * fingerprint holds. `policyTypes` are the types policies select proxies by; others (what
 * plugins read besides, e.g. MeshOpenTelemetryBackend) are kept whole. A type none of whose
 * policies reach the proxy keeps its (empty) entry.
 */
export function proxyPolicies(mesh: ReadonlyMap<string, Policy[]>, dataplane: Resource<DataplaneSpec>, policyTypes: ReadonlySet<string>, meshServiceOutbounds: readonly MeshServiceOutbound[] = []): Map<string, Policy[]> {
  const services = new Set(outboundServices(dataplane.spec, meshServiceOutbounds));
  const out = new Map<string, Policy[]>();
  for (const [type, list] of mesh) out.set(type, policyTypes.has(type) ? list.filter((p) => reachesProxy(p, dataplane, services)) : list);
  return out;
}
