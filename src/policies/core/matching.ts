import type { Resource } from '../../resources/resource.ts';
import { SERVICE_TAG, type DataplaneSpec } from '../../resources/types/dataplane.ts';
import { DISPLAY_NAME_LABEL, ORIGIN_LABEL } from '../../resources/labels.ts';
import { fold } from './merge.ts';
import type { TargetRef, TargetRefKind } from './target-ref.ts';

// Which policies apply to a proxy and what they add up to, as Kuma computes it:
//  - a policy applies when its top-level targetRef selects the proxy (Mesh; MeshSubset by
//    tags of one inbound; MeshService by an inbound's kuma.io/service; MeshServiceSubset by
//    both; Dataplane by name);
//  - applying policies are ordered by the specificity of their top-level kind (Mesh <
//    Dataplane < MeshSubset < MeshService < MeshServiceSubset < MeshHTTPRoute), then origin
//    (global < zone), then name descending, so that the smallest name is applied last;
//  - confs are folded in that order with JSON Merge Patch, later winning.

const KIND_RANK: Record<string, number> = { Mesh: 0, Dataplane: 1, MeshSubset: 2, MeshService: 3, MeshServiceSubset: 4, MeshHTTPRoute: 5 };

export type { Policy, ProxyRules, Rule } from '../../xds/model/policy.ts';
import type { Policy, ProxyRules, Rule } from '../../xds/model/policy.ts';
import type { MeshServiceDestination } from '../../xds/model/context.ts';

/** Whether `have` holds every tag of `want`. */
export const tagsMatch = (have: Record<string, string>, want: Record<string, string> | undefined) => Object.entries(want ?? {}).every(([k, v]) => have[k] === v);

/** Whether a top-level targetRef selects this dataplane. */
export function selectsDataplane(ref: TargetRef | undefined, dp: Resource<DataplaneSpec>): boolean {
  const kind: TargetRefKind = ref?.kind ?? 'Mesh';
  // Every proxy Meshwork configures is a sidecar: a policy for gateways only selects none.
  if (ref?.proxyTypes?.length && !ref.proxyTypes.includes('Sidecar')) return false;
  const inbounds = dp.spec.networking.inbound ?? [];
  switch (kind) {
    case 'Mesh':
      return true;
    case 'MeshSubset':
      return inbounds.some((ib) => tagsMatch(ib.tags ?? {}, ref!.tags));
    case 'MeshService':
      return inbounds.some((ib) => ib.tags?.[SERVICE_TAG] === ref!.name);
    case 'MeshServiceSubset':
      return inbounds.some((ib) => ib.tags?.[SERVICE_TAG] === ref!.name && tagsMatch(ib.tags ?? {}, ref!.tags));
    case 'Dataplane': {
      const named = ref!.name === undefined ? tagsMatch(dp.labels, ref!.labels) : ref!.name === dp.name || ref!.name === dp.labels[DISPLAY_NAME_LABEL];
      return named && (ref!.sectionName === undefined || inbounds.some((ib) => sectionMatches(ref!.sectionName!, ib)));
    }
    default:
      return false;
  }
}

/** Kuma's order of application: least specific first, so the most specific is applied last. */
export function sortPolicies<P extends Policy>(policies: readonly P[]): P[] {
  const origin = (p: Policy) => (p.labels[ORIGIN_LABEL] === 'zone' ? 1 : 0);
  const display = (p: Policy) => p.labels[DISPLAY_NAME_LABEL] ?? p.name;
  return [...policies].sort(
    (a, b) =>
      (KIND_RANK[a.spec.targetRef?.kind ?? 'Mesh'] ?? 0) - (KIND_RANK[b.spec.targetRef?.kind ?? 'Mesh'] ?? 0) ||
      origin(a) - origin(b) ||
      (display(a) < display(b) ? 1 : display(a) > display(b) ? -1 : 0),
  );
}

/** The policies of the proxy's mesh that select it, least specific first. */
export function applyingPolicies<P extends Policy>(policies: readonly P[], dp: Resource<DataplaneSpec>): P[] {
  return sortPolicies(policies.filter((p) => p.mesh === dp.mesh && selectsDataplane(p.spec.targetRef, dp)));
}

/**
 * The conf for one destination of the policies whose top-level targetRef is a MeshHTTPRoute
 * among `routes` (the MeshHTTPRoutes an Envoy route was made from), least specific first,
 * folded over the proxy's rule for that destination (`base`). Undefined when none targets them.
 */
export function routeRule(policies: readonly Policy[], dp: Resource<DataplaneSpec>, routes: readonly string[], service: string, base: Rule | undefined): Rule | undefined {
  const targeting = sortPolicies(policies.filter((p) => p.mesh === dp.mesh && p.spec.targetRef?.kind === 'MeshHTTPRoute' && routes.includes(p.spec.targetRef.name ?? '')));
  const items = targeting.flatMap((p) => (p.spec.to ?? []).filter((t) => toMatches(t.targetRef, service)).map((t) => ({ conf: t.default, origin: p.name })));
  // Kuma 2.9+: a policy that selects the proxy and names the route in `to` (kind MeshHTTPRoute)
  // configures that route, after the policies whose top-level targetRef is the route.
  const naming = applyingPolicies(
    policies.filter((p) => p.spec.targetRef?.kind !== 'MeshHTTPRoute'),
    dp,
  ).flatMap((p) => (p.spec.to ?? []).filter((t) => t.targetRef.kind === 'MeshHTTPRoute' && routes.includes(t.targetRef.name ?? '')).map((t) => ({ conf: t.default, origin: p.name })));
  items.push(...naming);
  if (!items.length) return undefined;
  return { conf: fold([...(base ? [base.conf] : []), ...items.map((i) => i.conf)]), origin: [...(base?.origin ?? []), ...new Set(items.map((i) => i.origin))] };
}

/** The names a policy can be targeted by: its own, and its display name once synced. */
export const targetNames = (p: Policy): string[] => [...new Set([p.name, p.labels[DISPLAY_NAME_LABEL] ?? p.name])];

/**
 * The MeshHTTPRoutes (of `routes`) that apply to the dataplane and route one of `services`,
 * with the destinations they route: where a policy targeting them takes effect.
 */
export function applyingRoutes(routes: readonly Policy[], dp: Resource<DataplaneSpec>, services: readonly string[]): { route: Policy; services: string[] }[] {
  return applyingPolicies(routes, dp).flatMap((route) => {
    const routed = [...new Set((route.spec.to ?? []).map((t) => t.targetRef.name ?? '').filter((s) => services.includes(s)))];
    return routed.length ? [{ route, services: routed }] : [];
  });
}

/** Whether a targetRef's sectionName names this inbound (by its name or its port). */
export const sectionMatches = (section: string, ib: { name?: string; port: number }) => ib.name === section || String(ib.port) === section;

/** The inbound rules for the inbound on `port` (its own when a policy targets it with sectionName). */
export function inboundRulesOf(rules: ProxyRules, port: number): { inbound: Rule | undefined; from: ProxyRules['from'] } {
  return rules.sections?.get(port) ?? { inbound: rules.inbound, from: rules.from };
}

const toMatches = (ref: TargetRef, service: string) => ref.kind === 'Mesh' || (ref.kind === 'MeshService' && ref.name === service) || (ref.kind === 'MeshMultiZoneService' && ref.name === service);

/**
 * How specifically a `to` targetRef names a MeshService port (Kuma's ResourceRules: a section
 * over the whole service over the Mesh); undefined when it does not. By name (its display name
 * or resource name) or labels, and sectionName by the port's name or number.
 */
function meshServiceToMatch(ref: TargetRef, d: MeshServiceDestination): number | undefined {
  if (ref.kind === 'Mesh') return 0;
  if (ref.kind !== 'MeshService') return undefined;
  const named = ref.name !== undefined ? ref.name === d.displayName || ref.name === d.name : ref.labels !== undefined && tagsMatch(d.labels, ref.labels);
  if (!named) return undefined;
  if (ref.sectionName === undefined) return 1;
  return ref.sectionName === d.portName || ref.sectionName === String(d.port) ? 2 : undefined;
}

/**
 * How specifically a route's `to` targetRef names an outbound's destination (MeshHTTPRoute,
 * MeshTCPRoute): a MeshService port by name or labels and sectionName (2 with a section, 1
 * without), a tag service by name (1); undefined when it does not.
 */
export function routeTargetMatch(ref: TargetRef, destination: { service: string; meshService?: MeshServiceDestination | undefined }): number | undefined {
  if (destination.meshService) {
    const m = meshServiceToMatch(ref, destination.meshService);
    return m ? m : undefined;
  }
  return ref.name === destination.service ? 1 : undefined;
}

/**
 * The rules of one policy type for a proxy. `services` are the tag destinations it calls
 * (rules by service); `meshServices` the MeshService ports it reaches (rules by their cluster).
 */
export function computeRules(policies: readonly Policy[], dp: Resource<DataplaneSpec>, services: readonly string[], meshServices: readonly MeshServiceDestination[] = []): ProxyRules {
  const applying = applyingPolicies(policies, dp);
  const to = new Map<string, Rule>();
  const destinations = [
    ...services.map((service) => ({ key: service, match: (ref: TargetRef) => (toMatches(ref, service) ? (ref.kind === 'Mesh' ? 0 : 1) : undefined) })),
    ...meshServices.map((d) => ({ key: d.cluster, match: (ref: TargetRef) => meshServiceToMatch(ref, d) })),
  ];
  for (const { key, match } of destinations) {
    const items: { conf: unknown; origin: string; specific: number; order: number }[] = [];
    applying.forEach((p, order) =>
      (p.spec.to ?? []).forEach((item) => {
        const specific = match(item.targetRef);
        if (specific !== undefined) items.push({ conf: item.default, origin: p.name, specific, order });
      }),
    );
    // A `to` naming the service is more specific than a `to` of the whole Mesh (and one naming its port more still).
    items.sort((a, b) => a.specific - b.specific || a.order - b.order);
    if (items.length) to.set(key, { conf: fold(items.map((i) => i.conf)), origin: [...new Set(items.map((i) => i.origin))] });
  }
  const general = applying.filter((p) => p.spec.targetRef?.sectionName === undefined);
  const singles = general.filter((p) => p.spec.default !== undefined);
  const rules: ProxyRules = {
    to,
    ...inboundRules(general),
    single: singles.length ? { conf: fold(singles.map((p) => p.spec.default)), origin: singles.map((p) => p.name) } : undefined,
  };
  // Policies targeting one inbound (Kuma 2.10's sectionName) add to that inbound's rules only.
  if (general.length < applying.length) {
    rules.sections = new Map(
      (dp.spec.networking.inbound ?? []).map((ib) => [ib.port, inboundRules(applying.filter((p) => p.spec.targetRef?.sectionName === undefined || sectionMatches(p.spec.targetRef.sectionName, ib)))]),
    );
  }
  return rules;
}

/** The inbound part of the rules of `applying` (in order of application). */
function inboundRules(applying: readonly Policy[]): { inbound: Rule | undefined; from: ProxyRules['from'] } {
  const inboundItems: { conf: unknown; origin: string }[] = [];
  const from: ProxyRules['from'] = [];
  for (const p of applying) {
    for (const item of p.spec.from ?? []) {
      from.push({ targetRef: item.targetRef, conf: item.default, origin: p.name });
      if (item.targetRef.kind === 'Mesh') inboundItems.push({ conf: item.default, origin: p.name });
    }
    for (const r of p.spec.rules ?? []) inboundItems.push({ conf: r.default, origin: p.name });
  }
  return { inbound: inboundItems.length ? { conf: fold(inboundItems.map((i) => i.conf)), origin: [...new Set(inboundItems.map((i) => i.origin))] } : undefined, from };
}

/**
 * Whether a policy can change this proxy's configuration: what a build reads of a policy is
 * decided by its top-level targetRef (the proxy) and its `to` items (the proxy's outbound
 * services); `from`, `rules` and `default` apply to a proxy the policy selects. A policy whose
 * top-level targetRef is a MeshHTTPRoute is kept (the route may be any proxy's). A proxy is
 * built from the policies that reach it only, so a policy for one service of 200 rebuilds only
 * its callers and its instances (the property test in matching.test.ts holds a build from
 * these equal to a build from all).
 */
export function reachesProxy(p: Policy, dp: Resource<DataplaneSpec>, services: ReadonlySet<string>): boolean {
  const spec = p.spec;
  if (spec.targetRef?.kind === 'MeshHTTPRoute') return true;
  if (p.mesh !== dp.mesh || !selectsDataplane(spec.targetRef, dp)) return false;
  if (spec.from?.length || spec.rules?.length || spec.default !== undefined) return true;
  return (spec.to ?? []).some((t) => (t.targetRef.kind !== 'MeshService' && t.targetRef.kind !== 'MeshMultiZoneService') || t.targetRef.name === undefined || services.has(t.targetRef.name));
}
