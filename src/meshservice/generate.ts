import type { Resource, ResourceInput } from '../resources/resource.ts';
import { DISPLAY_NAME_LABEL, ENV_LABEL, MESH_LABEL, ORIGIN_LABEL, SERVICE_TAG, ZONE_LABEL } from '../resources/labels.ts';
import { isDns1035Label } from '../resources/common.ts';
import { inboundProtocol, type DataplaneSpec } from '../resources/types/dataplane.ts';
import { olderFirst } from './age.ts';
import type { MeshSpec } from '../resources/types/mesh.ts';
import type { MeshServicePort, MeshServiceSpec } from '../resources/types/mesh-service.ts';

// Kuma's MeshService generator on Universal: in a mesh whose meshServices.mode is not
// Disabled, one MeshService per kuma.io/service value of its Dataplanes' inbounds, with the
// ports of those inbounds, labelled as Kuma labels them; when no Dataplane has the tag any
// more, it is marked and deleted after a grace period. In a Disabled mesh the generated ones
// go at once. MeshServices it did not make (users', synced ones) are never touched. A pure
// plan: the component writes it.

export const MANAGED_BY_LABEL = 'kuma.io/managed-by';
export const GENERATOR_NAME = 'meshservice-generator';
export const GRACE_PERIOD_LABEL = 'kuma.io/deletion-grace-period-started-at';

const PROTOCOLS = new Set(['tcp', 'tls', 'http', 'http2', 'grpc', 'kafka', 'mysql']);

export type MeshServicesMode = 'Disabled' | 'Everywhere' | 'ReachableBackends' | 'Exclusive';
export const meshServicesMode = (mesh: Resource<MeshSpec>): MeshServicesMode => mesh.spec.meshServices?.mode ?? 'Disabled';

/** Made by the generator, in this zone. */
export const isGenerated = (ms: Resource): boolean => ms.labels[MANAGED_BY_LABEL] === GENERATOR_NAME && (ms.labels[ORIGIN_LABEL] ?? 'zone') === 'zone';

export interface GenerationPlan {
  /** Services that get no MeshService or Dataplanes left out of one, with why (Kuma logs them). */
  skipped: { key: string; mesh: string; service: string; dataplane: string; reason: string }[];
  create: ResourceInput[];
  /** Updates of existing MeshServices (their status is kept). */
  update: { input: ResourceInput; existing: Resource }[];
  delete: Resource[];
}

/** The MeshService a Dataplane's inbounds of one service give (Kuma: ports in inbound order). */
function portOf(ib: NonNullable<DataplaneSpec['networking']['inbound']>[number]): MeshServicePort {
  const protocol = inboundProtocol(ib).toLowerCase();
  return { name: ib.name || String(ib.port), port: ib.port, targetPort: ib.port, appProtocol: PROTOCOLS.has(protocol) ? protocol : 'tcp' };
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * What to create, update and delete so that the generated MeshServices follow the Dataplanes.
 * `now` and `gracePeriodMs` decide deletions (a service losing its last Dataplane is marked
 * with the time, deleted once the period passed).
 */
export function planGeneration(o: { meshes: Resource<MeshSpec>[]; dataplanes: Resource<DataplaneSpec>[]; meshServices: Resource<MeshServiceSpec>[]; zone: string; now: Date; gracePeriodMs: number }): GenerationPlan {
  const plan: GenerationPlan = { skipped: [], create: [], update: [], delete: [] };
  const byMesh = new Map<string, Resource<MeshServiceSpec>[]>();
  for (const ms of o.meshServices) byMesh.set(ms.mesh!, [...(byMesh.get(ms.mesh!) ?? []), ms]);
  for (const mesh of o.meshes) {
    const existing = new Map((byMesh.get(mesh.name) ?? []).map((ms) => [ms.name, ms]));
    if (meshServicesMode(mesh) === 'Disabled') {
      for (const ms of existing.values()) if (isGenerated(ms)) plan.delete.push(ms);
      continue;
    }
    // Candidates per service, oldest Dataplane first (Kuma's order).
    const candidates = new Map<string, MeshServicePort[][]>();
    const dps = o.dataplanes.filter((d) => d.mesh === mesh.name).sort(olderFirst((d) => d.name));
    for (const dp of dps) {
      const ports = new Map<string, MeshServicePort[]>();
      for (const ib of dp.spec.networking.inbound ?? []) {
        const service = ib.tags?.[SERVICE_TAG];
        if (!service) continue;
        if (!isDns1035Label(service)) {
          plan.skipped.push({ key: `${mesh.name}/${service}/name`, mesh: mesh.name, service, dataplane: dp.name, reason: 'no MeshService generated for this kuma.io/service: it is not an RFC 1035 label (lower case letters, digits and "-", at most 63 characters, starting with a letter)' });
          continue;
        }
        ports.set(service, [...(ports.get(service) ?? []), portOf(ib)]);
      }
      for (const [service, list] of ports) candidates.set(service, [...(candidates.get(service) ?? []), list]);
    }
    const labels = (current: Record<string, string> = {}) => {
      const { [GRACE_PERIOD_LABEL]: _started, ...kept } = current;
      return { ...kept, [MESH_LABEL]: mesh.name, [MANAGED_BY_LABEL]: GENERATOR_NAME, [ENV_LABEL]: 'universal', [ZONE_LABEL]: o.zone, [ORIGIN_LABEL]: 'zone' };
    };
    for (const [service, lists] of candidates) {
      const ms = existing.get(service);
      // Ports must agree across the Dataplanes of a service; the stored ones win while some agree.
      const reference = ms && lists.some((l) => sameJson(l, ms.spec.ports)) ? ms.spec.ports : lists[0];
      if (lists.some((l) => !sameJson(l, reference))) plan.skipped.push({ key: `${mesh.name}/${service}/ports/${JSON.stringify(lists.map((l) => l.map((p) => p.port)))}`, mesh: mesh.name, service, dataplane: '', reason: 'port conflict: the Dataplane inbounds of one kuma.io/service must have the same ports; the MeshService keeps the ports of the first (others are not counted healthy)' });
      const spec: MeshServiceSpec = { selector: { dataplaneTags: { [SERVICE_TAG]: service } }, ports: reference! };
      if (!ms) {
        plan.create.push({ type: 'MeshService', mesh: mesh.name, name: service, labels: { ...labels(), [DISPLAY_NAME_LABEL]: service }, spec });
        continue;
      }
      if (!isGenerated(ms)) continue;
      const want = { ...labels(ms.labels), [DISPLAY_NAME_LABEL]: ms.labels[DISPLAY_NAME_LABEL] ?? service };
      if (!sameJson({ selector: ms.spec.selector, ports: ms.spec.ports }, spec) || !sameJson(Object.entries(ms.labels).sort(), Object.entries(want).sort())) {
        plan.update.push({ input: { type: 'MeshService', mesh: mesh.name, name: service, labels: want, spec: { ...ms.spec, ...spec } }, existing: ms });
      }
    }
    for (const ms of existing.values()) {
      if (!isGenerated(ms) || candidates.has(ms.name)) continue;
      const started = Date.parse(ms.labels[GRACE_PERIOD_LABEL] ?? '');
      if (Number.isNaN(started)) plan.update.push({ input: { type: 'MeshService', mesh: mesh.name, name: ms.name, labels: { ...ms.labels, [GRACE_PERIOD_LABEL]: o.now.toISOString() }, spec: ms.spec }, existing: ms });
      else if (o.now.getTime() - started > o.gracePeriodMs) plan.delete.push(ms);
    }
  }
  // A generated MeshService of a mesh that is gone has gone with it (the store cascades).
  return plan;
}
