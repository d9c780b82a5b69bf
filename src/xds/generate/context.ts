import { inboundProtocol, PROTOCOL_TAG, SERVICE_TAG, ZONE_TAG, type DataplaneSpec } from '../../resources/types/dataplane.ts';
import type { ZoneIngressSpec } from '../../resources/types/zone-ingress.ts';
import type { ResourceCache } from '../../store/resource-cache.ts';
import type { Policy } from '../model/policy.ts';

// The inputs of proxy builds, computed from the zone's resources (their types: xds/model/context.ts).

export type { AgentPaths, Endpoint, MtlsContext, ProxyContext } from '../model/context.ts';
import type { Endpoint, MeshServiceOutbound } from '../model/context.ts';

export const HTTP_PROTOCOLS = new Set(['http', 'http2', 'grpc']);

/**
 * The services of a mesh and their endpoints: the zone's dataplanes, plus, when the mesh
 * has mTLS (cross-zone traffic is mTLS end to end), one endpoint per service per remote
 * zone: that zone's ingress, weighted by the service's instances there.
 */
export function meshEndpoints(cache: ResourceCache, mesh: string, localZone?: string, mtls = false): Map<string, Endpoint[]> {
  const out = new Map<string, Endpoint[]>();
  if (mtls) {
    for (const r of cache.list('ZoneIngress')) {
      const zi = r.spec as ZoneIngressSpec;
      const zone = zi.zone ?? r.labels[ZONE_TAG];
      if (!zone || zone === localZone || !zi.networking.advertisedAddress || !zi.networking.advertisedPort) continue;
      for (const svc of zi.availableServices ?? []) {
        if ((svc.mesh ?? 'default') !== mesh || !svc.tags[SERVICE_TAG] || !svc.instances) continue;
        const service = svc.tags[SERVICE_TAG];
        const list = out.get(service) ?? [];
        list.push({ address: zi.networking.advertisedAddress, port: zi.networking.advertisedPort, tags: { ...svc.tags, [ZONE_TAG]: zone }, dataplane: r.name, zone, weight: svc.instances });
        out.set(service, list);
      }
    }
  }
  for (const r of cache.list('Dataplane', mesh)) {
    const dp = r.spec as DataplaneSpec;
    for (const ib of dp.networking.inbound ?? []) {
      if (ib.health?.ready === false || ib.state === 'NotReady' || ib.state === 'Ignored') continue;
      // An inbound without a service tag (Kuma's InboundTagsDisabled) is no endpoint of a service.
      const tags = ib.tags;
      const service = tags?.[SERVICE_TAG];
      if (!tags || !service) continue;
      const list = out.get(service) ?? [];
      // The inbound's protocol field (Kuma 2.14+) wins over the tag, as inboundProtocol reads it;
      // routes and listeners read the tag.
      const withProtocol = ib.protocol && ib.protocol !== tags[PROTOCOL_TAG] ? { ...tags, [PROTOCOL_TAG]: inboundProtocol(ib) } : tags;
      list.push({ address: ib.address ?? dp.networking.advertisedAddress ?? dp.networking.address, port: ib.port, tags: withProtocol, dataplane: r.name });
      out.set(service, list);
    }
  }
  for (const list of out.values()) list.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.port - b.port));
  return out;
}

/** A service's protocol, from its endpoints' kuma.io/protocol tag (tcp when unknown or mixed). */
export function serviceProtocol(endpoints: readonly Endpoint[] | undefined): string {
  const protocols = new Set((endpoints ?? []).map((e) => e.tags[PROTOCOL_TAG] ?? 'tcp'));
  return protocols.size === 1 ? [...protocols][0]! : 'tcp';
}

/** The destination services of a proxy's outbounds (as policies name them), with the MeshServices its real-resource outbounds reach. */
export function outboundServices(dp: DataplaneSpec, meshServiceOutbounds: readonly MeshServiceOutbound[] = []): string[] {
  const declared = (dp.networking.outbound ?? []).map((o) => o.tags?.[SERVICE_TAG] ?? o.backendRef?.name);
  return [...new Set([...declared, ...meshServiceOutbounds.map((o) => o.destination.displayName)].filter((s): s is string => Boolean(s)))];
}

/** The policies of a mesh by type, from the cache. */
export function meshPolicies(cache: ResourceCache, mesh: string, types: readonly string[]): Map<string, Policy[]> {
  return new Map(types.map((t) => [t, cache.list(t, mesh) as Policy[]]));
}
