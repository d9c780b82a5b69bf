// RFC 6902 JSON Patch on plain JSON, for MeshProxyPatch's jsonPatches. Pointers may name
// fields in Envoy's camelCase (as Kuma's examples do); they are matched to snake_case.

export type Json = unknown;
type Obj = Record<string, Json>;

export interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: Json;
  from?: string;
}

export const snake = (k: string) => (/^[a-z][a-zA-Z0-9]*$/.test(k) ? k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : k);

/** Envoy config written in camelCase (as in Envoy's own docs) → our snake_case form. */
export function snakeKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(snakeKeys);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.startsWith('@') ? k : snake(k), snakeKeys(x)]));
}

function parse(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`invalid JSON pointer "${pointer}"`);
  return pointer.slice(1).split('/').map((s) => snake(s.replace(/~1/g, '/').replace(/~0/g, '~')));
}

function parentOf(doc: Json, segments: string[]): { parent: Obj | Json[]; key: string } {
  let node = doc;
  for (const s of segments.slice(0, -1)) {
    node = Array.isArray(node) ? node[Number(s)] : (node as Obj)?.[s];
    if (node === undefined || node === null || typeof node !== 'object') throw new Error(`path /${segments.join('/')} does not exist`);
  }
  return { parent: node as Obj | Json[], key: segments.at(-1)! };
}

function get(doc: Json, segments: string[]): Json {
  return segments.reduce<Json>((n, s) => (Array.isArray(n) ? n[Number(s)] : (n as Obj | undefined)?.[s]), doc);
}

function put(doc: Json, segments: string[], value: Json, insert: boolean): Json {
  if (segments.length === 0) return value;
  const { parent, key } = parentOf(doc, segments);
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : Number(key);
    if (insert) parent.splice(i, 0, value);
    else parent[i] = value;
  } else parent[key] = value;
  return doc;
}

function del(doc: Json, segments: string[]): void {
  const { parent, key } = parentOf(doc, segments);
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else delete parent[key];
}

export function applyJsonPatch(doc: Json, ops: readonly JsonPatchOp[]): Json {
  let out = structuredClone(doc);
  for (const op of ops) {
    const path = parse(op.path);
    const value = snakeKeys(op.value);
    switch (op.op) {
      case 'add':
        out = put(out, path, value, true);
        break;
      case 'replace':
        out = put(out, path, value, false);
        break;
      case 'remove':
        del(out, path);
        break;
      case 'move':
      case 'copy': {
        const from = parse(op.from ?? '');
        const v = structuredClone(get(out, from));
        if (op.op === 'move') del(out, from);
        out = put(out, path, v, true);
        break;
      }
      case 'test':
        if (JSON.stringify(get(out, path)) !== JSON.stringify(value)) throw new Error(`test failed at ${op.path}`);
        break;
    }
  }
  return out;
}
