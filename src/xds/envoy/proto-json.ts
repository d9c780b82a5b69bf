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

/** A field as the converter needs it, read once from protobufjs' (getter-heavy) objects. */
interface FieldInfo {
  readonly field: protobuf.Field;
  readonly name: string;
  readonly oneof: string | undefined;
  readonly map: boolean;
  readonly repeated: boolean;
  readonly message: protobuf.Type | undefined;
  readonly enum: protobuf.Enum | undefined;
}

/** How a type's JSON is read: the well-known types have their own forms. */
type Form = 'message' | 'duration' | 'wrapper' | 'struct' | 'value' | 'any';

interface Shape {
  readonly form: Form;
  /** By proto name and by its lowerCamelCase JSON name. */
  readonly fields: ReadonlyMap<string, FieldInfo>;
}

const shapes = new WeakMap<protobuf.Type, Shape>();
function shapeOf(type: protobuf.Type): Shape {
  let shape = shapes.get(type);
  if (shape) return shape;
  const full = fullNameOf(type);
  const form: Form = full === 'google.protobuf.Duration' ? 'duration' : WRAPPERS.has(full) ? 'wrapper' : full === 'google.protobuf.Struct' ? 'struct' : full === 'google.protobuf.Value' ? 'value' : full === 'google.protobuf.Any' ? 'any' : 'message';
  const fields = new Map<string, FieldInfo>();
  for (const f of type.fieldsArray) {
    f.resolve();
    const rt = f.resolvedType;
    const info: FieldInfo = { field: f, name: f.name, oneof: f.partOf?.name, map: f.map, repeated: f.repeated, message: rt instanceof protobuf.Type ? rt : undefined, enum: rt instanceof protobuf.Enum ? rt : undefined };
    fields.set(f.name, info);
    if (!fields.has(camel(f.name))) fields.set(camel(f.name), info);
  }
  shapes.set(type, (shape = { form, fields }));
  return shape;
}

// Paths cost a string per field; a resource is first converted without them (`path`
// undefined) and, only if that fails, converted again with them for the error message.
type Path = string | undefined;
const at = (path: Path, key: string) => (path === undefined ? undefined : path ? `${path}.${key}` : key);
const index = (path: Path, i: number | string) => (path === undefined ? undefined : `${path}[${i}]`);
const fail = (path: Path, message: string): never => {
  throw new ProtoJsonError(path ?? '', message);
};

const DURATION_RE = /^-?\d+(\.\d{1,9})?s$/;
function parseDuration(value: unknown, path: Path): { seconds: number; nanos: number } {
  if (typeof value !== 'string' || !DURATION_RE.test(value)) return fail(path, `must be a duration string like "1.5s" (got ${JSON.stringify(value)})`);
  const negative = value.startsWith('-');
  const [whole, frac = ''] = value.replace(/^-/, '').slice(0, -1).split('.');
  const seconds = Number(whole);
  const nanos = Number(frac.padEnd(9, '0'));
  return negative ? { seconds: -seconds, nanos: -nanos } : { seconds, nanos };
}

// protobufjs defines the well-known Struct types with camelCase field names, whatever keepCase says.
function toValue(v: unknown, path: Path): Record<string, unknown> {
  if (v === null) return { nullValue: 'NULL_VALUE' };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map((x, i) => toValue(x, index(path, i))) } };
  if (typeof v === 'object') return { structValue: toStruct(v, path) };
  return fail(path, 'is not JSON');
}

function toStruct(v: unknown, path: Path): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(path, 'must be an object');
  const fields: Record<string, unknown> = {};
  for (const k in v) fields[k] = toValue((v as Record<string, unknown>)[k], at(path, k));
  return { fields };
}

const INT64_RE = /^-?\d+$/;
function scalar(field: protobuf.Field, v: unknown, path: Path): unknown {
  switch (field.type) {
    case 'string':
      return typeof v === 'string' ? v : fail(path, 'must be a string');
    case 'bool':
      return typeof v === 'boolean' ? v : fail(path, 'must be a boolean');
    case 'bytes':
      return typeof v === 'string' ? Buffer.from(v, 'base64') : fail(path, 'must be base64 bytes');
    case 'double':
    case 'float':
      return typeof v === 'number' ? v : fail(path, 'must be a number');
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return typeof v === 'number' && Number.isInteger(v) ? v : fail(path, 'must be an integer');
    case 'uint32':
    case 'fixed32':
      if (typeof v !== 'number' || !Number.isInteger(v)) return fail(path, 'must be an integer');
      return v < 0 ? fail(path, 'must not be negative') : v;
    default:
      // 64-bit integers: a number or a decimal string.
      if (!((typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && INT64_RE.test(v)))) return fail(path, 'must be an integer');
      return v;
  }
}

function value(f: FieldInfo, v: unknown, path: Path): unknown {
  if (f.message) return convert(f.message, v, path);
  if (f.enum) {
    const e = f.enum;
    if (typeof v === 'string') return v in e.values ? v : fail(path, `unknown value "${v}" of ${e.name}`);
    if (typeof v === 'number' && Object.values(e.values).includes(v)) return v;
    return fail(path, `must be one of ${Object.keys(e.values).join(', ')}`);
  }
  return scalar(f.field, v, path);
}

/** `json` as `type`; `inAny`: the body of an Any, whose "@type" key is not a field. */
function convert(type: protobuf.Type, json: unknown, path: Path, inAny = false): Record<string, unknown> {
  const shape = shapeOf(type);
  switch (shape.form) {
    case 'duration':
      return parseDuration(json, path);
    case 'wrapper':
      return { value: scalar(shape.fields.get('value')!.field, json, path) };
    case 'struct':
      return toStruct(json, path);
    case 'value':
      return toValue(json, path);
    case 'any':
      return any(json, path);
    case 'message':
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail(path, `must be an object (${type.name})`);
  const out: Record<string, unknown> = {};
  let oneofsSet: Map<string, string> | undefined;
  for (const key in json) {
    if (inAny && key === '@type') continue;
    const v = (json as Record<string, unknown>)[key];
    const field = shape.fields.get(key);
    if (!field) return fail(at(path, key), `unknown field of ${type.name}`);
    if (v === null || v === undefined) continue;
    if (field.oneof) {
      const other = (oneofsSet ??= new Map()).get(field.oneof);
      if (other) return fail(at(path, key), `cannot be set together with "${other}" (oneof ${field.oneof})`);
      oneofsSet.set(field.oneof, key);
    }
    if (field.map) {
      if (typeof v !== 'object' || Array.isArray(v)) return fail(at(path, key), 'must be a map');
      const m: Record<string, unknown> = {};
      for (const k in v) m[k] = value(field, (v as Record<string, unknown>)[k], at(at(path, key), k));
      out[field.name] = m;
    } else if (field.repeated) {
      if (!Array.isArray(v)) return fail(at(path, key), 'must be a list');
      const p = at(path, key);
      out[field.name] = v.map((x, i) => value(field, x, index(p, i)));
    } else {
      out[field.name] = value(field, v, at(path, key));
    }
  }
  return out;
}

/** proto3 JSON of `type` → an object protobufjs' fromObject takes; errors name the JSON path. */
export function message(type: protobuf.Type, json: unknown): Record<string, unknown> {
  try {
    return convert(type, json, undefined);
  } catch (err) {
    if (!(err instanceof ProtoJsonError)) throw err;
    return convert(type, json, ''); // again, with paths, to name the field
  }
}

function any(json: unknown, path: Path): { type_url: string; value: Uint8Array } {
  if (typeof json !== 'object' || json === null || typeof (json as { '@type'?: unknown })['@type'] !== 'string') return fail(path, 'must be an object with "@type"');
  const url = (json as { '@type': string })['@type'];
  const name = url.slice(url.lastIndexOf('/') + 1);
  let type: protobuf.Type;
  try {
    type = lookupType(name);
  } catch {
    return fail(at(path, '@type'), `unknown type "${url}"`);
  }
  const m = type.fromObject(convert(type, json, path, true));
  return { type_url: url.startsWith(TYPE_URL_PREFIX) ? url : `${TYPE_URL_PREFIX}${name}`, value: type.encode(m).finish() };
}

/** Checks `json` against the protos and encodes it. */
export function encodeJson(typeName: string, json: unknown): Uint8Array {
  const type = lookupType(typeName);
  return type.encode(type.fromObject(message(type, json))).finish();
}

/** Decodes bytes back to an object (for tests and config dumps). */
export function decodeToObject(typeName: string, bytes: Uint8Array): Record<string, unknown> {
  const type = envoyRoot().lookupType(typeName);
  return type.toObject(type.decode(bytes), { longs: String, enums: String, defaults: false, json: true });
}
