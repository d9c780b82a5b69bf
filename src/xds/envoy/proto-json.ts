import protobuf from 'protobufjs';
import { envoyRoot, TYPE_URL_PREFIX } from './protos.ts';

// Envoy config is written in proto3 JSON, the form of Envoy's YAML (durations "1.5s",
// typed configs with "@type", wrappers as plain values). This converts it, checking every
// field against the protos, into protobufjs messages to encode. Errors carry the JSON path;
// a resource that fails is never served.

export class ProtoJsonError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path || '(root)'}: ${message}`);
    this.path = path;
  }
}

const WRAPPERS = new Set(['DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value', 'Int32Value', 'UInt32Value', 'BoolValue', 'StringValue', 'BytesValue'].map((n) => `google.protobuf.${n}`));

const camel = (s: string) => s.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

// protobufjs computes `fullName` and `lookupType` by walking the tree on every call: both are
// hot when every resource of every proxy is checked, so they are cached.
const fullNames = new WeakMap<protobuf.Type, string>();
function fullNameOf(type: protobuf.Type): string {
  let name = fullNames.get(type);
  if (name === undefined) fullNames.set(type, (name = type.fullName.slice(1)));
  return name;
}
const typesByName = new Map<string, protobuf.Type>();
function lookupType(name: string): protobuf.Type {
  let type = typesByName.get(name);
  if (!type) typesByName.set(name, (type = envoyRoot().lookupType(name)));
  return type;
}

const fieldsByKey = new WeakMap<protobuf.Type, Map<string, protobuf.Field | undefined>>();
function fieldFor(type: protobuf.Type, key: string): protobuf.Field | undefined {
  let fields = fieldsByKey.get(type);
  if (!fields) fieldsByKey.set(type, (fields = new Map()));
  if (fields.has(key)) return fields.get(key);
  const field = type.fields[key] ?? type.fieldsArray.find((f) => camel(f.name) === key);
  fields.set(key, field);
  return field;
}

function parseDuration(value: unknown, path: string): { seconds: number; nanos: number } {
  if (typeof value !== 'string' || !/^-?\d+(\.\d{1,9})?s$/.test(value)) throw new ProtoJsonError(path, `must be a duration string like "1.5s" (got ${JSON.stringify(value)})`);
  const negative = value.startsWith('-');
  const [whole, frac = ''] = value.replace(/^-/, '').slice(0, -1).split('.');
  const seconds = Number(whole);
  const nanos = Number(frac.padEnd(9, '0'));
  return negative ? { seconds: -seconds, nanos: -nanos } : { seconds, nanos };
}

// protobufjs defines the well-known Struct types with camelCase field names, whatever keepCase says.
function toValue(v: unknown, path: string): Record<string, unknown> {
  if (v === null) return { nullValue: 'NULL_VALUE' };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map((x, i) => toValue(x, `${path}[${i}]`)) } };
  if (typeof v === 'object') return { structValue: toStruct(v, path) };
  throw new ProtoJsonError(path, 'is not JSON');
}

function toStruct(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ProtoJsonError(path, 'must be an object');
  return { fields: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toValue(x, `${path}.${k}`)])) };
}

function scalar(field: protobuf.Field, v: unknown, path: string): unknown {
  switch (field.type) {
    case 'string':
      if (typeof v !== 'string') throw new ProtoJsonError(path, 'must be a string');
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw new ProtoJsonError(path, 'must be a boolean');
      return v;
    case 'bytes':
      if (typeof v !== 'string') throw new ProtoJsonError(path, 'must be base64 bytes');
      return Buffer.from(v, 'base64');
    case 'double':
    case 'float':
      if (typeof v !== 'number') throw new ProtoJsonError(path, 'must be a number');
      return v;
    case 'int32':
    case 'sint32':
    case 'sfixed32':
    case 'uint32':
    case 'fixed32':
      if (typeof v !== 'number' || !Number.isInteger(v)) throw new ProtoJsonError(path, 'must be an integer');
      if (field.type.startsWith('u') || field.type === 'fixed32') if (v < 0) throw new ProtoJsonError(path, 'must not be negative');
      return v;
    default:
      // 64-bit integers: a number or a decimal string.
      if (!((typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && /^-?\d+$/.test(v)))) throw new ProtoJsonError(path, 'must be an integer');
      return v;
  }
}

function value(field: protobuf.Field, v: unknown, path: string): unknown {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Enum) {
    if (typeof v === 'string') {
      if (!(v in rt.values)) throw new ProtoJsonError(path, `unknown value "${v}" of ${rt.name}`);
      return v;
    }
    if (typeof v === 'number' && Object.values(rt.values).includes(v)) return v;
    throw new ProtoJsonError(path, `must be one of ${Object.keys(rt.values).join(', ')}`);
  }
  if (rt instanceof protobuf.Type) return message(rt, v, path);
  return scalar(field, v, path);
}

/** proto3 JSON of `type` → an object protobufjs' fromObject takes. */
export function message(type: protobuf.Type, json: unknown, path = ''): Record<string, unknown> {
  const full = fullNameOf(type);
  if (full === 'google.protobuf.Duration') return parseDuration(json, path);
  if (WRAPPERS.has(full)) return { value: scalar(type.fields.value!, json, path) };
  if (full === 'google.protobuf.Struct') return toStruct(json, path);
  if (full === 'google.protobuf.Value') return toValue(json, path);
  if (full === 'google.protobuf.Any') return any(json, path);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ProtoJsonError(path, `must be an object (${type.name})`);
  const out: Record<string, unknown> = {};
  const oneofsSet = new Map<string, string>();
  for (const [key, v] of Object.entries(json)) {
    const p = path ? `${path}.${key}` : key;
    const field = fieldFor(type, key);
    if (!field) throw new ProtoJsonError(p, `unknown field of ${type.name}`);
    if (v === null || v === undefined) continue;
    if (field.partOf) {
      const other = oneofsSet.get(field.partOf.name);
      if (other) throw new ProtoJsonError(p, `cannot be set together with "${other}" (oneof ${field.partOf.name})`);
      oneofsSet.set(field.partOf.name, key);
    }
    if (field.map) {
      if (typeof v !== 'object' || Array.isArray(v)) throw new ProtoJsonError(p, 'must be a map');
      out[field.name] = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, value(field, x, `${p}.${k}`)]));
    } else if (field.repeated) {
      if (!Array.isArray(v)) throw new ProtoJsonError(p, 'must be a list');
      out[field.name] = v.map((x, i) => value(field, x, `${p}[${i}]`));
    } else {
      out[field.name] = value(field, v, p);
    }
  }
  return out;
}

function any(json: unknown, path: string): { type_url: string; value: Uint8Array } {
  if (typeof json !== 'object' || json === null || typeof (json as { '@type'?: unknown })['@type'] !== 'string') throw new ProtoJsonError(path, 'must be an object with "@type"');
  const { '@type': url, ...rest } = json as Record<string, unknown> & { '@type': string };
  const name = url.slice(url.lastIndexOf('/') + 1);
  let type: protobuf.Type;
  try {
    type = lookupType(name);
  } catch {
    throw new ProtoJsonError(`${path}.@type`, `unknown type "${url}"`);
  }
  const m = type.fromObject(message(type, rest, path));
  return { type_url: url.startsWith(TYPE_URL_PREFIX) ? url : `${TYPE_URL_PREFIX}${name}`, value: type.encode(m).finish() };
}

/** Checks `json` against the protos and encodes it. */
export function encodeJson(typeName: string, json: unknown): Buffer {
  const type = lookupType(typeName);
  return Buffer.from(type.encode(type.fromObject(message(type, json))).finish());
}

/** Decodes bytes back to an object (for tests and config dumps). */
export function decodeToObject(typeName: string, bytes: Uint8Array): Record<string, unknown> {
  const type = envoyRoot().lookupType(typeName);
  return type.toObject(type.decode(bytes), { longs: String, enums: String, defaults: false, json: true });
}
