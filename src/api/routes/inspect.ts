import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MeshworkError } from '../../core/errors.ts';
import { computeRules, selectsDataplane, type Policy, type ProxyRules } from '../../policies/core/matching.ts';
import type { Resource } from '../../resources/resource.ts';
import type { DataplaneSpec } from '../../resources/types/dataplane.ts';
import { outboundServices } from '../../xds/generate/context.ts';
import type { ApiDeps } from '../deps.ts';
import { listBody, listOptionsFromQuery } from '../paging.ts';

// Inspection: the rules each policy type gives a dataplane (`_rules`), the dataplanes a
// policy selects (`_resources/dataplanes`), and on a zone the Envoy config generated for a
// proxy (`_config`; 405 on global, which generates none).

type Params = { mesh: string; name: string };

function rulesView(type: string, r: ProxyRules) {
  return {
    type,
    toRules: [...r.to].map(([service, rule]) => ({ destination: { 'kuma.io/service': service }, conf: rule.conf, origin: rule.origin })),
    inboundRule: r.inbound ? { conf: r.inbound.conf, origin: r.inbound.origin } : null,
    fromRules: r.from.map((f) => ({ matcher: f.targetRef, conf: f.conf, origin: f.origin })),
    proxyRule: r.single ? { conf: r.single.conf, origin: r.single.origin } : null,
  };
}

export function inspectRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const policyTypes = deps.registry.all().filter((d) => d.isPolicy);

  app.get('/meshes/:mesh/dataplanes/:name/_rules', async (req: FastifyRequest<{ Params: Params }>) => {
    const dp = (await deps.manager.get({ type: 'Dataplane', mesh: req.params.mesh, name: req.params.name })) as Resource<DataplaneSpec>;
    const services = outboundServices(dp.spec);
    const rules = [];
    for (const d of policyTypes) {
      const policies = (await deps.manager.list(d.name, { mesh: req.params.mesh })).items as Policy[];
      if (policies.length === 0) continue;
      const r = computeRules(policies, dp, services);
      if (r.to.size || r.inbound || r.from.length || r.single) rules.push(rulesView(d.name, r));
    }
    return { rules };
  });

  app.get('/meshes/:mesh/dataplanes/:name/_config', async (req: FastifyRequest<{ Params: Params }>) => {
    if (!deps.proxyConfig) throw new MeshworkError('READ_ONLY', 'the global control plane generates no proxy configuration: ask the zone the proxy is connected to');
    await deps.manager.get({ type: 'Dataplane', mesh: req.params.mesh, name: req.params.name });
    const config = deps.proxyConfig(`${req.params.mesh}.${req.params.name}`);
    if (!config) throw new MeshworkError('NOT_FOUND', `no configuration generated for ${req.params.mesh}.${req.params.name}: its proxy is not connected to this control plane`);
    return config;
  });

  for (const d of policyTypes) {
    app.get(`/meshes/:mesh/${d.collection}/:name/_resources/dataplanes`, async (req: FastifyRequest<{ Params: Params }>) => {
      const policy = (await deps.manager.get({ type: d.name, mesh: req.params.mesh, name: req.params.name })) as Policy;
      const options = listOptionsFromQuery(req);
      const all = (await deps.manager.list('Dataplane', { mesh: req.params.mesh })).items as Resource<DataplaneSpec>[];
      const selected = all.filter((dp) => selectsDataplane(policy.spec.targetRef, dp)).map((dp) => ({ mesh: dp.mesh, name: dp.name }));
      const page = selected.slice(options.offset, options.offset + options.size);
      return listBody(req, { items: [], total: selected.length, ...(options.offset + page.length < selected.length ? { nextOffset: options.offset + page.length } : {}) }, page, options.size);
    });
  }
}
