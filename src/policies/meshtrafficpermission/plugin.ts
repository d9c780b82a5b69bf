import { SERVICE_TAG } from '../../resources/types/dataplane.ts';
import { kumaTagUri, spiffeId } from '../../mtls/identity-certs.ts';
import type { CallerMatch } from './schema.ts';
import type { PolicyPlugin } from '../core/plugin.ts';
import { HCM, forEachInbound, TCP_PROXY } from '../core/plugin.ts';
import type { TargetRef } from '../core/target-ref.ts';

// MeshTrafficPermission → Envoy RBAC on the mTLS filter chains of inbound listeners (the
// caller's identity is its certificate's SPIFFE id, so MTP is enforced only with mTLS, as
// in Kuma). HTTP inbounds get the HTTP RBAC filter (denied requests: 403), others the
// network RBAC filter (denied connections are closed). Callers are matched by the URI SANs
// of their certificates (SPIFFE id of the service, kuma://<tag>/<value> for other tags). An
// inbound no MeshTrafficPermission selects denies every caller, as in Kuma 2.x (which no
// longer creates an allow-all policy for new meshes): with mTLS on, traffic flows once a
// MeshTrafficPermission allows it. AllowWithShadowDeny allows, and reports the denial it
// would have been in Envoy's RBAC shadow stats and dynamic metadata.

type Obj = Record<string, unknown>;
const HTTP_RBAC = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC';
const NET_RBAC = 'type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC';

/** A principal on the peer certificate's URI SANs (Envoy matches any of them). */
const authenticated = (name: { exact: string } | { prefix: string }): Obj => ({ authenticated: { principal_name: name } });
const uriPrincipal = (uri: string): Obj => authenticated({ exact: uri });

/**
 * The callers a `from` targetRef selects, by their certificates' URI SANs: the service's
 * SPIFFE id, and `kuma://<tag>/<value>` for other tags (as Kuma's certificates carry them).
 */
function callerPrincipal(mesh: string, ref: TargetRef): Obj {
  const ids: Obj[] = [];
  if ((ref.kind === 'MeshService' || ref.kind === 'MeshServiceSubset') && ref.name) ids.push(uriPrincipal(spiffeId(mesh, ref.name)));
  if (ref.kind === 'MeshSubset' || ref.kind === 'MeshServiceSubset') {
    for (const [tag, value] of Object.entries(ref.tags ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) ids.push(uriPrincipal(tag === SERVICE_TAG ? spiffeId(mesh, value) : kumaTagUri(tag, value)));
  }
  if (ids.length === 0) return authenticated({ prefix: `spiffe://${mesh}/` });
  return ids.length === 1 ? ids[0]! : { and_ids: { ids } };
}

const allows = (action: unknown) => action === 'Allow' || action === 'AllowWithShadowDeny';

/** A caller match as an RBAC policy: its SPIFFE ID on the peer certificate, the SNI it sent (both when both are set). */
const matchPolicy = (m: CallerMatch): Obj => ({
  permissions: [m.sni ? { requested_server_name: { exact: m.sni.value } } : { any: true }],
  principals: [m.spiffeID ? authenticated(m.spiffeID.type === 'Exact' ? { exact: m.spiffeID.value } : { prefix: m.spiffeID.value }) : { any: true }],
});
const matchPolicies = (prefix: string, ms: readonly CallerMatch[]): Obj => Object.fromEntries(ms.map((m, i) => [`${prefix}-${i}`, matchPolicy(m)]));

/** Stats of shadow denials: `http.<prefix>.rbac.meshwork_mtp.shadow_denied` (HTTP; the TCP filter's stat prefix is `mtp_shadow`). */
export const SHADOW_STAT_PREFIX = 'meshwork_mtp';

/**
 * RBAC filter configs, in the order they must run (DENY before ALLOW). Callers allowed with
 * AllowWithShadowDeny get a last filter that enforces nothing (no `rules`) and only runs
 * shadow DENY rules for them: Envoy counts what would have been denied (`shadow_denied`)
 * and puts the shadow verdict in its dynamic metadata, for access logs.
 */
function rbacFilters(mesh: string, from: { targetRef: TargetRef; conf: unknown }[], rules: unknown): Obj[] {
  const out: Obj[] = [];
  const shadowDenied: Obj[] = [];
  if (from.length > 0) {
    // A decision list: `from` is in ascending precedence and the last entry that selects a
    // caller decides (JSON Merge Patch of one field), so each entry decides for the callers
    // it selects minus those of every entry above it.
    const principals: Obj[] = [];
    /** The principals of the entries above, once each (by their JSON). */
    const above = new Map<string, Obj>();
    for (const { targetRef, conf } of [...from].reverse()) {
      const action = (conf as { action?: string } | undefined)?.action;
      if (action === undefined) continue;
      const selected = callerPrincipal(mesh, targetRef);
      const others = [...above.values()];
      const decided = others.length === 0 ? selected : { and_ids: { ids: [selected, { not_id: others.length === 1 ? others[0] : { or_ids: { ids: others } } }] } };
      if (allows(action)) principals.push(decided);
      if (action === 'AllowWithShadowDeny') shadowDenied.push(decided);
      above.set(JSON.stringify(selected), selected);
    }
    out.push({ rules: { action: 'ALLOW', policies: principals.length ? { 'meshwork-mtp': { permissions: [{ any: true }], principals } } : {} } });
  }
  const r = rules as { allow?: CallerMatch[]; deny?: CallerMatch[]; allowWithShadowDeny?: CallerMatch[] } | undefined;
  if (r?.deny?.length) out.unshift({ rules: { action: 'DENY', policies: matchPolicies('meshwork-mtp-deny', r.deny) } });
  const allowList = [...(r?.allow ?? []), ...(r?.allowWithShadowDeny ?? [])];
  if (allowList.length) out.push({ rules: { action: 'ALLOW', policies: matchPolicies('meshwork-mtp-allow', allowList) } });
  const shadow: Obj = shadowDenied.length ? { 'meshwork-mtp-shadow-deny': { permissions: [{ any: true }], principals: shadowDenied } } : {};
  Object.assign(shadow, matchPolicies('meshwork-mtp-shadow-deny-rule', r?.allowWithShadowDeny ?? []));
  if (Object.keys(shadow).length) out.push({ shadow_rules: { action: 'DENY', policies: shadow }, shadow_rules_stat_prefix: SHADOW_STAT_PREFIX });
  return out;
}

/** An inbound no MeshTrafficPermission selects: an ALLOW list with nobody on it. */
const DENY_ALL: Obj = { rules: { action: 'ALLOW', policies: {} } };

export const meshTrafficPermissionPlugin: PolicyPlugin = {
  type: 'MeshTrafficPermission',
  order: 1,
  appliesWithoutPolicies: true,
  apply(ctx, rules, out) {
    if (!ctx.mtls) return;
    forEachInbound(rules, out, (listener, { inbound, from }) => {
      // As Kuma: where `rules` (Kuma 2.12+) select an inbound, they decide and `from` is ignored.
      const conf = inbound?.conf as { allow?: unknown; deny?: unknown; allowWithShadowDeny?: unknown } | undefined;
      const ruleConf = conf && (conf.allow || conf.deny || conf.allowWithShadowDeny) ? conf : undefined;
      const sets = ruleConf ? rbacFilters(ctx.mesh.name, [], ruleConf) : from.length > 0 ? rbacFilters(ctx.mesh.name, from, undefined) : [DENY_ALL];
      if (sets.length === 0) return;
      for (const chain of (listener.filter_chains as Obj[] | undefined) ?? []) {
        if ((chain.filter_chain_match as Obj | undefined)?.transport_protocol !== 'tls') continue;
        const filters = chain.filters as Obj[];
        const hcm = filters.find((f) => f.name === HCM);
        if (hcm) {
          const config = hcm.typed_config as Obj;
          const http = config.http_filters as Obj[];
          config.http_filters = [...sets.map((rbac, i) => ({ name: `envoy.filters.http.rbac.${i}`, typed_config: { '@type': HTTP_RBAC, ...rbac } })), ...http];
        } else if (filters.some((f) => f.name === TCP_PROXY)) {
          chain.filters = [...sets.map((rbac, i) => ({ name: `envoy.filters.network.rbac.${i}`, typed_config: { '@type': NET_RBAC, stat_prefix: rbac.shadow_rules ? 'mtp_shadow' : `mtp_${i}`, ...rbac } })), ...filters];
        }
      }
    });
  },
};
