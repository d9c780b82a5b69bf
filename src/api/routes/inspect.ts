import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ADMIN_KINDS, type AdminKind, type AdminQuery, type ProxyRef } from '../../envoy-admin/access.ts';
import { MeshworkError } from '../../core/errors.ts';
import { applyingRoutes, computeRules, routeRule, selectsDataplane, targetNames, type Policy, type ProxyRules } from '../../policies/core/matching.ts';
import type { Resource } from '../../resources/resource.ts';
import type { DataplaneSpec } from '../../resources/types/dataplane.ts';
import type { MeshSpec } from '../../resources/types/mesh.ts';
import type { MeshServiceSpec } from '../../resources/types/mesh-service.ts';
import { dataplaneLayout } from '../../meshservice/layout.ts';
import { meshServicesMode } from '../../meshservice/generate.ts';
import { outboundServices } from '../../xds/generate/context.ts';
import type { MeshServiceDestination } from '../../xds/model/context.ts';
import { meshServiceDestinations, meshServiceOutbounds } from '../../meshservice/destinations.ts';
import { envoyConfigDump } from '../../xds/envoy/config-dump.ts';
import { redactConfigDump } from '../../xds/envoy/redact.ts';
import { requireAdmin } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { listBody, listOptionsFromQuery } from '../paging.ts';

// Inspection: the rules each policy type gives a dataplane (`_rules`), the dataplanes a
// policy selects (`_resources/dataplanes`), and on a zone the Envoy config generated for a
// proxy (`_config`; 405 on global, which generates none). A config dump is redacted as
// Envoy's admin redacts it and, like secrets, only admins may read it.

type Params = { mesh: string; name: string };

type RouteRule = { destination: { 'kuma.io/service': string }; route: string; conf: unknown; origin: string[] };

/** `destinations`: the MeshService ports the proxy reaches, by cluster (their rules are Kuma's toResourceRules). */
function rulesView(type: string, r: ProxyRules, toRouteRules: RouteRule[], mesh: string, destinations: ReadonlyMap<string, MeshServiceDestination>) {
  const toRules = [...r.to].filter(([key]) => !destinations.has(key));
  const toResourceRules = [...r.to].flatMap(([key, rule]) => {
    const d = destinations.get(key);
    if (!d) return [];
    const origin = rule.origin.map((name) => ({ resourceMeta: { type, mesh, name } }));
    return [{ resourceMeta: { type: 'MeshService', mesh, name: d.name, labels: d.labels }, resourceSectionName: d.portName, conf: [rule.conf], origin }];
  });
  return {
    type,
    toRules: toRules.map(([service, rule]) => ({ destination: { 'kuma.io/service': service }, conf: rule.conf, origin: rule.origin })),
    ...(toResourceRules.length ? { toResourceRules } : {}),
    // Policies targeting a MeshHTTPRoute: the conf of the routes it makes, per destination.
    ...(toRouteRules.length ? { toRouteRules } : {}),
    inboundRule: r.inbound ? { conf: r.inbound.conf, origin: r.inbound.origin } : null,
    fromRules: r.from.map((f) => ({ matcher: f.targetRef, conf: f.conf, origin: f.origin })),
    // With a policy for one inbound (sectionName): the inbound rules of each inbound, by port.
    ...(r.sections
      ? {
          inboundRulesByPort: [...r.sections].map(([port, s]) => ({
            port,
            inboundRule: s.inbound ? { conf: s.inbound.conf, origin: s.inbound.origin } : null,
            fromRules: s.from.map((f) => ({ matcher: f.targetRef, conf: f.conf, origin: f.origin })),
          })),
        }
      : {}),
    proxyRule: r.single ? { conf: r.single.conf, origin: r.single.origin } : null,
  };
}

export function inspectRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const policyTypes = deps.registry.all().filter((d) => d.isPolicy);

  app.get('/meshes/:mesh/dataplanes/:name/_rules', async (req: FastifyRequest<{ Params: Params }>) => {
    const dp = (await deps.manager.get({ type: 'Dataplane', mesh: req.params.mesh, name: req.params.name })) as Resource<DataplaneSpec>;
    const mesh = (await deps.manager.get({ type: 'Mesh', name: req.params.mesh })) as Resource<MeshSpec>;
    const meshServices = (await deps.manager.list('MeshService', { mesh: req.params.mesh })).items as Resource<MeshServiceSpec>[];
    // The MeshService ports it reaches, as its build resolves them (only their names and ports matter here).
    const reached = meshServices.length ? meshServiceOutbounds(dp, mesh, meshServiceDestinations(meshServices, []).destinations).map((o) => o.destination) : [];
    const destinations = new Map(reached.map((d) => [d.cluster, d]));
    const services = outboundServices(dp.spec);
    const routes = applyingRoutes((await deps.manager.list('MeshHTTPRoute', { mesh: req.params.mesh })).items as Policy[], dp, services);
    const rules = [];
    for (const d of policyTypes) {
      const policies = (await deps.manager.list(d.name, { mesh: req.params.mesh })).items as Policy[];
      if (policies.length === 0) continue;
      const r = computeRules(policies, dp, services, [...destinations.values()]);
      const toRouteRules = routes.flatMap(({ route, services: routed }) =>
        routed.flatMap((service): RouteRule[] => {
          const rule = routeRule(policies, dp, targetNames(route), service, undefined);
          return rule ? [{ destination: { 'kuma.io/service': service }, route: targetNames(route).at(-1)!, conf: rule.conf, origin: rule.origin }] : [];
        }),
      );
      if (r.to.size || r.inbound || r.from.length || r.single || r.sections || toRouteRules.length) rules.push(rulesView(d.name, r, toRouteRules, req.params.mesh, destinations));
    }
    return { rules };
  });

  // Kuma 2.12+'s networking layout: inbounds and reachable destinations by kri (meshes in mode Exclusive only, as Kuma).
  app.get('/meshes/:mesh/dataplanes/:name/_layout', async (req: FastifyRequest<{ Params: Params }>) => {
    const mesh = (await deps.manager.get({ type: 'Mesh', name: req.params.mesh })) as Resource<MeshSpec>;
    if (meshServicesMode(mesh) !== 'Exclusive') throw new MeshworkError('BAD_REQUEST', "can't use _layout endpoint without meshService enabled: set the mesh's meshServices.mode to Exclusive");
    const dp = (await deps.manager.get({ type: 'Dataplane', mesh: req.params.mesh, name: req.params.name })) as Resource<DataplaneSpec>;
    return dataplaneLayout(dp, (await deps.manager.list('MeshService', { mesh: req.params.mesh })).items as Resource<MeshServiceSpec>[]);
  });

  /** The proxy's configuration as this zone generated it, redacted (admins only). */
  const generatedConfig = async (req: FastifyRequest<{ Params: Params }>) => {
    if (!deps.proxyConfig) throw new MeshworkError('READ_ONLY', 'the global control plane generates no proxy configuration: ask the zone the proxy is connected to');
    requireAdmin(req, 'the configuration of a proxy');
    await deps.manager.get({ type: 'Dataplane', mesh: req.params.mesh, name: req.params.name });
    const config = deps.proxyConfig(`${req.params.mesh}.${req.params.name}`);
    if (!config) throw new MeshworkError('NOT_FOUND', `no configuration generated for ${req.params.mesh}.${req.params.name}: its proxy is not connected to this control plane`);
    return redactConfigDump(config);
  };
  // Kuma's shape: `_config` is {xds: <Envoy config dump>}, of the configuration this zone generated.
  app.get('/meshes/:mesh/dataplanes/:name/_config', async (req: FastifyRequest<{ Params: Params }>) => ({ xds: envoyConfigDump(await generatedConfig(req), { includeEds: true }) }));

  // The proxy's own Envoy admin (`kumactl inspect dataplane|zoneingress NAME
  // --type=config-dump|stats|clusters`), as Kuma's: `xds` is Envoy's /config_dump (endpoints
  // with ?include_eds), `stats` its /stats (?format=json, ?usedonly=false for every stat),
  // `clusters` its /clusters (?format=json). A zone asks the proxy; global asks its zone.
  const adminQuery = (kind: AdminKind, q: Record<string, string | undefined>): AdminQuery => {
    const flag = (v: string | undefined) => v !== undefined && v !== 'false' && v !== '0';
    if (kind === 'xds') return { includeEds: flag(q.include_eds) };
    return { format: q.format === 'json' ? 'json' : 'text', ...(kind === 'stats' ? { usedOnly: q.usedonly === undefined || q.usedonly === '' || flag(q.usedonly) } : {}) };
  };
  const admin = async (req: FastifyRequest, reply: FastifyReply, proxy: ProxyRef, kind: AdminKind) => {
    if (!deps.envoyAdmin) throw new MeshworkError('READ_ONLY', 'this control plane cannot reach the Envoy admin of proxies');
    requireAdmin(req, `the Envoy ${kind === 'xds' ? 'config dump' : kind} of a proxy`);
    const answer = await deps.envoyAdmin.inspect(proxy, kind, adminQuery(kind, req.query as Record<string, string | undefined>));
    return reply.type(answer.contentType).send(answer.body);
  };
  for (const kind of ADMIN_KINDS) {
    app.get(`/meshes/:mesh/dataplanes/:name/${kind}`, (req: FastifyRequest<{ Params: Params }>, reply) => admin(req, reply, { type: 'Dataplane', mesh: req.params.mesh, name: req.params.name }, kind));
    app.get(`/zoneingresses/:name/${kind}`, (req: FastifyRequest<{ Params: { name: string } }>, reply) => admin(req, reply, { type: 'ZoneIngress', name: req.params.name }, kind));
  }

  /** The dataplanes of a mesh a policy takes effect on (for one targeting a MeshHTTPRoute: where that route applies). */
  const selectedBy = async (d: { name: string }, mesh: string, name: string) => {
    const policy = (await deps.manager.get({ type: d.name, mesh, name })) as Policy;
    const all = (await deps.manager.list('Dataplane', { mesh })).items as Resource<DataplaneSpec>[];
    const target = policy.spec.targetRef;
    const routes = target?.kind === 'MeshHTTPRoute' ? ((await deps.manager.list('MeshHTTPRoute', { mesh })).items as Policy[]).filter((r) => targetNames(r).includes(target.name ?? '')) : [];
    const applies = (dp: Resource<DataplaneSpec>) => (target?.kind === 'MeshHTTPRoute' ? applyingRoutes(routes, dp, outboundServices(dp.spec)).length > 0 : selectsDataplane(target, dp));
    return all.filter(applies).map((dp) => ({ mesh: dp.mesh!, name: dp.name }));
  };

  for (const d of policyTypes) {
    app.get(`/meshes/:mesh/${d.collection}/:name/_resources/dataplanes`, async (req: FastifyRequest<{ Params: Params }>) => {
      const selected = await selectedBy(d, req.params.mesh, req.params.name);
      const options = listOptionsFromQuery(req);
      const page = selected.slice(options.offset, options.offset + options.size);
      return listBody(req, { items: [], total: selected.length, ...(options.offset + page.length < selected.length ? { nextOffset: options.offset + page.length } : {}) }, page, options.size);
    });
    // Kuma's inspect of a policy (`kumactl inspect <policy> NAME`): the dataplanes it selects.
    app.get(`/meshes/:mesh/${d.collection}/:name/dataplanes`, async (req: FastifyRequest<{ Params: Params }>) => {
      const selected = await selectedBy(d, req.params.mesh, req.params.name);
      return { total: selected.length, items: selected.map((dataplane) => ({ kind: 'SidecarDataplane', dataplane, attachments: [] })) };
    });
  }

  // Kuma's `kumactl inspect dataplane NAME` (its default type, `policies`) lists the legacy
  // (pre-targetRef) policies matching the proxy: Meshwork has none of those.
  app.get('/meshes/:mesh/dataplanes/:name/policies', async (req: FastifyRequest<{ Params: Params }>) => {
    await deps.manager.get({ type: 'Dataplane', mesh: req.params.mesh, name: req.params.name });
    return { kind: 'SidecarDataplane', total: 0, items: [] };
  });
}
