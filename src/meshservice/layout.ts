import { kriOf } from '../resources/kri.ts';
import { DISPLAY_NAME_LABEL } from '../resources/labels.ts';
import type { Resource } from '../resources/resource.ts';
import { DataplaneType, inboundProtocol, type DataplaneSpec } from '../resources/types/dataplane.ts';
import { reachablePredicate } from './destinations.ts';
import { MeshServiceType, portName, type MeshServicePort, type MeshServiceSpec } from '../resources/types/mesh-service.ts';

// Kuma 2.12+'s Dataplane networking layout (`GET /meshes/{mesh}/dataplanes/{name}/_layout`,
// for meshes in meshServices mode Exclusive): the proxy's inbounds and the destinations it can
// reach, by kri. Reachable: the MeshServices its backendRef outbounds name (by name or labels,
// the port they give), or those listed in transparentProxying.reachableBackends (every port
// when a ref has none), or, with neither, every MeshService of the mesh on every port.
// MeshExternalService and MeshMultiZoneService destinations join when Meshwork has them.

export interface DataplaneLayout {
  inbounds: { kri: string; port: number; protocol: string; proxyResourceName: string }[];
  kri: string;
  labels: Record<string, string>;
  listeners: { kri: string; type: 'ZoneIngress' | 'ZoneEgress'; port: number; proxyResourceName: string }[];
  outbounds: { kri: string; port: number; protocol: string; proxyResourceName: string }[];
}

const displayName = (r: Resource) => r.labels[DISPLAY_NAME_LABEL] ?? r.name;

export function dataplaneLayout(dp: Resource<DataplaneSpec>, meshServices: readonly Resource<MeshServiceSpec>[]): DataplaneLayout {
  const net = dp.spec.networking;
  const inbounds = (net.inbound ?? []).map((ib) => {
    const section = ib.name || String(ib.port);
    return { kri: kriOf(DataplaneType, dp, section)!, port: ib.port, protocol: inboundProtocol(ib), proxyResourceName: `self_inbound_${DataplaneType.shortName}_${section}` };
  });
  const listeners = (net.listeners ?? []).flatMap((l) => {
    const type = l.type === 'ZoneIngress' ? 'ZoneIngress' : l.type === 'ZoneEgress' ? 'ZoneEgress' : undefined;
    if (!type) return [];
    const section = l.name || String(l.port);
    return [{ kri: kriOf(DataplaneType, dp, section)!, type, port: l.port ?? 0, proxyResourceName: `self_${type.toLowerCase()}_${DataplaneType.shortName}_${section}` } as const];
  });
  // Layout answers only for Exclusive meshes, where every MeshService is reachable unless refs say otherwise.
  const reaches = reachablePredicate(dp, 'Exclusive');
  const reachable = new Map<string, { ms: Resource<MeshServiceSpec>; port: MeshServicePort }>();
  for (const ms of meshServices) {
    if (ms.mesh !== dp.mesh) continue;
    for (const port of ms.spec.ports ?? []) {
      if (reaches({ name: ms.name, displayName: displayName(ms), labels: ms.labels, port: port.port })) reachable.set(kriOf(MeshServiceType, ms, portName(port))!, { ms, port });
    }
  }
  const outbounds = [...reachable]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([kri, { port }]) => ({ kri, port: port.port, protocol: port.appProtocol ?? 'tcp', proxyResourceName: kri }));
  return { inbounds, kri: kriOf(DataplaneType, dp)!, labels: dp.labels, listeners, outbounds };
}
