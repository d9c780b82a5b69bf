// DiscoveryResponse and DeltaDiscoveryResponse (envoy.service.discovery.v3) written by hand
// over resources that are already encoded: a snapshot's resources are Anys whose bytes are
// shared by every response that carries them, so a response is a few header fields and the
// concatenation of cached pieces. proto-loader's serializer re-encoded every resource of every
// response (a third of a proxy's push). Decodes to what protobufjs's encoding of the same
// message decodes to (discovery-wire.test.ts); empty strings are left out, as proto3 allows.

interface Any {
  readonly type_url: string;
  readonly value: Buffer;
}

/** What the SotW session sends. */
export interface DiscoveryResponseOut {
  version_info?: string;
  type_url?: string;
  nonce?: string;
  resources?: readonly Any[];
}

/** What the delta session sends. */
export interface DeltaDiscoveryResponseOut {
  system_version_info?: string;
  type_url?: string;
  nonce?: string;
  resources?: readonly { readonly name: string; readonly version: string; readonly resource: Any }[];
  removed_resources?: readonly string[];
}

const LEN = 2; // wire type: length-delimited

function varint(n: number): Buffer {
  const out: number[] = [];
  let x = n >>> 0;
  while (x > 127) {
    out.push((x & 127) | 128);
    x >>>= 7;
  }
  out.push(x);
  return Buffer.from(out);
}

/** Field `field` of wire type LEN holding `body`. */
function delimited(field: number, body: Buffer): Buffer[] {
  return [varint((field << 3) | LEN), varint(body.length), body];
}

/** A string field, left out when empty (proto3 writes no default). */
function str(parts: Buffer[], field: number, s: string | undefined): void {
  if (s) parts.push(...delimited(field, Buffer.from(s, 'utf8')));
}

// An Any as field 2 (`resources` of DiscoveryResponse, `resource` of Resource), and a delta
// Resource as field 2 of DeltaDiscoveryResponse: computed once per resource object.
const anyField = new WeakMap<Any, Buffer>();
const deltaResourceField = new WeakMap<object, Buffer>();

function anyAsField2(a: Any): Buffer {
  let b = anyField.get(a);
  if (!b) {
    const body: Buffer[] = [];
    str(body, 1, a.type_url);
    if (a.value.length > 0) body.push(...delimited(2, a.value));
    anyField.set(a, (b = Buffer.concat(delimited(2, Buffer.concat(body)))));
  }
  return b;
}

function deltaResourceAsField2(r: { readonly name: string; readonly version: string; readonly resource: Any }): Buffer {
  let b = deltaResourceField.get(r);
  if (!b) {
    // Resource: version = 1, resource = 2, name = 3 (written in field-number order, as protobufjs does).
    const body: Buffer[] = [];
    str(body, 1, r.version);
    body.push(anyAsField2(r.resource));
    str(body, 3, r.name);
    deltaResourceField.set(r, (b = Buffer.concat(delimited(2, Buffer.concat(body)))));
  }
  return b;
}

/** DiscoveryResponse: version_info = 1, resources = 2, type_url = 4, nonce = 5. */
export function encodeDiscoveryResponse(r: DiscoveryResponseOut): Buffer {
  const parts: Buffer[] = [];
  str(parts, 1, r.version_info);
  for (const a of r.resources ?? []) parts.push(anyAsField2(a));
  str(parts, 4, r.type_url);
  str(parts, 5, r.nonce);
  return Buffer.concat(parts);
}

/** DeltaDiscoveryResponse: system_version_info = 1, resources = 2, type_url = 4, nonce = 5, removed_resources = 6. */
export function encodeDeltaDiscoveryResponse(r: DeltaDiscoveryResponseOut): Buffer {
  const parts: Buffer[] = [];
  str(parts, 1, r.system_version_info);
  for (const res of r.resources ?? []) parts.push(deltaResourceAsField2(res));
  str(parts, 4, r.type_url);
  str(parts, 5, r.nonce);
  // Repeated strings are written even when empty (an empty name is still an element).
  for (const name of r.removed_resources ?? []) parts.push(...delimited(6, Buffer.from(name, 'utf8')));
  return Buffer.concat(parts);
}
