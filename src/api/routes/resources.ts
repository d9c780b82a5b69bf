import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MeshworkError, isMeshworkError, type InvalidParameter } from '../../core/errors.ts';
import type { ResourceTypeDescriptor } from '../../resources/descriptor.ts';
import { invalidResource, parseDocument, renderDocument } from '../../resources/document.ts';
import type { Resource, ResourceKey } from '../../resources/resource.ts';
import { dataplaneTagSet, type DataplaneSpec } from '../../resources/types/dataplane.ts';
import { requireAdmin } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { listBody, listOptionsFromQuery } from '../paging.ts';

// CRUD routes for every registered type, Kuma's paths:
//   mesh-scoped:   GET /meshes/:mesh/<col>, GET|PUT|DELETE /meshes/:mesh/<col>/:name, GET /<col>
//   global-scoped: GET /<col>,              GET|PUT|DELETE /<col>/:name
// PUT answers 201 when it created, 200 when it updated; `?dryRun=true` validates only;
// `If-Match: "<version>"` makes the write conditional (the version is in GET's ETag).

type Params = { mesh?: string; name?: string };

function keyFrom(d: ResourceTypeDescriptor, params: Params): ResourceKey {
  return d.scope === 'mesh' ? { type: d.name, mesh: params.mesh!, name: params.name! } : { type: d.name, name: params.name! };
}

function ifMatch(req: FastifyRequest): string | undefined {
  const raw = req.headers['if-match'];
  if (raw === undefined || raw === '*') return undefined;
  return String(raw).replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

/** Kuma's `?tag=KEY:VALUE` (repeatable) on Dataplane lists: every tag on some inbound or the gateway. */
function dataplaneTagFilter(query: Record<string, string | string[] | undefined>): ((r: Resource) => boolean) | undefined {
  const raw = query.tag === undefined ? [] : Array.isArray(query.tag) ? query.tag : [query.tag];
  if (raw.length === 0) return undefined;
  const wanted = raw.map((t) => {
    const i = t.indexOf(':');
    if (i <= 0) throw new MeshworkError('BAD_REQUEST', `invalid tag filter "${t}": use tag=KEY:VALUE`, { invalidParameters: [{ field: 'tag', reason: 'must be KEY:VALUE' }] });
    return [t.slice(0, i), t.slice(i + 1)] as const;
  });
  return (r) => {
    const tags = dataplaneTagSet(r.spec as DataplaneSpec);
    return wanted.every(([k, v]) => tags.get(k)?.has(v) === true);
  };
}

/** URL and body must agree on type, mesh and name; missing body fields are taken from the URL. */
function reconcileBody(d: ResourceTypeDescriptor, params: Params, body: unknown): { doc: Record<string, unknown>; mismatches: InvalidParameter[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new MeshworkError('INVALID_RESOURCE', 'request body must be a resource object', { invalidParameters: [{ field: '', reason: 'must be an object' }] });
  }
  const doc = { ...(body as Record<string, unknown>) };
  const mismatches: InvalidParameter[] = [];
  const expect = (field: 'type' | 'name' | 'mesh', value: string) => {
    if (doc[field] === undefined) doc[field] = value;
    else if (doc[field] !== value) mismatches.push({ field, reason: `${field} from the URL has to be the same as in body (URL: "${value}", body: "${String(doc[field])}")` });
  };
  expect('type', d.name);
  expect('name', params.name!);
  if (d.scope === 'mesh') expect('mesh', params.mesh!);
  return { doc, mismatches };
}

export function resourceRoutes(app: FastifyInstance, deps: ApiDeps, d: ResourceTypeDescriptor): void {
  for (const collection of [d.collection, ...(d.aliases ?? [])]) collectionRoutes(app, deps, d, collection);
}

function collectionRoutes(app: FastifyInstance, deps: ApiDeps, d: ResourceTypeDescriptor, collection: string): void {
  const base = d.scope === 'mesh' ? `/meshes/:mesh/${collection}` : `/${collection}`;
  const guardRead = (req: FastifyRequest) => {
    if (d.sensitive) requireAdmin(req, d.displayName.plural.toLowerCase());
  };

  const list = async (req: FastifyRequest<{ Params: Params }>) => {
    guardRead(req);
    const options = listOptionsFromQuery(req);
    if (req.params.mesh !== undefined) {
      // As Kuma: a list under a mesh that does not exist is a 404, not an empty list.
      await deps.manager.get({ type: 'Mesh', name: req.params.mesh });
      options.mesh = req.params.mesh;
    }
    if (d.name === 'Dataplane') {
      const where = dataplaneTagFilter(req.query as Record<string, string | string[] | undefined>);
      if (where) options.where = where;
    }
    const result = await deps.manager.list(d.name, options);
    return listBody(req, result, result.items.map((r) => renderDocument(r, d)), options.size);
  };
  app.get(base, list);
  if (d.scope === 'mesh') app.get(`/${collection}`, list);

  app.get(`${base}/:name`, async (req: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
    guardRead(req);
    const resource = await deps.manager.get(keyFrom(d, req.params));
    void reply.header('etag', `"${resource.version}"`);
    return renderDocument(resource, d);
  });

  app.put(`${base}/:name`, async (req: FastifyRequest<{ Params: Params; Querystring: Record<string, string> }>, reply: FastifyReply) => {
    const { doc, mismatches } = reconcileBody(d, req.params, req.body);
    let parsed: ReturnType<typeof parseDocument> | undefined;
    try {
      parsed = parseDocument(doc, deps.registry, { maxBytes: deps.config.store.maxResourceBytes });
    } catch (err) {
      if (!isMeshworkError(err, 'INVALID_RESOURCE') || mismatches.length === 0) throw err;
      mismatches.push(...err.invalidParameters);
    }
    if (mismatches.length > 0 || !parsed) {
      throw invalidResource(d.name, mismatches);
    }
    const dryRun = req.query.dryRun === 'true' || req.query.dryRun === '1';
    const expectedVersion = ifMatch(req);
    const { resource, created } = await deps.manager.apply(parsed.input, { dryRun, ...(expectedVersion ? { expectedVersion } : {}) });
    if (!dryRun) void reply.header('etag', `"${resource.version}"`);
    void reply.code(created ? 201 : 200);
    return renderDocument(resource, d);
  });

  app.delete(`${base}/:name`, async (req: FastifyRequest<{ Params: Params }>) => {
    const expectedVersion = ifMatch(req);
    await deps.manager.delete(keyFrom(d, req.params), expectedVersion ? { expectedVersion } : {});
    return {};
  });
}
