import type { FastifyRequest } from 'fastify';
import { MeshworkError, type InvalidParameter } from '../core/errors.ts';
import type { ListOptions, ListResult } from '../store/store.ts';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

type Query = Record<string, string | string[] | undefined>;

function single(q: Query, key: string): string | undefined {
  const v = q[key];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/** `size`, `offset`, `name` (substring) and `filter[label.KEY]=VALUE` → store list options. */
export function listOptionsFromQuery(req: FastifyRequest): ListOptions & { size: number; offset: number } {
  const q = (req.query ?? {}) as Query;
  const params: InvalidParameter[] = [];
  const int = (key: string, dflt: number, max?: number): number => {
    const raw = single(q, key);
    if (raw === undefined || raw === '') return dflt;
    if (!/^\d+$/.test(raw)) {
      params.push({ field: key, reason: 'must be a non-negative integer' });
      return dflt;
    }
    const n = Number(raw);
    if (max !== undefined && n > max) params.push({ field: key, reason: `must be at most ${max}` });
    if (key === 'size' && n === 0) params.push({ field: key, reason: 'must be at least 1' });
    return n;
  };
  const size = int('size', DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  const offset = int('offset', 0);
  // Kuma's label filter is filter[labels.KEY]=VALUE (filter[label.KEY] is kept for earlier clients).
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(q)) {
    if (!k.startsWith('filter[') || v === undefined) continue;
    const m = /^filter\[labels?\.([^\]]+)\](.*)$/.exec(k);
    if (!m) params.push({ field: k, reason: 'filters are only supported on labels' });
    else if (m[2] !== '') params.push({ field: k, reason: 'advanced filters are not supported' });
    else labels[m[1]!] = Array.isArray(v) ? v[v.length - 1]! : v;
  }
  if (params.length > 0) throw new MeshworkError('BAD_REQUEST', `invalid list parameters: ${params.map((p) => `${p.field}: ${p.reason}`).join('; ')}`, { invalidParameters: params });
  const options: ListOptions & { size: number; offset: number } = { size, offset };
  const name = single(q, 'name');
  if (name) options.nameContains = name;
  if (Object.keys(labels).length > 0) options.labels = labels;
  return options;
}

/** Kuma's list body: `{total, items, next}` where next is the absolute URL of the next page or null. */
export function listBody<T>(req: FastifyRequest, result: ListResult, items: T[], size: number): { total: number; items: T[]; next: string | null } {
  let next: string | null = null;
  if (result.nextOffset !== undefined) {
    const url = new URL(req.url, `${req.protocol}://${req.headers.host ?? 'localhost'}`);
    url.searchParams.set('offset', String(result.nextOffset));
    url.searchParams.set('size', String(size));
    next = url.toString();
  }
  return { total: result.total, items, next };
}
