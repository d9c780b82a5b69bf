import type { z } from 'zod';
import type { InvalidParameter } from '../core/errors.ts';

/** `['spec','to',0,'default']` → `spec.to[0].default` (Kuma's field path format). */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  let previous: PropertyKey | undefined;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else {
      const key = String(part);
      // Map keys (tags, labels) in brackets with their exact text, as Kuma prints them; so is
      // any key that is not an identifier.
      const mapKey = previous === 'tags' || previous === 'labels' || previous === 'matchLabels';
      out += !mapKey && /^[A-Za-z_$][\w$]*$/.test(key) ? (out ? `.${key}` : key) : `["${key}"]`;
    }
    previous = part;
  }
  return out;
}

/** Every violation of a zod error, each with its full path; unknown keys are one entry each. */
export function zodIssuesToParameters(error: z.ZodError, prefix: ReadonlyArray<PropertyKey> = []): InvalidParameter[] {
  const out: InvalidParameter[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ field: formatPath([...path, key]), reason: 'unknown field' });
    } else if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      out.push({ field: formatPath(path), reason: issue.message });
    } else {
      out.push({ field: formatPath(path), reason: issue.message });
    }
  }
  return out;
}
