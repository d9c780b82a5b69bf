import type { ResourceTypeDescriptor } from './descriptor.ts';
import { DISPLAY_NAME_LABEL, K8S_NAMESPACE_LABEL, ZONE_LABEL } from './labels.ts';

// Kuma's resource identifier (kri, Kuma 2.10+): `kri_<short name>_<mesh>_<zone>_<namespace>_
// <name>_<section>`, where the zone and namespace come from the resource's labels and the name
// is its display name (a synced copy has the same kri as its original). Types without a short
// name (secrets, insights) have none.

export function kriOf(d: Pick<ResourceTypeDescriptor, 'shortName'>, r: { mesh?: string; name: string; labels: Record<string, string> }, sectionName = ''): string | undefined {
  if (!d.shortName) return undefined;
  return `kri_${d.shortName}_${r.mesh ?? ''}_${r.labels[ZONE_LABEL] ?? ''}_${r.labels[K8S_NAMESPACE_LABEL] ?? ''}_${r.labels[DISPLAY_NAME_LABEL] ?? r.name}_${sectionName}`;
}
