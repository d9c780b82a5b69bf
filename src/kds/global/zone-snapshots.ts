import type { ResourceRegistry } from '../../resources/registry.ts';
import type { ResourceCache } from '../../store/resource-cache.ts';
import type { DeltaResource } from '../../xds/delta/messages.ts';
import type { Snapshot } from '../../xds/delta/server-session.ts';
import { downTypes, toZone } from '../directions.ts';
import { encodeEnvelope } from '../envelope.ts';
import type { ResourceTypeDescriptor } from '../../resources/descriptor.ts';

/** An immutable per-type map of resources; what a delta session serves. */
export class MapSnapshot implements Snapshot {
  readonly #types: ReadonlyMap<string, ReadonlyMap<string, DeltaResource>>;
  constructor(types: ReadonlyMap<string, ReadonlyMap<string, DeltaResource>>) {
    this.#types = types;
  }
  resources(typeUrl: string): ReadonlyMap<string, DeltaResource> | undefined {
    return this.#types.get(typeUrl);
  }
  get size(): number {
    let n = 0;
    for (const m of this.#types.values()) n += m.size;
    return n;
  }
}

/**
 * Builds what global serves to each zone from the resource cache. Encoding a resource is
 * the same for every zone, so encodings are memoized by (key, version) and only the
 * per-zone filtering is repeated. Call prune() after a pass over all zones.
 */
export class ZoneSnapshotBuilder {
  readonly #cache: ResourceCache;
  readonly #types: ResourceTypeDescriptor[];
  #memo = new Map<string, DeltaResource>();
  #used = new Map<string, DeltaResource>();

  constructor(cache: ResourceCache, registry: ResourceRegistry) {
    this.#cache = cache;
    this.#types = downTypes(registry);
  }

  build(zone: string): MapSnapshot {
    const enabled = new Set(this.#cache.list('Zone').filter((z) => (z.spec as { enabled?: boolean }).enabled !== false).map((z) => z.name));
    const out = new Map<string, Map<string, DeltaResource>>();
    for (const d of this.#types) {
      const m = new Map<string, DeltaResource>();
      for (const r of this.#cache.list(d.name)) {
        const memoKey = `${d.name}/${r.mesh ?? ''}/${r.name}@${r.version}`;
        let dr = this.#used.get(memoKey) ?? this.#memo.get(memoKey);
        if (!dr) {
          const env = toZone(d, r, zone, enabled);
          if (!env) continue;
          dr = encodeEnvelope(env);
        } else if (!toZone(d, r, zone, enabled)) {
          continue;
        }
        this.#used.set(memoKey, dr);
        m.set(dr.name, dr);
      }
      out.set(d.name, m);
    }
    return new MapSnapshot(out);
  }

  /** Drops encodings no build used since the last prune. */
  prune(): void {
    this.#memo = this.#used;
    this.#used = new Map();
  }
}
