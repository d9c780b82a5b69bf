import type { TargetRef } from '../core/target-ref.ts';
import { clusterChoice } from '../core/backends.ts';
import { applyingPolicies, routeTargetMatch, targetNames, type Policy } from '../core/matching.ts';
import type { PolicyPlugin } from '../core/plugin.ts';
import { fractionalPercent, HCM, headerMatcher, networkFilters, outboundsByService, ROUTE_ORIGIN } from '../core/plugin.ts';
import { backendCluster } from '../core/backends.ts';
import type { httpMatch, meshHttpRouteConf } from './schema.ts';
import type { z } from 'zod';

// MeshHTTPRoute → the routes of the destination's outbound HTTP connection manager. Rules of
// more specific policies come first; within the routes, more specific matches come first
// (exact path, then longer prefixes, then regular expressions; more headers first). The
// original catch-all route stays last. Filters map to Envoy route options.

type Obj = Record<string, unknown>;
type Match = z.infer<typeof httpMatch>;
type Conf = z.infer<typeof meshHttpRouteConf>;
interface RouteSpec {
  to?: { targetRef: TargetRef; rules: { matches: Match[]; default: Conf }[] }[];
}

const REDIRECT_CODE: Record<number, string> = { 301: 'MOVED_PERMANENTLY', 302: 'FOUND', 303: 'SEE_OTHER', 307: 'TEMPORARY_REDIRECT', 308: 'PERMANENT_REDIRECT' };

function envoyMatch(m: Match): Obj {
  const match: Obj = {};
  const p = m.path;
  if (!p) match.prefix = '/';
  else if (p.type === 'Exact') match.path = p.value;
  else if (p.type === 'PathPrefix') {
    if (p.value === '/') match.prefix = '/';
    else match.path_separated_prefix = p.value;
  } else match.safe_regex = { regex: p.value };
  const headers: Obj[] = [];
  if (m.method) headers.push({ name: ':method', string_match: { exact: m.method } });
  for (const h of m.headers ?? []) headers.push(headerMatcher(h));
  if (headers.length) match.headers = headers;
  if (m.queryParams?.length) match.query_parameters = m.queryParams.map((q) => ({ name: q.name, string_match: q.type === 'Exact' ? { exact: q.value } : { safe_regex: { regex: q.value } } }));
  return match;
}

/**
 * Sort key, as Gateway API orders matches: exact paths, then longer prefixes (no path match
 * is the prefix "/"), then regexes; at equal paths, more conditions (method, headers, query
 * parameters) first.
 */
function specificity(m: Match): number[] {
  const path = m.path ?? { type: 'PathPrefix' as const, value: '/' };
  const kind = path.type === 'Exact' ? 0 : path.type === 'PathPrefix' ? 1 : 2;
  return [kind, -path.value.length, -((m.headers?.length ?? 0) + (m.queryParams?.length ?? 0) + (m.method ? 1 : 0))];
}

const headerValue = (h: { name: string; value: string }, action: string) => ({ header: { key: h.name, value: h.value }, append_action: action });

export const meshHttpRoutePlugin: PolicyPlugin = {
  type: 'MeshHTTPRoute',
  order: 2,
  apply(ctx, _rules, out) {
    // Most specific first: its rules take precedence.
    const policies = applyingPolicies((ctx.policies?.get('MeshHTTPRoute') ?? []) as Policy[], ctx.dataplane).reverse();
    if (!policies.length) return;
    for (const entries of outboundsByService(out).values()) {
      // Each rule remembers its MeshHTTPRoute (by name and display name, as policies target it).
      const rules = policies.flatMap((p) => ((p.spec as RouteSpec).to ?? []).filter((t) => routeTargetMatch(t.targetRef, entries[0]!.origin) !== undefined).flatMap((t) => (t.rules ?? []).flatMap((r) => r.matches.map((m) => ({ match: m, conf: r.default, origin: targetNames(p) })))));
      if (!rules.length) continue;
      rules.sort((a, b) => {
        const x = specificity(a.match);
        const y = specificity(b.match);
        return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;
      });
      for (const { listener, origin: outbound } of entries) {
        for (const { config } of networkFilters(listener, HCM)) {
          const vhost = (config.route_config as { virtual_hosts: { routes: Obj[] }[] }).virtual_hosts[0]!;
          const fallback = vhost.routes.at(-1)!;
          const routes: Obj[] = rules.map(({ match, conf, origin }) => {
            const route: Obj = { match: envoyMatch(match), [ROUTE_ORIGIN]: origin };
            const filters = conf.filters ?? [];
            const redirect = filters.find((f) => f.type === 'RequestRedirect')?.requestRedirect;
            if (redirect) {
              route.redirect = {
                ...(redirect.scheme ? { scheme_redirect: redirect.scheme } : {}),
                ...(redirect.hostname ? { host_redirect: redirect.hostname } : {}),
                ...(redirect.port ? { port_redirect: redirect.port } : {}),
                ...(redirect.path?.type === 'ReplaceFullPath' ? { path_redirect: redirect.path.replaceFullPath } : {}),
                ...(redirect.path?.type === 'ReplacePrefixMatch' ? { prefix_rewrite: redirect.path.replacePrefixMatch } : {}),
                response_code: REDIRECT_CODE[redirect.statusCode ?? 302],
              };
            } else {
              const action: Obj = { ...clusterChoice(ctx, out, conf.backendRefs, outbound.cluster), timeout: (fallback.route as Obj | undefined)?.timeout ?? '15s' };
              const rewrite = filters.find((f) => f.type === 'URLRewrite')?.urlRewrite;
              if (rewrite?.hostname) action.host_rewrite_literal = rewrite.hostname;
              else if (rewrite?.hostToBackendHostname) action.auto_host_rewrite = true;
              if (rewrite?.path?.type === 'ReplacePrefixMatch') action.prefix_rewrite = rewrite.path.replacePrefixMatch;
              if (rewrite?.path?.type === 'ReplaceFullPath') action.regex_rewrite = { pattern: { regex: '^.*$' }, substitution: rewrite.path.replaceFullPath };
              const mirrors = filters.filter((f) => f.type === 'RequestMirror').map((f) => f.requestMirror!);
              if (mirrors.length) {
                action.request_mirror_policies = mirrors.map((m) => ({ cluster: backendCluster(ctx, out, m.backendRef, out.cluster.get(outbound.cluster) as Obj | undefined), ...(m.percentage !== undefined ? { runtime_fraction: { default_value: fractionalPercent(m.percentage) } } : {}) }));
              }
              route.route = action;
            }
            for (const f of filters) {
              const mod = f.type === 'RequestHeaderModifier' ? f.requestHeaderModifier : f.type === 'ResponseHeaderModifier' ? f.responseHeaderModifier : undefined;
              if (!mod) continue;
              const side = f.type === 'RequestHeaderModifier' ? 'request' : 'response';
              const add = [...(mod.set ?? []).map((h) => headerValue(h, 'OVERWRITE_IF_EXISTS_OR_ADD')), ...(mod.add ?? []).map((h) => headerValue(h, 'APPEND_IF_EXISTS_OR_ADD'))];
              if (add.length) route[`${side}_headers_to_add`] = [...((route[`${side}_headers_to_add`] as Obj[] | undefined) ?? []), ...add];
              if (mod.remove?.length) route[`${side}_headers_to_remove`] = mod.remove;
            }
            return route;
          });
          vhost.routes = [...routes, fallback];
        }
      }
    }
  },
};
