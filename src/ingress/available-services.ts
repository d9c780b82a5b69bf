import type { Resource } from '../resources/resource.ts';
import { SERVICE_TAG, type DataplaneSpec } from '../resources/types/dataplane.ts';
import type { ZoneIngressSpec } from '../resources/types/zone-ingress.ts';
import { ORIGIN_LABEL } from '../kds/naming.ts';
import type { ResourceCache } from '../store/resource-cache.ts';

type AvailableService = NonNullable<ZoneIngressSpec['availableServices']>[number];

/** What this zone's ingress offers: every (mesh, inbound tags) of local dataplanes, with its instance count. */
export function availableServices(cache: ResourceCache): AvailableService[] {
  const counts = new Map<string, AvailableService>();
  for (const r of cache.list('Dataplane') as Resource<DataplaneSpec>[]) {
    if (r.labels[ORIGIN_LABEL] === 'global') continue;
    for (const ib of r.spec.networking.inbound ?? []) {
      // An inbound without a service tag (Kuma's InboundTagsDisabled) offers no service by tags.
      if (ib.health?.ready === false || !ib.tags?.[SERVICE_TAG]) continue;
      const tags = Object.fromEntries(Object.entries(ib.tags).sort(([a], [b]) => (a < b ? -1 : 1)));
      const key = `${r.mesh}|${JSON.stringify(tags)}`;
      const entry = counts.get(key) ?? { mesh: r.mesh!, tags, instances: 0 };
      entry.instances = (entry.instances ?? 0) + 1;
      counts.set(key, entry);
    }
  }
  return [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v);
}
