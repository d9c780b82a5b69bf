import type { FastifyInstance } from 'fastify';
import { MeshworkError } from '../../core/errors.ts';
import { redactConfig } from '../../core/config/load.ts';
import { SERVICE_TAG, type DataplaneSpec } from '../../resources/types/dataplane.ts';
import { isOnline } from '../../resources/types/insights.ts';
import type { MeshSpec } from '../../resources/types/mesh.ts';
import type { ApiDeps } from '../deps.ts';

/** The Kuma release whose API, formats and kumactl Meshwork is compatible with. */
export const KUMA_COMPATIBLE_VERSION = '2.14.3';

// Index, configuration, type metadata and the computed insights (global-insight,
// mesh-insights). Insights are computed on request from the store.

function readOnlyFor(deps: ApiDeps, d: { readOnly: { global: boolean; federatedZone: boolean; standalone: boolean } }): boolean {
  return deps.role === 'global' ? d.readOnly.global : deps.role === 'federated-zone' ? d.readOnly.federatedZone : d.readOnly.standalone;
}

export function metaRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const mode = deps.role === 'global' ? 'global' : 'zone';

  // As Kuma-compatible servers do, the index names the Kuma release this API is compatible
  // with (kumactl refuses a product other than "Kuma" and warns on another version), and
  // Meshwork's own product and version beside it.
  app.get('/', async () => ({
    hostname: deps.hostname,
    tagline: 'Meshwork',
    product: 'Kuma',
    version: KUMA_COMPATIBLE_VERSION,
    basedOnKuma: KUMA_COMPATIBLE_VERSION,
    instanceId: deps.instanceId,
    clusterId: deps.instanceId,
    mode,
    ...(deps.role === 'federated-zone' && deps.config.multizone.zone.name ? { zone: deps.config.multizone.zone.name } : {}),
    meshwork: { product: 'Meshwork', version: deps.version },
  }));

  app.get('/config', async () => redactConfig(deps.config));

  app.get('/_resources', async () => ({
    resources: deps.registry.all().map((d) => ({
      name: d.name,
      scope: d.scope === 'mesh' ? 'Mesh' : 'Global',
      readOnly: readOnlyFor(deps, d),
      path: d.collection,
      singularDisplayName: d.displayName.singular,
      pluralDisplayName: d.displayName.plural,
      includeInFederation: d.kds !== 'none',
      kumactlArg: d.cli.singular,
      kumactlListArg: d.cli.plural,
      ...(d.isPolicy ? { policy: { isTargetRef: true } } : {}),
    })),
  }));

  app.get('/global-insight', async () => {
    const count = async (type: string) => (await deps.manager.list(type, { size: 0 })).total;
    const [meshes, zones, zoneInsights, ingresses, ingressInsights, dataplanes, dpInsights] = await Promise.all([
      count('Mesh'),
      deps.manager.list('Zone'),
      deps.manager.list('ZoneInsight'),
      deps.manager.list('ZoneIngress'),
      deps.manager.list('ZoneIngressInsight'),
      deps.manager.list('Dataplane'),
      deps.manager.list('DataplaneInsight'),
    ]);
    const online = (items: { mesh?: string; name: string }[], insights: { mesh?: string; name: string; spec: unknown }[]) => {
      const on = new Set(insights.filter((i) => isOnline(i.spec)).map((i) => `${i.mesh ?? ''}/${i.name}`));
      return items.filter((r) => on.has(`${r.mesh ?? ''}/${r.name}`)).length;
    };
    const resources: Record<string, { total: number }> = {};
    let policies = 0;
    for (const d of deps.registry.all()) {
      if (d.sensitive) continue;
      const total = d.name === 'Mesh' ? meshes : await count(d.name);
      resources[d.name] = { total };
      if (d.isPolicy) policies += total;
    }
    const dpOnline = online(dataplanes.items, dpInsights.items);
    const services = new Set(dataplanes.items.flatMap((r) => ((r.spec as DataplaneSpec).networking.inbound ?? []).flatMap((ib) => (ib.tags?.[SERVICE_TAG] ? [`${r.mesh}/${ib.tags[SERVICE_TAG]}`] : []))));
    return {
      createdAt: new Date().toISOString(),
      meshes: { total: meshes },
      zones: {
        controlPlanes: { total: zones.total, online: online(zones.items, zoneInsights.items) },
        zoneIngresses: { total: ingresses.total, online: online(ingresses.items, ingressInsights.items) },
      },
      dataplanes: { standard: { total: dataplanes.total, online: dpOnline, offline: dataplanes.total - dpOnline } },
      services: { total: services.size },
      policies: { total: policies },
      resources,
    };
  });

  const meshInsight = async (mesh: { name: string; creationTime: string; modificationTime: string; spec: unknown }) => {
    const [dps, insights] = await Promise.all([deps.manager.list('Dataplane', { mesh: mesh.name }), deps.manager.list('DataplaneInsight', { mesh: mesh.name })]);
    const on = new Set(insights.items.filter((i) => isOnline(i.spec)).map((i) => i.name));
    const dpOnline = dps.items.filter((d) => on.has(d.name)).length;
    const policies: Record<string, { total: number }> = {};
    for (const d of deps.registry.all().filter((x) => x.isPolicy)) {
      const total = (await deps.manager.list(d.name, { mesh: mesh.name, size: 0 })).total;
      if (total > 0) policies[d.name] = { total };
    }
    const services = new Set(dps.items.flatMap((r) => ((r.spec as DataplaneSpec).networking.inbound ?? []).flatMap((ib) => (ib.tags?.[SERVICE_TAG] ? [ib.tags[SERVICE_TAG]] : []))));
    const mtls = (mesh.spec as MeshSpec).mtls;
    return {
      type: 'MeshInsight',
      name: mesh.name,
      creationTime: mesh.creationTime,
      modificationTime: mesh.modificationTime,
      lastSync: new Date().toISOString(),
      dataplanes: { total: dps.total, online: dpOnline, offline: dps.total - dpOnline },
      policies,
      services: { total: services.size },
      mTLS: mtls?.enabledBackend ? { enabledBackend: mtls.enabledBackend } : {},
    };
  };

  // Kuma's ServiceOverview per kuma.io/service of a mesh's Dataplanes (`kumactl inspect services`).
  const serviceInsights = async (mesh: string) => {
    await deps.manager.get({ type: 'Mesh', name: mesh });
    const [dps, insights] = await Promise.all([deps.manager.list('Dataplane', { mesh }), deps.manager.list('DataplaneInsight', { mesh })]);
    const on = new Set(insights.items.filter((i) => isOnline(i.spec)).map((i) => i.name));
    const byService = new Map<string, { total: number; online: number; since: string }>();
    for (const dp of dps.items) {
      for (const service of new Set(((dp.spec as DataplaneSpec).networking.inbound ?? []).flatMap((ib) => (ib.tags?.[SERVICE_TAG] ? [ib.tags[SERVICE_TAG]] : [])))) {
        const s = byService.get(service) ?? { total: 0, online: 0, since: dp.creationTime };
        s.total++;
        if (on.has(dp.name)) s.online++;
        if (dp.creationTime < s.since) s.since = dp.creationTime;
        byService.set(service, s);
      }
    }
    return [...byService].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, s]) => ({
      type: 'ServiceOverview',
      mesh,
      name,
      creationTime: s.since,
      modificationTime: s.since,
      status: s.online === 0 ? 'offline' : s.online === s.total ? 'online' : 'partially_degraded',
      dataplanes: { total: s.total, online: s.online, offline: s.total - s.online },
      serviceType: 'internal',
    }));
  };
  app.get('/meshes/:mesh/service-insights', async (req) => {
    const items = await serviceInsights((req.params as { mesh: string }).mesh);
    return { total: items.length, items, next: null };
  });
  app.get('/meshes/:mesh/service-insights/:name', async (req) => {
    const { mesh, name } = req.params as { mesh: string; name: string };
    const found = (await serviceInsights(mesh)).find((s) => s.name === name);
    if (!found) throw new MeshworkError('NOT_FOUND', `no Dataplane of mesh "${mesh}" serves "${name}"`);
    return found;
  });

  app.get('/mesh-insights', async () => {
    const meshes = await deps.manager.list('Mesh');
    const items = await Promise.all(meshes.items.map(meshInsight));
    return { total: items.length, items, next: null };
  });
  app.get('/mesh-insights/:mesh', async (req) => meshInsight(await deps.manager.get({ type: 'Mesh', name: (req.params as { mesh: string }).mesh })));
}
