import type { DataplaneSpec } from '../../resources/types/dataplane.ts';

// The caller's tags on its outbound requests (`x-kuma-tags`), which generators add and inbound
// policies match (policies/core/source-tags.ts).

export const TAGS_HEADER = 'x-kuma-tags';

/** The dataplane's tags, as its outbound requests announce them. */
export function tagsHeaderValue(dp: DataplaneSpec): string {
  const values = new Map<string, Set<string>>();
  for (const ib of dp.networking.inbound ?? []) for (const [k, v] of Object.entries(ib.tags ?? {})) values.set(k, (values.get(k) ?? new Set()).add(v));
  const keys = [...values.keys()].sort();
  return keys.length ? `&${keys.map((k) => `${k}=${[...values.get(k)!].sort().join(',')}`).join('&')}&` : '';
}
