import type { FastifyInstance } from 'fastify';
import { redactConfig } from '../../core/config/load.ts';
import type { DataplaneSpec } from '../../resources/types/dataplane.ts';
import { isOnline } from '../../resources/types/insights.ts';
import type { MeshSpec } from '../../resources/types/mesh.ts';
import type { ApiDeps } from '../deps.ts';

// Index, configuration, type metadata and the computed insights (global-insight,
// mesh-insights). Insights are computed on request from the store.

function readOnlyFor(deps: ApiDeps, d: { readOnly: { global: boolean; federatedZone: boolean; standalone: boolean } }): boolean {
  return deps.role === 'global' ? d.readOnly.global : deps.role === 'federated-zone' ? d.readOnly.federatedZone : d.readOnly.standalone;
}

export function metaRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const mode = deps.role === 'global' ? 'global' : 'zone';

  app.get('/', async () => ({
    hostname: deps.hostname,
    tagline: 'Meshwork',
    product: 'Meshwork',
    version: deps.version,
    basedOnKuma: '2.14.3',
    instanceId: deps.instanceId,
    clusterId: deps.instanceId,
    mode,
    ...(deps.role === 'federated-zone' && deps.config.multizone.zone.name ? { zone: deps.config.multizone.zone.name } : {}),
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
    const services = new Set(dataplanes.items.flatMap((r) => ((r.spec as DataplaneSpec).networking.inbound ?? []).map((ib) => `${r.mesh}/${ib.tags['kuma.io/service']}`)));
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
    const services = new Set(dps.items.flatMap((r) => ((r.spec as DataplaneSpec).networking.inbound ?? []).map((ib) => ib.tags['kuma.io/service'])));
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

  app.get('/mesh-insights', async () => {
    const meshes = await deps.manager.list('Mesh');
    const items = await Promise.all(meshes.items.map(meshInsight));
    return { total: items.length, items, next: null };
  });
  app.get('/mesh-insights/:mesh', async (req) => meshInsight(await deps.manager.get({ type: 'Mesh', name: (req.params as { mesh: string }).mesh })));
}
