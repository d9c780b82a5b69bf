import protobuf from 'protobufjs';
import { envoyRoot, loadPackageOf, TYPE_URL_PREFIX } from './protos.ts';

// Envoy config is written in proto3 JSON, the form of Envoy's YAML (durations "1.5s",
// typed configs with "@type", wrappers as plain values). This checks it against the protos
// and writes the protobuf encoding in one walk (no intermediate messages), fields in number
// order, byte for byte what protobufjs would write. Errors carry the JSON path; a resource
// that fails is never served.

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
const typesByName = new Map<string, protobuf.Type>();
function lookupType(name: string): protobuf.Type {
  let type = typesByName.get(name);
  if (!type) {
    // Not among the protos loaded up front: an extension named in a MeshProxyPatch.
    if (!envoyRoot().lookup(name)) loadPackageOf(name);
    typesByName.set(name, (type = envoyRoot().lookupType(name)));
  }
  return type;
}

type ScalarType = 'double' | 'float' | 'int32' | 'uint32' | 'sint32' | 'fixed32' | 'sfixed32' | 'int64' | 'uint64' | 'sint64' | 'fixed64' | 'sfixed64' | 'bool' | 'string' | 'bytes';

/** A field as the writer needs it, read once from protobufjs' (getter-heavy) objects. */
interface FieldInfo {
  readonly name: string;
  readonly id: number;
  readonly oneof: string | undefined;
  readonly map: boolean;
  readonly repeated: boolean;
  readonly packed: boolean;
  readonly message: protobuf.Type | undefined;
  readonly enum: protobuf.Enum | undefined;
  /** The scalar type (of the value, for a map), when neither message nor enum. */
  readonly scalar: ScalarType;
  /** Wire type of one value. */
  readonly wire: number;
  readonly keyType: ScalarType | undefined;
}

/** How a type's JSON is read: the well-known types have their own forms. */
type Form = 'message' | 'duration' | 'wrapper' | 'struct' | 'value' | 'any';

interface Shape {
  readonly form: Form;
  readonly name: string;
  /** By proto name and by its lowerCamelCase JSON name. */
  readonly fields: ReadonlyMap<string, FieldInfo>;
}

const basic = protobuf.types.basic as Record<string, number>;
const shapes = new WeakMap<protobuf.Type, Shape>();
function shapeOf(type: protobuf.Type): Shape {
  let shape = shapes.get(type);
  if (shape) return shape;
  const full = type.fullName.slice(1);
  const form: Form = full === 'google.protobuf.Duration' ? 'duration' : WRAPPERS.has(full) ? 'wrapper' : full === 'google.protobuf.Struct' ? 'struct' : full === 'google.protobuf.Value' ? 'value' : full === 'google.protobuf.Any' ? 'any' : 'message';
  const fields = new Map<string, FieldInfo>();
  for (const f of type.fieldsArray) {
    f.resolve();
    const rt = f.resolvedType;
    const message = rt instanceof protobuf.Type ? rt : undefined;
    const en = rt instanceof protobuf.Enum ? rt : undefined;
    const info: FieldInfo = {
      name: f.name,
      id: f.id,
      oneof: f.partOf?.name,
      map: f.map,
      repeated: f.repeated,
      packed: f.repeated && !message && f.packed && (en !== undefined || f.type in protobuf.types.packed),
      message,
      enum: en,
      scalar: f.type as ScalarType,
      wire: message ? 2 : en ? 0 : basic[f.type]!,
      keyType: f.map ? ((f as unknown as protobuf.MapField).keyType as ScalarType) : undefined,
    };
    fields.set(f.name, info);
    if (!fields.has(camel(f.name))) fields.set(camel(f.name), info);
  }
  shapes.set(type, (shape = { form, name: type.name, fields }));
  return shape;
}

// The protobuf wire format written straight into one reused scratch buffer (protobufjs'
// Writer allocates an operation object per value). A nested message reserves one byte for
// its length and, when the length needs more, is moved right once it is known.
const TWO_32 = 4294967296;
const MASK_64 = (1n << 64n) - 1n;

class Out {
  static #scratch = Buffer.allocUnsafeSlow(64 * 1024);
  buf = Out.#scratch;
  pos = 0;
  readonly #starts: number[] = [];

  #ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const bigger = Buffer.allocUnsafeSlow(size);
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = Out.#scratch = bigger;
  }

  /** An unsigned 32-bit varint. */
  uint32(v: number): this {
    this.#ensure(5);
    let x = v >>> 0;
    while (x > 127) {
      this.buf[this.pos++] = (x & 127) | 128;
      x >>>= 7;
    }
    this.buf[this.pos++] = x;
    return this;
  }

  /** A 64-bit varint from its two's-complement halves. */
  #varint64(lo: number, hi: number): this {
    if (hi === 0) return this.uint32(lo);
    this.#ensure(10);
    while (hi > 0 || lo > 127) {
      this.buf[this.pos++] = (lo & 127) | 128;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    this.buf[this.pos++] = lo;
    return this;
  }

  #halves(v: unknown): [number, number] {
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return [v >>> 0, Math.floor(v / TWO_32) >>> 0];
    const big = BigInt.asUintN(64, BigInt(v as number | string));
    return [Number(big & 0xffffffffn), Number(big >> 32n)];
  }

  int32(v: number): this {
    return v >= 0 ? this.uint32(v) : this.#varint64(v >>> 0, 0xffffffff);
  }
  sint32(v: number): this {
    return this.uint32(((v << 1) ^ (v >> 31)) >>> 0);
  }
  int64(v: unknown): this {
    return this.#varint64(...this.#halves(v));
  }
  uint64(v: unknown): this {
    return this.int64(v);
  }
  sint64(v: unknown): this {
    const big = BigInt(v as number | string);
    const zz = ((big << 1n) ^ (big >> 63n)) & MASK_64;
    return this.#varint64(Number(zz & 0xffffffffn), Number(zz >> 32n));
  }
  bool(v: boolean): this {
    this.#ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
    return this;
  }
  fixed32(v: number): this {
    this.#ensure(4);
    this.pos = this.buf.writeUInt32LE(v >>> 0, this.pos);
    return this;
  }
  sfixed32(v: number): this {
    this.#ensure(4);
    this.pos = this.buf.writeInt32LE(v | 0, this.pos);
    return this;
  }
  fixed64(v: unknown): this {
    this.#ensure(8);
    this.pos = this.buf.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v as number | string)), this.pos);
    return this;
  }
  sfixed64(v: unknown): this {
    this.#ensure(8);
    this.pos = this.buf.writeBigInt64LE(BigInt.asIntN(64, BigInt(v as number | string)), this.pos);
    return this;
  }
  double(v: number): this {
    this.#ensure(8);
    this.pos = this.buf.writeDoubleLE(v, this.pos);
    return this;
  }
  float(v: number): this {
    this.#ensure(4);
    this.pos = this.buf.writeFloatLE(v, this.pos);
    return this;
  }
  string(v: string): this {
    this.#ensure(5 + v.length * 3);
    const start = this.pos;
    const n = this.buf.write(v, start + 1, 'utf8');
    this.pos = start + 1 + n;
    this.#prefixLength(start, n);
    return this;
  }
  bytes(v: Uint8Array): this {
    this.uint32(v.length);
    this.#ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
    return this;
  }
  /** Starts a length-delimited value (its tag is already written). */
  fork(): this {
    this.#ensure(1);
    this.#starts.push(this.pos++);
    return this;
  }
  /** Ends the value fork() started: writes its length. */
  ldelim(): this {
    const start = this.#starts.pop()!;
    this.#prefixLength(start, this.pos - start - 1);
    return this;
  }
  /** `n` bytes follow the one byte reserved at `start` for their length. */
  #prefixLength(start: number, n: number): void {
    if (n < 128) {
      this.buf[start] = n;
      return;
    }
    let size = 1;
    for (let x = n >>> 7; x > 0; x >>>= 7) size++;
    this.#ensure(size - 1);
    this.buf.copyWithin(start + size, start + 1, this.pos);
    this.pos += size - 1;
    let x = n;
    let p = start;
    while (x > 127) {
      this.buf[p++] = (x & 127) | 128;
      x >>>= 7;
    }
    this.buf[p] = x;
  }
  /** The bytes written, in their own exactly sized buffer. */
  finish(): Buffer {
    const out = Buffer.allocUnsafeSlow(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }
}

// Paths cost a string per field; a resource is first written without them (`path`
// undefined) and, only if that fails, walked again with them for the error message.
type Path = string | undefined;
const at = (path: Path, key: string) => (path === undefined ? undefined : path ? `${path}.${key}` : key);
const index = (path: Path, i: number | string) => (path === undefined ? undefined : `${path}[${i}]`);
const fail = (path: Path, message: string): never => {
  throw new ProtoJsonError(path ?? '', message);
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const DURATION_RE = /^-?\d+(\.\d{1,9})?s$/;
function writeDuration(w: Out, value: unknown, path: Path): void {
  if (typeof value !== 'string' || !DURATION_RE.test(value)) return fail(path, `must be a duration string like "1.5s" (got ${JSON.stringify(value)})`);
  const negative = value.startsWith('-');
  const [whole, frac = ''] = value.replace(/^-/, '').slice(0, -1).split('.');
  const seconds = Number(whole);
  const nanos = Number(frac.padEnd(9, '0'));
  w.uint32(8).int64(negative ? -seconds : seconds);
  w.uint32(16).int32(negative ? -nanos : nanos);
}

// google.protobuf.Value: null_value = 1, number_value = 2, string_value = 3, bool_value = 4,
// struct_value = 5, list_value = 6; ListValue.values = 1; Struct.fields = 1 (map).
function writeValue(w: Out, v: unknown, path: Path): void {
  if (v === null) w.uint32(8).int32(0);
  else if (typeof v === 'number') w.uint32(17).double(v);
  else if (typeof v === 'string') w.uint32(26).string(v);
  else if (typeof v === 'boolean') w.uint32(32).bool(v);
  else if (Array.isArray(v)) {
    w.uint32(50).fork();
    v.forEach((x, i) => {
      w.uint32(10).fork();
      writeValue(w, x, index(path, i));
      w.ldelim();
    });
    w.ldelim();
  } else if (typeof v === 'object') {
    w.uint32(42).fork();
    writeStruct(w, v, path);
    w.ldelim();
  } else fail(path, 'is not JSON');
}

function writeStruct(w: Out, v: unknown, path: Path): void {
  if (!isObject(v)) return fail(path, 'must be an object');
  for (const k in v) {
    w.uint32(10).fork().uint32(10).string(k).uint32(18).fork();
    writeValue(w, v[k], at(path, k));
    w.ldelim().ldelim();
  }
}

const INT64_RE = /^-?\d+$/;
function scalar(type: ScalarType, v: unknown, path: Path): unknown {
  switch (type) {
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

function enumValue(e: protobuf.Enum, v: unknown, path: Path): number {
  if (typeof v === 'string') return v in e.values ? e.values[v]! : fail(path, `unknown value "${v}" of ${e.name}`);
  if (typeof v === 'number' && Object.values(e.values).includes(v)) return v;
  return fail(path, `must be one of ${Object.keys(e.values).join(', ')}`);
}

type ScalarWriter = (this: Out, value: unknown) => Out;
const writeScalar = (w: Out, type: ScalarType, value: unknown) => (w[type] as ScalarWriter).call(w, value);

/** One value of field `f` as field number `id` (a map entry's value is field 2). */
function writeOne(w: Out, f: FieldInfo, id: number, v: unknown, path: Path): void {
  if (f.message) {
    w.uint32((id << 3) | 2).fork();
    writeMessage(w, f.message, v, path, false);
    w.ldelim();
  } else if (f.enum) {
    w.uint32(id << 3).int32(enumValue(f.enum, v, path));
  } else {
    writeScalar(w.uint32((id << 3) | f.wire), f.scalar, scalar(f.scalar, v, path));
  }
}

function writeField(w: Out, f: FieldInfo, v: unknown, path: Path): void {
  if (f.map) {
    if (!isObject(v)) return fail(path, 'must be a map');
    const keyType = f.keyType!;
    for (const k in v) {
      w.uint32((f.id << 3) | 2).fork();
      if (keyType === 'string') w.uint32(10).string(k);
      else if (keyType === 'bool') w.uint32(8).bool(k === 'true');
      else writeScalar(w.uint32((1 << 3) | basic[keyType]!), keyType, keyType.endsWith('64') ? k : Number(k));
      writeOne(w, f, 2, v[k], at(path, k));
      w.ldelim();
    }
  } else if (f.repeated) {
    if (!Array.isArray(v)) return fail(path, 'must be a list');
    if (f.packed) {
      if (v.length === 0) return;
      w.uint32((f.id << 3) | 2).fork();
      v.forEach((x, i) => (f.enum ? w.int32(enumValue(f.enum, x, index(path, i))) : writeScalar(w, f.scalar, scalar(f.scalar, x, index(path, i)))));
      w.ldelim();
    } else {
      v.forEach((x, i) => writeOne(w, f, f.id, x, index(path, i)));
    }
  } else {
    writeOne(w, f, f.id, v, path);
  }
}

/** `json` as `type`; `inAny`: the body of an Any, whose "@type" key is not a field. */
function writeMessage(w: Out, type: protobuf.Type, json: unknown, path: Path, inAny: boolean): void {
  const shape = shapeOf(type);
  switch (shape.form) {
    case 'duration':
      return writeDuration(w, json, path);
    case 'wrapper': {
      const f = shape.fields.get('value')!;
      writeScalar(w.uint32((1 << 3) | f.wire), f.scalar, scalar(f.scalar, json, path));
      return;
    }
    case 'struct':
      return writeStruct(w, json, path);
    case 'value':
      return writeValue(w, json, path);
    case 'any':
      return writeAny(w, json, path);
    case 'message':
  }
  if (!isObject(json)) return fail(path, `must be an object (${shape.name})`);
  // Check every key first; then write the set fields in field-number order.
  const present: [FieldInfo, unknown, string][] = [];
  let oneofsSet: Map<string, string> | undefined;
  let sorted = true;
  for (const key in json) {
    if (inAny && key === '@type') continue;
    const field = shape.fields.get(key);
    if (!field) return fail(at(path, key), `unknown field of ${shape.name}`);
    const v = json[key];
    if (v === null || v === undefined) continue;
    if (field.oneof) {
      const other = (oneofsSet ??= new Map()).get(field.oneof);
      if (other) return fail(at(path, key), `cannot be set together with "${other}" (oneof ${field.oneof})`);
      oneofsSet.set(field.oneof, key);
    }
    if (present.length > 0 && present[present.length - 1]![0].id > field.id) sorted = false;
    present.push([field, v, key]);
  }
  if (!sorted) present.sort((a, b) => a[0].id - b[0].id);
  for (const [field, v, key] of present) writeField(w, field, v, at(path, key));
}

// google.protobuf.Any: type_url = 1, value = 2 (the inner message, written in place).
function writeAny(w: Out, json: unknown, path: Path): void {
  if (!isObject(json) || typeof json['@type'] !== 'string') return fail(path, 'must be an object with "@type"');
  const url = json['@type'];
  const name = url.slice(url.lastIndexOf('/') + 1);
  let type: protobuf.Type;
  try {
    type = lookupType(name);
  } catch {
    return fail(at(path, '@type'), `unknown type "${url}"`);
  }
  w.uint32(10).string(url.startsWith(TYPE_URL_PREFIX) ? url : `${TYPE_URL_PREFIX}${name}`);
  w.uint32(18).fork();
  writeMessage(w, type, json, path, true);
  w.ldelim();
}

/** Checks `json` against the protos and encodes it. */
export function encodeJson(typeName: string, json: unknown): Buffer {
  const type = lookupType(typeName);
  const encode = (path: Path) => {
    const w = new Out();
    writeMessage(w, type, json, path, false);
    return w.finish();
  };
  try {
    return encode(undefined);
  } catch (err) {
    if (!(err instanceof ProtoJsonError)) throw err;
    encode(''); // again, with paths, to name the field
    throw err;
  }
}

/** Decodes bytes back to an object (for tests and config dumps). */
export function decodeToObject(typeName: string, bytes: Uint8Array): Record<string, unknown> {
  const type = lookupType(typeName);
  return type.toObject(type.decode(bytes), { longs: String, enums: String, defaults: false, json: true });
}
