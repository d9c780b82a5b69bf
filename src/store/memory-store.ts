import type { ResourceRegistry } from '../resources/registry.ts';
import { keyOf, type Resource, type ResourceInput, type ResourceKey } from '../resources/resource.ts';
import {
  getEach,
  writeEach,
  alreadyExists,
  compacted,
  encodeKey,
  filterAndPage,
  isMeshScoped,
  meshNotFound,
  notFound,
  now,
  serializeChecked,
  toDocument,
  versionConflict,
  withVersion,
} from './common.ts';
import { EventQueue } from './event-queue.ts';
import type { BatchWrite, BatchWriteResult, ListOptions, ListResult, ResourceStore, StoreEvent, WatchOptions } from './store.ts';

export interface MemoryStoreOptions {
  registry: ResourceRegistry;
  maxResourceBytes: number;
  /** Events kept for watches that start in the past. */
  retainedEvents?: number;
}

/**
 * The embedded store: everything in process memory, lost on restart. Single-threaded, so
 * every method body up to its first await is one atomic step.
 */
export class MemoryStore implements ResourceStore {
  readonly kind = 'memory' as const;
  readonly #registry: ResourceRegistry;
  readonly #maxBytes: number;
  readonly #retained: number;
  /** type → encoded key → serialized resource (copies in and out, like a real store). */
  readonly #data = new Map<string, Map<string, string>>();
  #revision = 0;
  #log: StoreEvent[] = [];
  readonly #watchers = new Set<EventQueue<StoreEvent>>();

  constructor(options: MemoryStoreOptions) {
    this.#registry = options.registry;
    this.#maxBytes = options.maxResourceBytes;
    this.#retained = options.retainedEvents ?? 10_000;
  }

  #table(type: string): Map<string, string> {
    let t = this.#data.get(type);
    if (!t) this.#data.set(type, (t = new Map()));
    return t;
  }

  #read(key: ResourceKey): Resource | undefined {
    const text = this.#data.get(key.type)?.get(encodeKey(key));
    return text === undefined ? undefined : (JSON.parse(text) as Resource);
  }

  #emit(event: StoreEvent): void {
    this.#log.push(event);
    if (this.#log.length > this.#retained * 2) this.#log = this.#log.slice(-this.#retained);
    for (const w of this.#watchers) w.push(structuredClone(event));
  }

  async get(key: ResourceKey): Promise<Resource> {
    const r = this.#read(key);
    if (!r) throw notFound(key);
    return r;
  }

  async list(type: string, options?: ListOptions): Promise<ListResult> {
    const items = [...(this.#data.get(type)?.values() ?? [])].map((t) => JSON.parse(t) as Resource);
    return filterAndPage(items, options);
  }

  async create(input: ResourceInput): Promise<Resource> {
    if (isMeshScoped(this.#registry, input.type) && !this.#read({ type: 'Mesh', name: input.mesh! })) throw meshNotFound(input.mesh!);
    if (this.#read(input)) throw alreadyExists(input);
    const t = now();
    const doc = toDocument(input, t, t);
    serializeChecked(doc, this.#maxBytes);
    const revision = ++this.#revision;
    const resource = withVersion(doc, revision);
    this.#table(input.type).set(encodeKey(input), JSON.stringify(resource));
    this.#emit({ kind: 'put', revision, key: keyOf(input), resource });
    return structuredClone(resource);
  }

  writeMany(writes: readonly BatchWrite[]): Promise<BatchWriteResult[]> {
    return writeEach(this, writes);
  }

  getMany(keys: readonly ResourceKey[]): Promise<(Resource | undefined)[]> {
    return getEach(this, keys);
  }

  async update(input: ResourceInput, expectedVersion: string): Promise<Resource> {
    const current = this.#read(input);
    if (!current) throw notFound(input);
    if (current.version !== expectedVersion) throw versionConflict(input, expectedVersion, current.version);
    const doc = toDocument(input, current.creationTime, now(), current.status);
    serializeChecked(doc, this.#maxBytes);
    const revision = ++this.#revision;
    const resource = withVersion(doc, revision);
    this.#table(input.type).set(encodeKey(input), JSON.stringify(resource));
    this.#emit({ kind: 'put', revision, key: keyOf(input), resource });
    return structuredClone(resource);
  }

  async delete(key: ResourceKey, options: { expectedVersion?: string } = {}): Promise<void> {
    const current = this.#read(key);
    if (!current) throw notFound(key);
    if (options.expectedVersion !== undefined && current.version !== options.expectedVersion) {
      throw versionConflict(key, options.expectedVersion, current.version);
    }
    const revision = ++this.#revision;
    const removed: ResourceKey[] = [keyOf(key)];
    this.#table(key.type).delete(encodeKey(key));
    if (key.type === 'Mesh') {
      for (const d of this.#registry.meshScoped()) {
        const table = this.#data.get(d.name);
        if (!table) continue;
        for (const [k, text] of table) {
          const r = JSON.parse(text) as Resource;
          if (r.mesh === key.name) {
            table.delete(k);
            removed.push(keyOf(r));
          }
        }
      }
    }
    for (const k of removed) this.#emit({ kind: 'delete', revision, key: k });
  }

  async revision(): Promise<number> {
    return this.#revision;
  }

  watch(options: WatchOptions): AsyncIterable<StoreEvent> {
    const queue: EventQueue<StoreEvent> = new EventQueue<StoreEvent>(options.signal, () => this.#watchers.delete(queue));
    const oldest = this.#log[0]?.revision ?? this.#revision + 1;
    if (options.fromRevision < this.#revision && options.fromRevision + 1 < oldest) {
      queue.fail(compacted(options.fromRevision, oldest));
      return queue;
    }
    for (const e of this.#log) if (e.revision > options.fromRevision) queue.push(structuredClone(e));
    if (!queue.closed) this.#watchers.add(queue);
    return queue;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    for (const w of this.#watchers) w.fail(new Error('store closed'));
    this.#watchers.clear();
  }
}
