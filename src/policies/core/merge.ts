// Folding policy confs, as Kuma does: JSON Merge Patch (RFC 7396) — objects merge key by
// key, `null` deletes, anything else replaces — except lists whose field name starts with
// `append`, which are concatenated.

type Json = unknown;

const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function mergePatch(target: Json, patch: Json, key = ''): Json {
  if (Array.isArray(patch) && key.startsWith('append') && Array.isArray(target)) return [...target, ...patch];
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v, k);
  }
  return out;
}

type Memo = { next: WeakMap<object, Memo>; result?: Json };
const memo: Memo = { next: new WeakMap() };

/**
 * Folds confs in order: later ones win. Every proxy a set of policies selects folds the same
 * conf objects (the policies are shared), so results are remembered by the identity of the
 * confs, for as long as they live, and frozen: callers must not change them.
 */
export function fold(confs: readonly Json[]): Json {
  let node = memo;
  for (const c of confs) {
    if (typeof c !== 'object' || c === null) return merged(confs); // not a key a WeakMap takes
    let next = node.next.get(c);
    if (!next) node.next.set(c, (next = { next: new WeakMap() }));
    node = next;
  }
  if (!('result' in node)) node.result = deepFreeze(merged(confs));
  return node.result;
}

const merged = (confs: readonly Json[]): Json => confs.reduce<Json>((acc, c) => mergePatch(acc, c), {});

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}
