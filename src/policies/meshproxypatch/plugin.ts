import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import type { PolicyPlugin } from '../core/plugin.ts';
import { HCM } from '../core/plugin.ts';
import { applyJsonPatch, snakeKeys, type JsonPatchOp } from './json-patch.ts';
import type { meshProxyPatchConf } from './schema.ts';
import { originOf, type ResourceSet } from '../../xds/model/resource-set.ts';
import { tagsMatch } from '../core/matching.ts';

// MeshProxyPatch → raw changes to the generated resources, in order: Add, Remove or Patch
// clusters, listeners and virtual hosts; add, remove or patch network and HTTP filters.
// Values are Envoy config in YAML (camelCase or snake_case); Patch merges a value (objects
// recursively, lists appended, as protobuf merge does) or applies JSON Patch operations.
// Origins: `inbound`, `outbound`, `prometheus`, `transparent` (transparent proxying's passthrough), as Kuma names them.

type Conf = z.infer<typeof meshProxyPatchConf>;
type Obj = Record<string, unknown>;
interface Op {
  operation: string;
  match?: { name?: string; origin?: string; listenerName?: string; routeConfigurationName?: string; tags?: Record<string, string>; listenerTags?: Record<string, string> };
  value?: string;
  jsonPatches?: JsonPatchOp[];
}

/** Kuma's origin name of a generated resource (what `match.origin` selects). */
function origin(name: string, out: ResourceSet, kind: 'cluster' | 'listener'): string {
  const o = originOf(out, kind, name);
  switch (o?.kind) {
    case 'inbound':
      return 'inbound';
    case 'outbound':
    case 'route-backend':
      return 'outbound';
    case 'prometheus':
    case 'envoy-admin':
      return 'prometheus';
    case 'passthrough':
      return 'transparent';
    default:
      return 'other';
  }
}

/** The tags of the inbound or outbound a listener was generated for (Kuma matches listeners by them). */
function listenerTagsOf(out: ResourceSet, name: string): Readonly<Record<string, string>> {
  const o = originOf(out, 'listener', name);
  return o?.kind === 'inbound' || o?.kind === 'outbound' ? o.tags : {};
}

/** Whether a listener match's tags (if any) hold for the listener. */
const listenerMatches = (out: ResourceSet, want: Record<string, string> | undefined, name: string) => !want || tagsMatch(listenerTagsOf(out, name), want);

/** Protobuf-style merge: objects merged recursively, lists appended, scalars replaced. */
function protoMerge(target: unknown, patch: unknown): unknown {
  if (Array.isArray(target) && Array.isArray(patch)) return [...target, ...patch];
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Obj = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Obj) } : {};
  for (const [k, v] of Object.entries(patch)) out[k] = protoMerge(out[k], v);
  return out;
}

const value = (op: Op) => snakeKeys(parseYaml(op.value ?? '{}')) as Obj;
const patched = (target: Obj, op: Op): Obj => (op.jsonPatches ? (applyJsonPatch(target, op.jsonPatches) as Obj) : (protoMerge(target, value(op)) as Obj));

function resourceOp(map: Map<string, object>, op: Op, kind: 'cluster' | 'listener', out: ResourceSet): void {
  const selected = (name: string) =>
    (!op.match?.name || op.match.name === name) && (!op.match?.origin || op.match.origin === origin(name, out, kind)) && (kind !== 'listener' || listenerMatches(out, op.match?.tags, name));
  if (op.operation === 'Add') {
    const v = value(op);
    map.set(String(v.name), v);
    return;
  }
  for (const [name, r] of [...map]) {
    if (!selected(name)) continue;
    if (op.operation === 'Remove') map.delete(name);
    else map.set(name, patched(r as Obj, op));
  }
}

function filterOp(list: Obj[], op: Op): Obj[] {
  const at = list.findIndex((f) => f.name === op.match?.name);
  switch (op.operation) {
    case 'AddFirst':
      return [value(op), ...list];
    case 'AddLast':
      return [...list, value(op)];
    case 'AddBefore':
      return at < 0 ? list : [...list.slice(0, at), value(op), ...list.slice(at)];
    case 'AddAfter':
      return at < 0 ? list : [...list.slice(0, at + 1), value(op), ...list.slice(at + 1)];
    case 'Remove':
      return list.filter((f) => !(op.match?.name === undefined || f.name === op.match.name));
    case 'Patch':
      return list.map((f) => (op.match?.name === undefined || f.name === op.match.name ? patched(f, op) : f));
    default:
      return list;
  }
}

export const meshProxyPatchPlugin: PolicyPlugin = {
  type: 'MeshProxyPatch',
  order: 100,
  apply(ctx, rules, out) {
    const conf = rules.single?.conf as Conf | undefined;
    for (const mod of conf?.appendModifications ?? []) {
      if (mod.cluster) resourceOp(out.cluster, mod.cluster as Op, 'cluster', out);
      if (mod.listener) resourceOp(out.listener, mod.listener as Op, 'listener', out);
      const filterMod = (mod.networkFilter ?? mod.httpFilter) as Op | undefined;
      const vhMod = mod.virtualHost as Op | undefined;
      if (!filterMod && !vhMod) continue;
      for (const [name, l] of out.listener) {
        const op = (filterMod ?? vhMod)!;
        if (op.match?.listenerName && op.match.listenerName !== name) continue;
        if (op.match?.origin && op.match.origin !== origin(name, out, 'listener')) continue;
        if (!listenerMatches(out, op.match?.listenerTags, name)) continue;
        for (const chain of ((l as Obj).filter_chains as Obj[] | undefined) ?? []) {
          if (mod.networkFilter) chain.filters = filterOp(chain.filters as Obj[], filterMod!);
          for (const f of (chain.filters as Obj[]).filter((x) => x.name === HCM)) {
            const hcm = f.typed_config as Obj;
            if (mod.httpFilter) hcm.http_filters = filterOp(hcm.http_filters as Obj[], filterMod!);
            if (vhMod) {
              const rc = hcm.route_config as { name?: string; virtual_hosts: Obj[] } | undefined;
              if (!rc || (vhMod.match?.routeConfigurationName && vhMod.match.routeConfigurationName !== rc.name)) continue;
              if (vhMod.operation === 'Add') rc.virtual_hosts = [...rc.virtual_hosts, value(vhMod)];
              else rc.virtual_hosts = rc.virtual_hosts.flatMap((vh) => (vhMod.match?.name && vh.name !== vhMod.match.name ? [vh] : vhMod.operation === 'Remove' ? [] : [patched(vh, vhMod)]));
            }
          }
        }
      }
    }
  },
};
