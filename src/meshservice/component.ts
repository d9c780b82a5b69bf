import type { Component } from '../core/component.ts';
import { isMeshworkError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Resource, ResourceInput } from '../resources/resource.ts';
import { ORIGIN_LABEL, SERVICE_TAG } from '../resources/labels.ts';
import type { DataplaneSpec } from '../resources/types/dataplane.ts';
import type { HostnameGeneratorSpec } from '../resources/types/hostname-generator.ts';
import type { MeshSpec } from '../resources/types/mesh.ts';
import type { MeshServiceSpec, MeshServiceStatus } from '../resources/types/mesh-service.ts';
import { debounce, type ResourceCache } from '../store/resource-cache.ts';
import type { ResourceStore } from '../store/store.ts';
import { GRACE_PERIOD_LABEL, isGenerated, meshServicesMode, planGeneration } from './generate.ts';
import { planHostnames } from './hostnames.ts';
import { dataplaneProxies, selectedDataplanes, tlsStatus } from './proxies.ts';
import { parseCidr, VipAllocator } from './vips.ts';

// The zone's MeshService loop (leader only), as Kuma's four: the generator (MeshServices from
// Dataplane inbounds), the VIP allocator, the hostname generator and the status updater. It
// runs on changes of what it reads (debounced) rather than on Kuma's 2–5 s ticks, and at the
// end of a grace period. Writes are conditional on the version read: a write that loses a race
// is redone by the pass the winning write starts.

const WATCHED = new Set(['Mesh', 'Dataplane', 'MeshService', 'HostnameGenerator', 'DataplaneInsight']);

export interface MeshServiceManagerOptions {
  store: ResourceStore;
  cache: ResourceCache;
  logger: Logger;
  zone: string;
  meshServiceCidr: string;
  deletionGracePeriodMs: number;
  debounceMs?: number;
  now?: () => Date;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function meshServiceManager(o: MeshServiceManagerOptions): Component {
  const vips = new VipAllocator(parseCidr(o.meshServiceCidr));
  const now = o.now ?? (() => new Date());
  let running = Promise.resolve();
  let graceTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  let lastUnallocated = 0;

  /** Whether the write happened. */
  const write = async (what: string, input: ResourceInput, existing?: Resource): Promise<boolean> => {
    try {
      if (existing) await o.store.update(input, existing.version);
      else await o.store.create(input);
      return true;
    } catch (err) {
      // Lost a race (the winner's change starts another pass), or the mesh went meanwhile.
      if (isMeshworkError(err, 'VERSION_CONFLICT') || isMeshworkError(err, 'ALREADY_EXISTS') || isMeshworkError(err, 'NOT_FOUND') || isMeshworkError(err, 'MESH_NOT_FOUND')) return false;
      o.logger.error({ err: (err as Error).message, mesh: input.mesh, name: input.name }, `cannot ${what} a MeshService; will retry on the next change`);
      return false;
    }
  };
  /** Why a service got no MeshService, said once per process. */
  const warned = new Set<string>();

  const pass = async () => {
    const meshes = o.cache.list('Mesh') as Resource<MeshSpec>[];
    const dataplanes = o.cache.list('Dataplane') as Resource<DataplaneSpec>[];
    const services = o.cache.list('MeshService') as Resource<MeshServiceSpec>[];
    // Nothing to generate and no MeshService: nothing to do (the usual case of a legacy-only zone).
    if (services.length === 0 && meshes.every((m) => meshServicesMode(m) === 'Disabled')) return;
    const plan = planGeneration({ meshes, dataplanes, meshServices: services, zone: o.zone, now: now(), gracePeriodMs: o.deletionGracePeriodMs });
    for (const input of plan.create) if (await write('create', input)) o.logger.info({ mesh: input.mesh, name: input.name }, 'generated a MeshService for a kuma.io/service of the mesh\'s Dataplanes');
    for (const { input, existing } of plan.update) {
      if (!(await write('update', input, existing))) continue;
      if (input.labels[GRACE_PERIOD_LABEL] && !existing.labels[GRACE_PERIOD_LABEL]) o.logger.info({ mesh: input.mesh, name: input.name, deleteAfterMs: o.deletionGracePeriodMs }, 'no Dataplane has the service of a generated MeshService any more: it is deleted after the grace period');
      else o.logger.info({ mesh: input.mesh, name: input.name }, 'updated a generated MeshService');
    }
    for (const skipped of plan.skipped) {
      if (warned.has(skipped.key)) continue;
      warned.add(skipped.key);
      o.logger.warn({ mesh: skipped.mesh, service: skipped.service, dataplane: skipped.dataplane }, skipped.reason);
    }
    for (const ms of plan.delete) {
      try {
        await o.store.delete(ms, { expectedVersion: ms.version });
        o.logger.info({ mesh: ms.mesh, name: ms.name }, 'deleted a generated MeshService: no Dataplane has its service any more');
      } catch (err) {
        if (!isMeshworkError(err, 'VERSION_CONFLICT') && !isMeshworkError(err, 'NOT_FOUND')) o.logger.error({ err: (err as Error).message, name: ms.name }, 'cannot delete a MeshService');
      }
    }
    if (plan.create.length || plan.update.length || plan.delete.length) return; // their changes start the next pass
    scheduleGrace(services);

    // Status: VIPs of every MeshService (synced ones too: each zone allocates its own), hostnames, and proxies of local ones.
    const insights = new Map((o.cache.list('DataplaneInsight') as Resource[]).map((i) => [`${i.mesh}/${i.name}`, i.spec]));
    const insightOf = (dp: Resource) => insights.get(`${dp.mesh}/${dp.name}`);
    const assigned = vips.plan(services.map((s) => ({ key: `${s.mesh}/${s.name}`, creationTime: s.creationTime, vips: ((s.status as MeshServiceStatus | undefined)?.vips ?? []).map((v) => v.ip) })));
    if (vips.unallocated > 0 && vips.unallocated !== lastUnallocated) o.logger.error({ cidr: vips.cidr, services: vips.unallocated }, 'no free VIP left for some MeshServices: widen MESHWORK_IPAM_MESH_SERVICE_CIDR');
    lastUnallocated = vips.unallocated;
    const names = planHostnames(services, o.cache.list('HostnameGenerator') as Resource<HostnameGeneratorSpec>[], o.zone);
    const meshByName = new Map(meshes.map((m) => [m.name, m]));
    for (const ms of services) {
      const mesh = meshByName.get(ms.mesh!);
      if (!mesh) continue;
      const key = `${ms.mesh}/${ms.name}`;
      const current = (ms.status ?? {}) as MeshServiceStatus;
      const local = (ms.labels[ORIGIN_LABEL] ?? 'zone') === 'zone';
      const vip = assigned.get(key);
      if (vip) o.logger.info({ mesh: ms.mesh, name: ms.name, vip }, 'allocated a VIP to a MeshService');
      const h = names.get(key)!;
      const next: MeshServiceStatus = { ...current, ...(vip ? { vips: [{ ip: vip }] } : {}), addresses: h.addresses, hostnameGenerators: h.hostnameGenerators };
      // Kuma leaves empty lists out.
      if (!h.addresses.length) delete next.addresses;
      if (!h.hostnameGenerators.length) delete next.hostnameGenerators;
      let spec = ms.spec;
      if (local) {
        const selected = selectedDataplanes(ms, dataplanes);
        next.tls = tlsStatus(selected, Boolean(mesh.spec.mtls?.enabledBackend), insightOf, current.tls);
        next.dataplaneProxies = dataplaneProxies(ms, selected, insightOf);
        // Kuma's status updater also keeps state and identities in the spec.
        const state = (next.dataplaneProxies.healthy ?? 0) > 0 ? 'Available' : 'Unavailable';
        const identities = [...new Set(selected.flatMap((d) => (d.spec.networking.inbound ?? []).flatMap((ib) => (ib.tags?.[SERVICE_TAG] ? [ib.tags[SERVICE_TAG]] : []))))].sort().map((value) => ({ type: 'ServiceTag' as const, value }));
        if (ms.spec.state !== state || (identities.length > 0 && !sameJson(ms.spec.identities, identities))) spec = { ...ms.spec, state, ...(identities.length ? { identities } : {}) };
      }
      if (sameJson(next, current) && spec === ms.spec) continue;
      await write('update the status of', { type: 'MeshService', mesh: ms.mesh!, name: ms.name, labels: ms.labels, spec, status: next }, ms);
    }
  };

  /** Wakes the loop when the earliest grace period of a generated, abandoned MeshService ends. */
  const scheduleGrace = (services: Resource[]) => {
    if (graceTimer) clearTimeout(graceTimer);
    graceTimer = undefined;
    const ends = services.filter((s) => isGenerated(s) && s.labels[GRACE_PERIOD_LABEL]).map((s) => Date.parse(s.labels[GRACE_PERIOD_LABEL]!) + o.deletionGracePeriodMs).filter((t) => !Number.isNaN(t));
    if (!ends.length || stopped) return;
    graceTimer = setTimeout(() => refresh.trigger(), Math.max(0, Math.min(...ends) - now().getTime()) + 10);
    graceTimer.unref();
  };

  const run = () => {
    running = running.then(pass).catch((err: unknown) => o.logger.error({ err: (err as Error).message }, 'MeshService pass failed; will retry on the next change'));
  };
  const refresh = debounce(run, o.debounceMs ?? 100);
  let off: (() => void) | undefined;
  return {
    name: 'meshservice-manager',
    needsLeader: true,
    async start() {
      await o.cache.ready();
      off = o.cache.onChange((c) => {
        if (c.resync || c.keys.some((k) => WATCHED.has(k.type))) refresh.trigger();
      });
      run();
      await running;
    },
    async stop() {
      stopped = true;
      off?.();
      refresh.cancel();
      if (graceTimer) clearTimeout(graceTimer);
      await running;
    },
  };
}
