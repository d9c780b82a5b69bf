import { Etcd3, type ICompare, type IKeyValue } from 'etcd3';
import type { ResourceRegistry } from '../resources/registry.ts';
import { keyOf, type Resource, type ResourceInput, type ResourceKey } from '../resources/resource.ts';
import {
  alreadyExists,
  guarded,
  storeFailure,
  compacted,
  decodeKey,
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
  writeEach,
  type StoredDocument,
} from './common.ts';
import { EventQueue } from './event-queue.ts';
import type { BatchWrite, BatchWriteResult, ListOptions, ListResult, ResourceStore, StoreEvent, WatchOptions } from './store.ts';

/** Largest reply the client accepts, and what one page of a list may hold. */
const MAX_REPLY_BYTES = 128 * 1024 * 1024;
const PAGE_BYTES = 64 * 1024 * 1024;
/** Operations and value bytes per transaction of writeMany/getMany: under etcd's defaults (--max-txn-ops 128, --max-request-bytes 1.5 MiB). */
const TXN_OPS = 100;
const TXN_BYTES = 1024 * 1024;

export interface EtcdStoreOptions {
  registry: ResourceRegistry;
  endpoints: readonly string[];
  /** Every key lives under this prefix, e.g. `/meshwork/`. */
  prefix: string;
  maxResourceBytes: number;
  dialTimeoutMs?: number;
  /** What one page of a list may hold (tests make it small to list in many pages). */
  pageBytes?: number;
}

/**
 * Resources in etcd, one key each: `<prefix>r/<Type>/<mesh>/<name>` (or `<Type>/<name>` for
 * global types), value = JSON document. A resource's version is the key's mod_revision;
 * conditional writes are etcd transactions, so every contract guarantee is atomic in etcd.
 */
export class EtcdStore implements ResourceStore {
  readonly kind = 'etcd' as const;
  readonly #client: Etcd3;
  readonly #registry: ResourceRegistry;
  readonly #root: string;
  readonly #maxBytes: number;
  /** Keys per range request: a page of resources at the size limit stays under PAGE_BYTES. */
  readonly #pageSize: number;

  constructor(options: EtcdStoreOptions) {
    this.#registry = options.registry;
    this.#root = `${options.prefix}r/`;
    this.#maxBytes = options.maxResourceBytes;
    this.#client = new Etcd3({ hosts: [...options.endpoints], dialTimeout: options.dialTimeoutMs ?? 5000, grpcOptions: { 'grpc.max_receive_message_length': MAX_REPLY_BYTES } });
    this.#pageSize = Math.max(1, Math.floor((options.pageBytes ?? PAGE_BYTES) / (options.maxResourceBytes + 4096)));
  }

  #key(k: ResourceKey): string {
    return this.#root + encodeKey(k);
  }

  #decode(kv: IKeyValue): Resource {
    return withVersion(JSON.parse(kv.value.toString('utf8')) as StoredDocument, kv.mod_revision);
  }

  async #getKv(key: ResourceKey): Promise<IKeyValue | undefined> {
    const res = await this.#client.get(this.#key(key)).exec();
    return res.kvs[0];
  }

  async get(key: ResourceKey): Promise<Resource> {
    return guarded('etcd', 'get', async () => {
      const kv = await this.#getKv(key);
      if (!kv) throw notFound(key);
      return this.#decode(kv);
    });
  }

  async list(type: string, options?: ListOptions): Promise<ListResult> {
    return guarded('etcd', 'list', async () => {
      const prefix = options?.mesh !== undefined && isMeshScoped(this.#registry, type) ? `${type}/${options.mesh}/` : `${type}/`;
      return filterAndPage(await this.#rangeAll(this.#root + prefix), options);
    });
  }

  /**
   * Every resource under `prefix`, read in pages of #pageSize keys at one revision (one range
   * reply of a whole type could exceed any message limit: a few large resources are enough).
   */
  async #rangeAll(prefix: string): Promise<Resource[]> {
    const out: Resource[] = [];
    const end = Buffer.from(prefix);
    end[end.length - 1]! += 1;
    let from = Buffer.from(prefix);
    let revision: string | undefined;
    for (;;) {
      const res = await this.#client.kv.range({ key: from, range_end: end, limit: this.#pageSize, ...(revision ? { revision } : {}) });
      revision ??= res.header.revision;
      for (const kv of res.kvs) out.push(this.#decode(kv));
      const last = res.kvs.at(-1);
      if (!res.more || !last) return out;
      from = Buffer.concat([last.key, Buffer.from([0])]);
    }
  }

  async create(input: ResourceInput): Promise<Resource> {
    const t = now();
    const doc = toDocument(input, t, t);
    const text = serializeChecked(doc, this.#maxBytes);
    return guarded('etcd', 'create', async () => {
      const key = this.#key(input);
      const meshKey = isMeshScoped(this.#registry, input.type) ? this.#key({ type: 'Mesh', name: input.mesh! }) : undefined;
      const txn = this.#client.if(key, 'Create', '==', 0);
      if (meshKey) txn.and(meshKey, 'Create', '>', 0);
      const res = await txn.then(this.#client.put(key).value(text)).commit();
      if (!res.succeeded) {
        if (meshKey && (await this.#client.get(meshKey).exec()).kvs.length === 0) throw meshNotFound(input.mesh!);
        throw alreadyExists(input);
      }
      return withVersion(doc, res.header.revision);
    });
  }

  async update(input: ResourceInput, expectedVersion: string): Promise<Resource> {
    return guarded('etcd', 'update', async () => {
      const current = await this.#getKv(input);
      if (!current) throw notFound(input);
      if (current.mod_revision !== expectedVersion) throw versionConflict(input, expectedVersion, current.mod_revision);
      const stored = this.#decode(current);
      const doc = toDocument(input, stored.creationTime, now(), stored.status);
      const text = serializeChecked(doc, this.#maxBytes);
      const key = this.#key(input);
      const res = await this.#client.if(key, 'Mod', '==', expectedVersion).then(this.#client.put(key).value(text)).commit();
      if (!res.succeeded) {
        const latest = await this.#getKv(input);
        if (!latest) throw notFound(input);
        throw versionConflict(input, expectedVersion, latest.mod_revision);
      }
      return withVersion(doc, res.header.revision);
    });
  }

  /**
   * Writes in transactions of up to TXN_OPS keys and TXN_BYTES: one round trip and one raft
   * entry for a whole batch (a zone's thousand DataplaneInsights were three requests each).
   * A transaction holds every write's condition; when one fails, that batch is written one by
   * one, so each write still succeeds or fails alone.
   */
  async writeMany(writes: readonly BatchWrite[]): Promise<BatchWriteResult[]> {
    const results: BatchWriteResult[] = new Array(writes.length);
    const t = now();
    let batch: { i: number; key: string; text: string; doc: StoredDocument }[] = [];
    let bytes = 0;
    const flush = async () => {
      if (batch.length > 0) await this.#commitBatch(batch, writes, results);
      batch = [];
      bytes = 0;
    };
    for (const [i, w] of writes.entries()) {
      let text: string;
      const doc = toDocument(w.input, w.existing?.creationTime ?? t, t, w.existing?.status);
      try {
        text = serializeChecked(doc, this.#maxBytes);
      } catch (error) {
        results[i] = { ok: false, error };
        continue;
      }
      const key = this.#key(w.input);
      // etcd refuses a transaction that writes one key twice.
      if (batch.length >= TXN_OPS || (batch.length > 0 && bytes + text.length > TXN_BYTES) || batch.some((b) => b.key === key)) await flush();
      batch.push({ i, key, text, doc });
      bytes += text.length;
    }
    await flush();
    return results;
  }

  async #commitBatch(batch: { i: number; key: string; text: string; doc: StoredDocument }[], writes: readonly BatchWrite[], results: BatchWriteResult[]): Promise<void> {
    const compare: ICompare[] = [];
    const meshes = new Set<string>();
    for (const b of batch) {
      const w = writes[b.i]!;
      if (w.existing) compare.push({ key: Buffer.from(b.key), target: 'Mod', result: 'Equal', mod_revision: w.existing.version });
      else {
        compare.push({ key: Buffer.from(b.key), target: 'Create', result: 'Equal', create_revision: 0 });
        if (isMeshScoped(this.#registry, w.input.type)) meshes.add(this.#key({ type: 'Mesh', name: w.input.mesh! }));
      }
    }
    for (const m of meshes) compare.push({ key: Buffer.from(m), target: 'Create', result: 'Greater', create_revision: 0 });
    const res = await guarded('etcd', 'write', () => this.#client.kv.txn({ compare, success: batch.map((b) => ({ request_put: { key: Buffer.from(b.key), value: Buffer.from(b.text) } })), failure: [] }));
    if (res.succeeded) {
      for (const b of batch) results[b.i] = { ok: true, resource: withVersion(b.doc, res.header.revision) };
      return;
    }
    const alone = await writeEach(this, batch.map((b) => writes[b.i]!));
    batch.forEach((b, j) => (results[b.i] = alone[j]!));
  }

  /** Reads in transactions of up to TXN_OPS ranges. */
  async getMany(keys: readonly ResourceKey[]): Promise<(Resource | undefined)[]> {
    const out: (Resource | undefined)[] = [];
    for (let from = 0; from < keys.length; from += TXN_OPS) {
      const chunk = keys.slice(from, from + TXN_OPS);
      const res = await guarded('etcd', 'get', () => this.#client.kv.txn({ compare: [], success: chunk.map((k) => ({ request_range: { key: Buffer.from(this.#key(k)) } })), failure: [] }));
      for (const r of res.responses) {
        const kv = r.response_range.kvs[0];
        out.push(kv ? this.#decode(kv) : undefined);
      }
    }
    return out;
  }

  async delete(key: ResourceKey, options: { expectedVersion?: string } = {}): Promise<void> {
    return guarded('etcd', 'delete', async () => {
      const current = await this.#getKv(key);
      if (!current) throw notFound(key);
      const expected = options.expectedVersion ?? current.mod_revision;
      if (current.mod_revision !== expected) throw versionConflict(key, expected, current.mod_revision);
      const ops = [this.#client.delete().key(this.#key(key))];
      if (key.type === 'Mesh') {
        for (const d of this.#registry.meshScoped()) ops.push(this.#client.delete().prefix(`${this.#root}${d.name}/${key.name}/`));
      }
      const res = await this.#client.if(this.#key(key), 'Mod', '==', expected).then(...ops).commit();
      if (!res.succeeded) {
        const latest = await this.#getKv(key);
        if (!latest) throw notFound(key);
        throw versionConflict(key, expected, latest.mod_revision);
      }
    });
  }

  async revision(): Promise<number> {
    return guarded('etcd', 'revision', async () => Number((await this.#client.get(`${this.#root}`).exec()).header.revision));
  }

  watch(options: WatchOptions): AsyncIterable<StoreEvent> {
    let cancel: (() => Promise<void>) | undefined;
    const queue = new EventQueue<StoreEvent>(options.signal, () => void cancel?.());
    this.#startWatch(options.fromRevision, queue, (c) => (cancel = c)).catch((err: unknown) => queue.fail(storeFailure('etcd', 'watch', err)));
    return queue;
  }

  /** Throws REVISION_COMPACTED if etcd no longer has `revision` (the watch would be cancelled silently). */
  async #checkRetained(revision: number): Promise<void> {
    try {
      await this.#client.kv.range({ key: Buffer.from(this.#root), revision: String(revision) });
    } catch (err) {
      if (/compacted/i.test((err as Error).message)) throw compacted(revision - 1);
      throw err;
    }
  }

  async #startWatch(fromRevision: number, queue: EventQueue<StoreEvent>, setCancel: (c: () => Promise<void>) => void): Promise<void> {
    if (fromRevision < (await this.revision())) await this.#checkRetained(fromRevision + 1);
    const toKey = (kv: IKeyValue) => decodeKey(kv.key.toString('utf8').slice(this.#root.length));
    const builder = this.#client.watch().prefix(this.#root).startRevision(String(fromRevision + 1));
    // Large catch-ups arrive in fragments etcd sizes to its request limit, not as one reply.
    (builder as unknown as { request: { fragment?: boolean } }).request.fragment = true;
    const watcher = await builder.create();
    setCancel(() => watcher.cancel());
    if (queue.closed) void watcher.cancel();
    watcher.on('put', (kv) => {
      const resource = this.#decode(kv);
      queue.push({ kind: 'put', revision: Number(kv.mod_revision), key: keyOf(resource), resource });
    });
    watcher.on('delete', (kv) => queue.push({ kind: 'delete', revision: Number(kv.mod_revision), key: toKey(kv) }));
    watcher.on('error', (err) => {
      void watcher.cancel();
      // etcd cancels a watch whose revision was compacted without a reason the client keeps.
      const last = watcher.lastRevision() ?? fromRevision;
      this.#checkRetained(last + 1).then(
        () => queue.fail(storeFailure('etcd', 'watch', err)),
        (e: unknown) => queue.fail(e),
      );
    });
  }

  async ping(): Promise<void> {
    await guarded('etcd', 'ping', () => this.#client.maintenance.status());
  }

  async close(): Promise<void> {
    this.#client.close();
  }
}
