import { kriOf } from '../resources/kri.ts';
import { DISPLAY_NAME_LABEL, K8S_NAMESPACE_LABEL, ORIGIN_LABEL, ZONE_LABEL } from '../resources/labels.ts';
import type { Resource } from '../resources/resource.ts';
import { SERVICE_TAG, type DataplaneSpec } from '../resources/types/dataplane.ts';
import type { MeshSpec } from '../resources/types/mesh.ts';
import { MeshServiceType, portName, type MeshServiceSpec, type MeshServiceStatus } from '../resources/types/mesh-service.ts';
import { tagsMatch } from '../policies/core/matching.ts';
import type { Endpoint, MeshServiceDestination, MeshServiceOutbound } from '../xds/model/context.ts';
import { readyInbound, selectedDataplanes, servesPort } from './proxies.ts';

// MeshServices as destinations of proxies (Kuma 2.14's real-resource outbounds, Universal):
// each port of each MeshService is a cluster named by Kuma's legacy destination name, whose
// endpoints are the Ready inbounds of the Dataplanes the service selects that serve its
// targetPort; and which of them a proxy reaches, on which listener: its backendRef outbounds
// (by name or labels, and port), or, with transparent proxying, a listener on every VIP of
// every reachable port.

type Ref = { kind?: string | undefined; name?: string | undefined; labels?: Record<string, string> | undefined; port?: number | undefined };

const displayName = (r: Resource) => r.labels[DISPLAY_NAME_LABEL] ?? r.name;

/** Kuma's legacy destination name of a MeshService port: `<mesh>_<name>_<namespace>_<zone>_msvc_<port>`. */
export function destinationName(ms: Resource, port: number): string {
  return `${ms.mesh ?? ''}_${displayName(ms)}_${ms.labels[K8S_NAMESPACE_LABEL] ?? ''}_${ms.labels[ZONE_LABEL] ?? ''}_${MeshServiceType.shortName}_${port}`;
}

/** 64-bit FNV-1a of a string's UTF-8 bytes, as 16 hex digits. */
function fnv64a(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const b of Buffer.from(text, 'utf8')) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  return h.toString(16).padStart(16, '0');
}

/** The SNI of a MeshService port with mesh mTLS (Kuma's SNIForResource): `a<fnv64a>.<name>.<port>.<mesh>.ms`. */
export function meshServiceSni(ms: Resource, port: number): string {
  const mesh = ms.mesh ?? '';
  // A synced copy is named as its original; a zone's own by its name (with a namespace label, name.namespace).
  const origin = ms.labels[ORIGIN_LABEL];
  const ns = ms.labels[K8S_NAMESPACE_LABEL];
  const name = origin === 'global' ? (ns ? `${displayName(ms)}.${ns}` : displayName(ms)) : origin === 'zone' && ns ? `${ms.name}.${ns}` : ms.name;
  const cut = (s: string) => (s.length > 62 ? `${s.slice(0, 62)}x` : s);
  return `a${fnv64a(`${name};${mesh};`)}.${cut(name)}.${port}.${cut(mesh)}.ms`;
}

/** The SANs a MeshService's upstream must present: its identities, else any identity of the mesh. */
function sans(ms: Resource<MeshServiceSpec>): MeshServiceDestination['sans'] {
  const ids = ms.spec.identities ?? [];
  if (!ids.length) return [{ prefix: `spiffe://${ms.mesh}/` }];
  return ids.map((id) => ({ exact: id.type === 'ServiceTag' ? `spiffe://${ms.mesh}/${id.value}` : id.value }));
}

/**
 * The MeshService ports of a mesh as destinations, and their endpoints by cluster name: the
 * Ready inbounds of the selected Dataplanes serving each port's targetPort, at the Dataplane's
 * advertised address (else the inbound's, else its own) and the inbound's port.
 */
export function meshServiceDestinations(meshServices: readonly Resource<MeshServiceSpec>[], dataplanes: readonly Resource<DataplaneSpec>[]): { destinations: MeshServiceDestination[]; endpoints: Map<string, Endpoint[]> } {
  const destinations: MeshServiceDestination[] = [];
  const endpoints = new Map<string, Endpoint[]>();
  // Candidates by inbound tag and by name, so that a service looks at its own Dataplanes only
  // (selectedDataplanes still decides): linear in services plus inbounds, not their product.
  const byTag = new Map<string, Resource<DataplaneSpec>[]>();
  const byName = new Map<string, Resource<DataplaneSpec>[]>();
  for (const dp of dataplanes) {
    byName.set(dp.name, [...(byName.get(dp.name) ?? []), dp]);
    const tags = new Set((dp.spec.networking.inbound ?? []).flatMap((ib) => Object.entries(ib.tags ?? {}).map(([k, v]) => `${k}=${v}`)));
    for (const t of tags) {
      const list = byTag.get(t);
      if (list) list.push(dp);
      else byTag.set(t, [dp]);
    }
  }
  const candidates = (ms: Resource<MeshServiceSpec>): readonly Resource<DataplaneSpec>[] => {
    const s = ms.spec.selector;
    if (s?.dataplaneRef) return byName.get(s.dataplaneRef.name ?? '') ?? [];
    const first = s?.dataplaneTags && Object.entries(s.dataplaneTags)[0];
    if (first) return byTag.get(`${first[0]}=${first[1]}`) ?? [];
    return dataplanes;
  };
  for (const ms of meshServices) {
    const selected = selectedDataplanes(ms, candidates(ms));
    const status = ms.status as MeshServiceStatus | undefined;
    for (const p of ms.spec.ports ?? []) {
      const cluster = destinationName(ms, p.port);
      const list: Endpoint[] = [];
      for (const dp of selected) {
        const net = dp.spec.networking;
        for (const ib of net.inbound ?? []) {
          if (!readyInbound(ib) || !servesPort(ib, p)) continue;
          list.push({ address: net.advertisedAddress ?? ib.address ?? net.address, port: ib.port, tags: { ...(ib.tags ?? {}), [SERVICE_TAG]: ib.tags?.[SERVICE_TAG] ?? displayName(ms) }, dataplane: dp.name });
        }
      }
      list.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.port - b.port));
      endpoints.set(cluster, list);
      destinations.push({
        cluster,
        kri: kriOf(MeshServiceType, ms, portName(p))!,
        name: ms.name,
        displayName: displayName(ms),
        labels: ms.labels,
        creationTime: ms.creationTime,
        port: p.port,
        portName: portName(p),
        protocol: p.appProtocol || 'tcp',
        sni: meshServiceSni(ms, p.port),
        sans: sans(ms),
        vips: (status?.vips ?? []).map((v) => v.ip),
        hostnames: (status?.addresses ?? []).map((a) => a.hostname),
        tlsReady: status?.tls?.status === 'Ready',
      });
    }
  }
  return { destinations, endpoints };
}

const refMatches = (ref: Ref, d: { name: string; displayName: string; labels: Readonly<Record<string, string>> }) => (ref.name !== undefined ? d.displayName === ref.name || d.name === ref.name : tagsMatch(d.labels, ref.labels));
const isMeshServiceRef = (ref: Ref) => (ref.kind ?? 'MeshService') === 'MeshService';

/**
 * The MeshService a backendRef names (Kuma's resolveResourceIdentifier): by name, or the
 * oldest whose labels hold all of the ref's, then its port by number; undefined when none.
 */
export function resolveBackendRef(ref: Ref, destinations: readonly MeshServiceDestination[]): MeshServiceDestination | undefined {
  if (!isMeshServiceRef(ref)) return undefined;
  const candidates = destinations.filter((d) => refMatches(ref, d));
  const oldest = [...new Set(candidates.map((d) => d.name))].map((name) => candidates.find((d) => d.name === name)!).sort((a, b) => (a.creationTime < b.creationTime ? -1 : a.creationTime > b.creationTime ? 1 : a.name < b.name ? -1 : 1))[0];
  return oldest && candidates.find((d) => d.name === oldest.name && d.port === ref.port);
}

/**
 * The refs that decide which MeshService ports a Dataplane reaches: its backendRef outbounds,
 * else its transparentProxying.reachableBackends; undefined: every one (none in mode
 * ReachableBackends, which needs them listed).
 */
function reachableRefs(dp: Resource<DataplaneSpec>, mode: string | undefined): Ref[] | undefined {
  const net = dp.spec.networking;
  const refs = (net.outbound ?? []).flatMap((ob) => (ob.backendRef ? [ob.backendRef] : []));
  if (refs.length) return refs;
  if (net.transparentProxying?.reachableBackends) return net.transparentProxying.reachableBackends.refs ?? [];
  return mode === 'ReachableBackends' ? [] : undefined;
}

/** Whether a Dataplane reaches a MeshService port (`_layout` and transparent proxying's outbounds). */
export function reachablePredicate(dp: Resource<DataplaneSpec>, mode: string | undefined): (d: { name: string; displayName: string; labels: Readonly<Record<string, string>>; port: number }) => boolean {
  const refs = reachableRefs(dp, mode);
  return (d) => refs === undefined || refs.some((r) => isMeshServiceRef(r) && refMatches(r, d) && (r.port === undefined || r.port === d.port));
}

/**
 * A Dataplane's real-resource outbounds. With transparent proxying: one per VIP of every
 * reachable port (none on an address and port its inbounds use). Without: its backendRef
 * outbounds that name a MeshService port, on their own address (127.0.0.1 by default) and port.
 */
export function meshServiceOutbounds(dp: Resource<DataplaneSpec>, mesh: Resource<MeshSpec>, destinations: readonly MeshServiceDestination[]): MeshServiceOutbound[] {
  const net = dp.spec.networking;
  if (!destinations.length) return [];
  if (net.transparentProxying?.redirectPortOutbound) {
    const reaches = reachablePredicate(dp, mesh.spec.meshServices?.mode);
    const inbound = new Set((net.inbound ?? []).map((ib) => `${ib.address ?? net.address}:${ib.port}`));
    return destinations.filter(reaches).flatMap((d) => d.vips.filter((vip) => !inbound.has(`${vip}:${d.port}`)).map((vip) => ({ address: vip, port: d.port, destination: d })));
  }
  return (net.outbound ?? []).flatMap((ob) => {
    const d = ob.backendRef && resolveBackendRef(ob.backendRef, destinations);
    return d ? [{ address: ob.address ?? '127.0.0.1', port: ob.port, destination: d }] : [];
  });
}
