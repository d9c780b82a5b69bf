import { createHash, hash } from 'node:crypto';
import { typeUrl, XDS_TYPES, type XdsKind } from '../envoy/protos.ts';
import { encodeJson } from '../envoy/proto-json.ts';
import type { ResourceSet } from '../model/resource-set.ts';

// One proxy's configuration: immutable, every resource checked against the Envoy protos
// and encoded, versioned by content. A snapshot is consistent (every EDS cluster has its
// ClusterLoadAssignment) or it is not built: the server only ever sees valid snapshots.

export const XDS_KINDS: readonly XdsKind[] = ['cluster', 'endpoint', 'listener', 'route', 'secret'];

export interface XdsResource {
  readonly name: string;
  /** Content hash of the encoded resource. */
  readonly version: string;
  /** The resource as proto3 JSON (parsed from its text on each read: for dumps and tests). */
  readonly json: object;
  readonly bytes: Buffer;
  /** The resource as it goes on the wire (an Any), shared by every response that carries it. */
  readonly resource: { readonly type_url: string; readonly value: Buffer };
}

class EncodedResource implements XdsResource {
  readonly name: string;
  readonly version: string;
  readonly bytes: Buffer;
  readonly resource: { readonly type_url: string; readonly value: Buffer };
  /** The proto3 JSON text: far smaller than the object it was made from. */
  readonly text: string;
  /** `encoded`: exactly sized and owned (encodeJson's output), kept as it is. */
  constructor(kind: XdsKind, name: string, text: string, encoded: Buffer) {
    this.name = name;
    this.text = text;
    this.bytes = encoded;
    this.version = hash('sha256', this.bytes, 'hex').slice(0, 16);
    this.resource = { type_url: typeUrl(kind), value: this.bytes };
  }
  get json(): object {
    return JSON.parse(this.text) as object;
  }
}

/**
 * Encoded resources by kind and JSON text, shared by every snapshot that holds an identical
 * one (the clusters and endpoints of a service are the same for all its callers): a proxy
 * costs only what is its own, and an identical resource is checked and encoded once. Entries
 * live as long as some snapshot holds the resource.
 */
class ResourceTable {
  readonly #byText = new Map<string, WeakRef<EncodedResource>>();
  readonly #finalizer = new FinalizationRegistry<string>((text) => {
    if (this.#byText.get(text)?.deref() === undefined) this.#byText.delete(text);
  });

  get(text: string): EncodedResource | undefined {
    return this.#byText.get(text)?.deref();
  }

  add(r: EncodedResource): void {
    this.#byText.set(r.text, new WeakRef(r));
    this.#finalizer.register(r, r.text);
  }

  get size(): number {
    return this.#byText.size;
  }
}

const TABLES = Object.fromEntries(['cluster', 'endpoint', 'listener', 'route', 'secret'].map((k) => [k, new ResourceTable()])) as Record<XdsKind, ResourceTable>;


export class SnapshotError extends Error {}

const KIND_BY_TYPE_URL = new Map(XDS_KINDS.map((k) => [typeUrl(k), k]));

export class XdsSnapshot {
  readonly version: string;
  readonly resources: Readonly<Record<XdsKind, ReadonlyMap<string, XdsResource>>>;

  constructor(resources: Record<XdsKind, Map<string, XdsResource>>) {
    this.resources = resources;
    const h = createHash('sha256');
    for (const kind of XDS_KINDS) for (const [name, r] of [...resources[kind]].sort(([a], [b]) => (a < b ? -1 : 1))) h.update(`${kind}/${name}@${r.version};`);
    this.version = h.digest('hex').slice(0, 16);
  }

  /** The resources of a type URL (delta xDS reads snapshots this way). */
  byTypeUrl(url: string): ReadonlyMap<string, XdsResource> | undefined {
    const kind = KIND_BY_TYPE_URL.get(url);
    return kind && this.resources[kind];
  }

  /** Versions of one kind, by name: what changed between two snapshots. */
  versions(kind: XdsKind): Map<string, string> {
    return new Map([...this.resources[kind]].map(([n, r]) => [n, r.version]));
  }

  /** The whole config as JSON, kind by kind, for golden files and config dumps. */
  toJSON(): Record<string, object[]> {
    return Object.fromEntries(XDS_KINDS.map((k) => [k, [...this.resources[k].values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((r) => r.json)]));
  }
}

/** Checks and encodes a generated resource set; throws SnapshotError listing every problem. */
export function snapshotOf(set: ResourceSet, proxy: string): XdsSnapshot {
  const problems: string[] = [];
  const out = Object.fromEntries(XDS_KINDS.map((k) => [k, new Map()])) as Record<XdsKind, Map<string, XdsResource>>;
  for (const kind of XDS_KINDS) {
    for (const [name, json] of set[kind]) {
      try {
        const text = JSON.stringify(json);
        let r = TABLES[kind].get(text);
        if (r?.name !== name) {
          r = new EncodedResource(kind, name, text, encodeJson(XDS_TYPES[kind], json));
          TABLES[kind].add(r);
        }
        out[kind].set(name, r);
      } catch (err) {
        problems.push(`${kind} ${name}: ${(err as Error).message}`);
      }
    }
  }
  for (const [name, cluster] of set.cluster) {
    if ((cluster as { type?: string }).type === 'EDS' && !set.endpoint.has(name)) problems.push(`cluster ${name}: EDS cluster without a ClusterLoadAssignment`);
  }
  if (problems.length > 0) throw new SnapshotError(`invalid configuration for ${proxy}: ${problems.join('; ')}`);
  return new XdsSnapshot(out);
}
