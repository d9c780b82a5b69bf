import protobuf from 'protobufjs';
import { envoyRoot, loadPackageOf, TYPE_URL_PREFIX, XDS_TYPES, type XdsKind } from './protos.ts';

// Config dumps as Envoy's admin prints them: every field Envoy's protos mark
// `(udpa.annotations.sensitive)` (private keys, PKCS#12 bundles and their passwords, generic
// secrets, session ticket keys) and everything below it is replaced, strings and bytes by
// "[redacted]", other values dropped (Envoy's MessageUtil::redact). Reading a config dump
// can therefore never hand out key material, whoever asks.

export const REDACTED = '[redacted]';
const REDACTED_BYTES = Buffer.from(REDACTED).toString('base64');
const SENSITIVE = '(udpa.annotations.sensitive)';

const camel = (s: string) => s.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

function findType(name: string): protobuf.Type | undefined {
  const root = envoyRoot();
  if (!root.lookup(name)) loadPackageOf(name);
  const found = root.lookup(name);
  return found instanceof protobuf.Type ? found : undefined;
}

const fieldsByJsonName = new WeakMap<protobuf.Type, Map<string, protobuf.Field>>();
function fieldOf(type: protobuf.Type, key: string): protobuf.Field | undefined {
  let m = fieldsByJsonName.get(type);
  if (!m) {
    m = new Map();
    for (const f of type.fieldsArray) {
      f.resolve();
      m.set(f.name, f);
      m.set(camel(f.name), f);
    }
    fieldsByJsonName.set(type, m);
  }
  return m.get(key);
}

/** Everything below a sensitive field: strings and bytes become "[redacted]", the rest goes. */
function redactAll(value: unknown, field: protobuf.Field | undefined): unknown {
  if (Array.isArray(value)) return value.map((v) => redactAll(v, field));
  if (typeof value === 'string') return field?.type === 'bytes' ? REDACTED_BYTES : REDACTED;
  if (value === null || typeof value !== 'object') return undefined;
  const type = field?.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '@type') {
      out[k] = v;
      continue;
    }
    const r = redactAll(v, type ? fieldOf(type, k) : undefined);
    if (r !== undefined) out[k] = r;
  }
  return out;
}

function walk(type: protobuf.Type, json: unknown): unknown {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return json;
  const obj = json as Record<string, unknown>;
  if (type.fullName === '.google.protobuf.Any') {
    const url = obj['@type'];
    const inner = typeof url === 'string' && url.startsWith(TYPE_URL_PREFIX) ? findType(url.slice(TYPE_URL_PREFIX.length)) : undefined;
    // An Any of a type we cannot read is dropped whole rather than shown unredacted.
    return inner ? walk(inner, obj) : { '@type': url, [REDACTED]: true };
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    const field = key === '@type' ? undefined : fieldOf(type, key);
    if (field?.options?.[SENSITIVE]) {
      const r = redactAll(value, field);
      if (r !== undefined) out[key] = r;
      continue;
    }
    const sub = field?.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    if (!sub) out[key] = value;
    else if (field!.map && value && typeof value === 'object') out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(sub, v)]));
    else if (Array.isArray(value)) out[key] = value.map((v) => walk(sub, v));
    else out[key] = walk(sub, value);
  }
  return out;
}

/** A copy of `json` (proto3 JSON of Envoy type `typeName`) with its sensitive fields redacted. */
export function redactSensitive(typeName: string, json: unknown): unknown {
  const type = findType(typeName);
  if (!type) throw new Error(`unknown Envoy type ${typeName}`);
  return walk(type, json);
}

/** A whole config dump (resources by kind, as XdsSnapshot.toJSON gives them), redacted. */
export function redactConfigDump(dump: Record<string, object[]>): Record<string, object[]> {
  return Object.fromEntries(Object.entries(dump).map(([kind, items]) => [kind, items.map((r) => redactSensitive(XDS_TYPES[kind as XdsKind], r) as object)]));
}
