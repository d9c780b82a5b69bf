import type { ProxyContext } from '../../xds/model/context.ts';
import { resourcesOf, type OriginOf, type ResourceSet } from '../../xds/model/resource-set.ts';
import { inboundRulesOf, routeRule, type Policy, type ProxyRules, type Rule } from './matching.ts';
import { parseDuration, toProtoDuration } from '../../core/duration.ts';
import { SERVICE_TAG } from '../../resources/types/dataplane.ts';

// A policy plugin turns the rules of one policy type into changes of the Envoy resources the
// generators produced. Plugins run in `order` after every generator; each touches only the
// Envoy objects it is about. No policy logic lives anywhere else.

export type { PolicyPlugin } from '../../xds/model/policy.ts';

type Obj = Record<string, unknown>;

/** The proxy's own service (its first inbound's kuma.io/service), as logs, traces and metrics name it. */
export const ownService = (ctx: ProxyContext): string | undefined => ctx.dataplane.spec.networking.inbound?.find((ib) => ib.tags?.[SERVICE_TAG])?.tags?.[SERVICE_TAG];

/**
 * Outbound listeners and clusters of each destination, with their origin, by the key of its
 * `to` rules (ProxyRules.to): its cluster (a tag outbound's is its service). All entries of a
 * destination share their origin's `service` (the name policies and routes use).
 */
export function outboundsByService(out: ResourceSet): Map<string, { listener: Obj; cluster: Obj | undefined; origin: OriginOf<'outbound'> }[]> {
  const by = new Map<string, { listener: Obj; cluster: Obj | undefined; origin: OriginOf<'outbound'> }[]>();
  for (const { resource, origin } of resourcesOf(out, 'listener', 'outbound')) {
    const list = by.get(origin.cluster) ?? [];
    list.push({ listener: resource, cluster: out.cluster.get(origin.cluster) as Obj | undefined, origin });
    by.set(origin.cluster, list);
  }
  return by;
}

/** Inbound listeners of the proxy's own services (not the Prometheus or passthrough ones), with their origin. */
export function inboundListeners(out: ResourceSet): { listener: Obj; origin: OriginOf<'inbound'> }[] {
  return resourcesOf(out, 'listener', 'inbound').map(({ resource, origin }) => ({ listener: resource, origin }));
}

/** Each inbound listener with its inbound rules (per inbound when a policy targets one with sectionName). */
export function forEachInbound(rules: ProxyRules, out: ResourceSet, fn: (listener: Obj, r: { inbound: Rule | undefined; from: ProxyRules['from']; origin: OriginOf<'inbound'> }) => void): void {
  for (const { listener, origin } of inboundListeners(out)) fn(listener, { ...inboundRulesOf(rules, origin.port), origin });
}

/** The local cluster an inbound listener sends to (its route's, or its TCP proxy's). */
export function inboundCluster(listener: Obj, out: ResourceSet): Obj | undefined {
  const local = networkFilters(listener, HCM)[0]?.config ?? networkFilters(listener, TCP_PROXY)[0]?.config;
  const name = (local && (routesOf(local)[0]?.route as Obj | undefined)?.cluster) ?? local?.cluster;
  return out.cluster.get(String(name)) as Obj | undefined;
}

/** Every network filter of a listener with the given name, in every filter chain. */
export function networkFilters(listener: Obj, name: string): { chain: Obj; filter: Obj; config: Obj }[] {
  const out: { chain: Obj; filter: Obj; config: Obj }[] = [];
  for (const chain of (listener.filter_chains as Obj[] | undefined) ?? []) {
    for (const filter of (chain.filters as Obj[] | undefined) ?? []) if (filter.name === name) out.push({ chain, filter, config: filter.typed_config as Obj });
  }
  return out;
}

export const HCM = 'envoy.filters.network.http_connection_manager';
export const TCP_PROXY = 'envoy.filters.network.tcp_proxy';

/** Every route of an HTTP connection manager's inline route config. */
export function routesOf(hcm: Obj): Obj[] {
  const rc = hcm.route_config as { virtual_hosts?: { routes?: Obj[] }[] } | undefined;
  return (rc?.virtual_hosts ?? []).flatMap((vh) => vh.routes ?? []);
}

/** Inserts HTTP filters just before the router of an HTTP connection manager. */
export function insertHttpFilters(hcm: Obj, filters: Obj[]): void {
  const list = (hcm.http_filters as Obj[] | undefined) ?? [];
  const router = list.findIndex((f) => f.name === 'envoy.filters.http.router');
  const at = router < 0 ? list.length : router;
  hcm.http_filters = [...list.slice(0, at), ...filters, ...list.slice(at)];
}

/** Kuma's percentage (a number or decimal string) as an Envoy FractionalPercent. */
export function fractionalPercent(value: number | string): Obj {
  return { numerator: Math.round(Number(value) * 10_000), denominator: 'MILLION' };
}

/** A Kuma duration as an Envoy duration string, or undefined. */
export function envoyDuration(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const r = parseDuration(value);
  return r.ok ? toProtoDuration(r.ms) : undefined;
}

/** Applies `fn` to each outbound listener/cluster pair whose destination has a `to` rule. */
export function forEachOutbound(rules: ProxyRules, out: ResourceSet, fn: (conf: unknown, target: { listener: Obj; cluster: Obj | undefined; service: string; origin: OriginOf<'outbound'> }) => void): void {
  for (const [key, entries] of outboundsByService(out)) {
    const rule = rules.to.get(key);
    if (!rule) continue;
    for (const e of entries) fn(rule.conf, { ...e, service: e.origin.service });
  }
}

/**
 * On an Envoy route made by MeshHTTPRoute: the names of the MeshHTTPRoutes it came from
 * (policies can target them). A symbol: never part of the config sent to Envoy.
 */
export const ROUTE_ORIGIN = Symbol('meshwork.route-origin');

/** The MeshHTTPRoutes an Envoy route came from (none for the default route). */
const routeOrigin = (route: Obj): string[] => ((route as Record<symbol, unknown>)[ROUTE_ORIGIN] as string[] | undefined) ?? [];

/**
 * For plugins with route-level conf (MeshTimeout, MeshRetry): the rule of an Envoy route of an
 * outbound to `service`, where `base` is the destination's rule. A route made from a
 * MeshHTTPRoute that policies of this type target gets their conf over `base`; any other
 * route gets `base`. The targeting policies are picked once per proxy build.
 */
export function routeRules(ctx: ProxyContext, type: string): (route: Obj, service: string, base: Rule | undefined) => Rule | undefined {
  const targeting = ((ctx.policies?.get(type) ?? []) as Policy[]).filter((p) => p.spec.targetRef?.kind === 'MeshHTTPRoute' || (p.spec.to ?? []).some((t) => t.targetRef.kind === 'MeshHTTPRoute'));
  if (!targeting.length) return (_route, _service, base) => base;
  return (route, service, base) => {
    const origins = routeOrigin(route);
    return (origins.length ? routeRule(targeting, ctx.dataplane, origins, service, base) : undefined) ?? base;
  };
}

/** A Gateway-API-style header match (Exact by default, Prefix, RegularExpression, Present, Absent) as an Envoy HeaderMatcher. */
export function headerMatcher(h: { type?: string; name: string; value?: string }): Obj {
  const type = h.type ?? 'Exact';
  if (type === 'Present') return { name: h.name, present_match: true };
  if (type === 'Absent') return { name: h.name, present_match: false };
  return { name: h.name, string_match: type === 'Exact' ? { exact: h.value ?? '' } : type === 'Prefix' ? { prefix: h.value ?? '' } : { safe_regex: { regex: h.value ?? '' } } };
}
