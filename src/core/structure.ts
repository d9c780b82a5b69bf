import { formatPath } from '../resources/validation.ts';

// Limits on the shape of decoded input (API bodies, KDS resources), checked without
// recursion so that no input can exhaust the stack: nesting depth, and no `__proto__`
// keys (which some object operations turn into a prototype change).

/** No resource Kuma defines nests anywhere near this deep (MeshProxyPatch values included). */
export const MAX_NESTING_DEPTH = 100;

export interface StructureProblem {
  field: string;
  reason: string;
}

/** The first problem found in `value`, or undefined if it is within the limits. */
export function checkStructure(value: unknown, maxDepth = MAX_NESTING_DEPTH): StructureProblem | undefined {
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: value, path: [] }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (path.length >= maxDepth) return { field: formatPath(path), reason: `is nested more than ${maxDepth} levels deep` };
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: [...path, i] });
      continue;
    }
    for (const key of Object.keys(v)) {
      if (key === '__proto__') return { field: formatPath([...path, key]), reason: 'is not an allowed field name' };
      stack.push({ v: (v as Record<string, unknown>)[key], path: [...path, key] });
    }
  }
  return undefined;
}
