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

/** Folds confs in order: later ones win. */
export function fold(confs: readonly Json[]): Json {
  return confs.reduce<Json>((acc, c) => mergePatch(acc, c), {});
}
