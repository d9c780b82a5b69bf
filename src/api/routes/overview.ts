import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isMeshworkError } from '../../core/errors.ts';
import type { ResourceTypeDescriptor } from '../../resources/descriptor.ts';
import type { Resource } from '../../resources/resource.ts';
import type { ApiDeps } from '../deps.ts';
import { listBody, listOptionsFromQuery } from '../paging.ts';

// `_overview` (alias `+insights`) endpoints: each resource with its insight, in Kuma's
// shape, e.g. {"type":"ZoneOverview","name":…,"zone":{…},"zoneInsight":{…}}.

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

type Params = { mesh?: string; name?: string };

export function overviewRoutes(app: FastifyInstance, deps: ApiDeps, d: ResourceTypeDescriptor): void {
  const insightType = d.insightType;
  if (!insightType) return;
  const key = lowerFirst(d.name);
  const insightKey = lowerFirst(insightType);

  const overview = (r: Resource, insight: Resource | undefined) => {
    const o: Record<string, unknown> = { type: `${d.name}Overview` };
    if (r.mesh !== undefined) o.mesh = r.mesh;
    o.name = r.name;
    o.creationTime = r.creationTime;
    o.modificationTime = r.modificationTime;
    if (Object.keys(r.labels).length > 0) o.labels = r.labels;
    o[key] = r.spec;
    o[insightKey] = insight?.spec ?? {};
    return o;
  };

  const findInsight = async (r: Resource) => {
    try {
      return await deps.manager.get({ type: insightType, ...(r.mesh !== undefined ? { mesh: r.mesh } : {}), name: r.name });
    } catch (err) {
      if (isMeshworkError(err, 'NOT_FOUND')) return undefined;
      throw err;
    }
  };

  const list = async (req: FastifyRequest<{ Params: Params }>) => {
    const options = listOptionsFromQuery(req);
    if (req.params.mesh !== undefined) options.mesh = req.params.mesh;
    const result = await deps.manager.list(d.name, options);
    const insights = await deps.manager.list(insightType, req.params.mesh !== undefined ? { mesh: req.params.mesh } : {});
    const byKey = new Map(insights.items.map((i) => [`${i.mesh ?? ''}/${i.name}`, i]));
    return listBody(req, result, result.items.map((r) => overview(r, byKey.get(`${r.mesh ?? ''}/${r.name}`))), options.size);
  };
  const one = async (req: FastifyRequest<{ Params: Params }>) => {
    const r = await deps.manager.get({ type: d.name, ...(d.scope === 'mesh' ? { mesh: req.params.mesh! } : {}), name: req.params.name! });
    return overview(r, await findInsight(r));
  };

  for (const collection of [d.collection, ...(d.aliases ?? [])]) {
    const bases = d.scope === 'mesh' ? [`/meshes/:mesh/${collection}`, `/${collection}`] : [`/${collection}`];
    for (const base of bases) {
      app.get(`${base}/_overview`, list);
      app.get(`${base}+insights`, list);
    }
    const single = d.scope === 'mesh' ? `/meshes/:mesh/${collection}` : `/${collection}`;
    app.get(`${single}/:name/_overview`, one);
    app.get(`${single}+insights/:name`, one);
  }
}
