import type { Resource } from '../resources/resource.ts';
import type { DataplaneSpec } from '../resources/types/dataplane.ts';
import { isOnline } from '../resources/types/insights.ts';
import { tagsMatch } from '../policies/core/matching.ts';
import type { MeshServicePort, MeshServiceSpec, MeshServiceStatus } from '../resources/types/mesh-service.ts';

// The Dataplanes a MeshService selects (Kuma's match.go: dataplaneRef, else dataplaneTags on
// one inbound, else dataplaneLabels; only Dataplanes with inbounds), and its
// status.dataplaneProxies: total, connected (an open xDS subscription), healthy (every port
// has a Ready inbound: targetPort by number or by inbound name).

export function selectedDataplanes(ms: Resource<MeshServiceSpec>, dataplanes: readonly Resource<DataplaneSpec>[]): Resource<DataplaneSpec>[] {
  const s = ms.spec.selector;
  const candidates = dataplanes.filter((d) => d.mesh === ms.mesh && (d.spec.networking.inbound ?? []).length > 0);
  if (s?.dataplaneRef) return candidates.filter((d) => d.name === s.dataplaneRef!.name);
  if (s?.dataplaneTags) return candidates.filter((d) => (d.spec.networking.inbound ?? []).some((ib) => tagsMatch(ib.tags ?? {}, s.dataplaneTags))).sort((a, b) => (a.name < b.name ? -1 : 1));
  if (s?.dataplaneLabels) return candidates.filter((d) => tagsMatch(d.labels, s.dataplaneLabels!.matchLabels));
  return [];
}


type Inbound = NonNullable<DataplaneSpec['networking']['inbound']>[number];

/** Whether an inbound serves a MeshService port: targetPort by number (the inbound's port) or by name; unset serves none (Kuma's match). */
export function servesPort(ib: Inbound, p: MeshServicePort): boolean {
  return typeof p.targetPort === 'string' ? ib.name === p.targetPort : p.targetPort !== undefined && p.targetPort === ib.port;
}

/** An inbound takes traffic: Ready, and healthy if it reports health (Kuma's GetHealthyInbounds). */
export const readyInbound = (ib: Inbound): boolean => (ib.state ?? 'Ready') === 'Ready' && ib.health?.ready !== false;

/**
 * status.tls (Kuma's updater, for Mesh.mtls): NotReady without mTLS; with it, Ready once every
 * selected proxy has a certificate from the mesh's CA, and Ready stays while mTLS is on.
 */
export function tlsStatus(selected: readonly Resource<DataplaneSpec>[], mtlsEnabled: boolean, insightOf: (dp: Resource<DataplaneSpec>) => unknown, current: MeshServiceStatus['tls']): NonNullable<MeshServiceStatus['tls']> {
  if (!mtlsEnabled) return { status: 'NotReady' };
  if (current?.status === 'Ready') return current;
  const issued = selected.every((dp) => Boolean((insightOf(dp) as { mTLS?: { issuedBackend?: string } } | undefined)?.mTLS?.issuedBackend));
  return { status: issued ? 'Ready' : 'NotReady' };
}

/** `selected`: the Dataplanes the MeshService selects (selectedDataplanes). */
export function dataplaneProxies(ms: Resource<MeshServiceSpec>, selected: readonly Resource<DataplaneSpec>[], insightOf: (dp: Resource<DataplaneSpec>) => unknown): NonNullable<MeshServiceStatus['dataplaneProxies']> {
  let total = 0;
  let connected = 0;
  let healthy = 0;
  for (const dp of selected) {
    total++;
    if (isOnline(insightOf(dp))) connected++;
    const inbounds = dp.spec.networking.inbound ?? [];
    const allPorts = (ms.spec.ports ?? []).every((p) => inbounds.some((ib) => readyInbound(ib) && servesPort(ib, p)));
    if (allPorts) healthy++;
  }
  // Kuma leaves zero counts out.
  return { ...(connected ? { connected } : {}), ...(healthy ? { healthy } : {}), ...(total ? { total } : {}) };
}
