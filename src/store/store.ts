import type { Resource, ResourceInput, ResourceKey } from '../resources/resource.ts';

// The store contract. Every implementation (memory, etcd, Redis) runs the one contract
// test suite in test/store/contract.ts. Contract:
//  - Keys are (type, mesh, name); mesh is absent for global-scoped types.
//  - Every write bumps one store-wide, strictly increasing revision; a resource's version
//    is the revision of its last write, as a decimal string.
//  - create fails with ALREADY_EXISTS if the key exists, MESH_NOT_FOUND if the type is
//    mesh-scoped and its Mesh does not exist (checked atomically with the write).
//  - update and delete take the version the caller last read; a different current version
//    fails with VERSION_CONFLICT and changes nothing. A missing key is NOT_FOUND.
//  - A resource may carry a status (written by the control plane); an update whose input
//    has none keeps the stored status.
//  - Deleting a Mesh deletes every mesh-scoped resource of that mesh in the same write.
//  - A serialized resource above the size limit fails with RESOURCE_TOO_LARGE.
//  - watch({fromRevision}) yields every change with a revision above fromRevision, in
//    order, then live changes, until the signal aborts. A fromRevision older than what the
//    store retains fails with REVISION_COMPACTED (the caller relists and watches anew).
//  - A store whose backend lost its data (a Redis restarted without persistence) is not the
//    store a watch started on: the watch fails with STORE_RESET within a few seconds, and
//    a watch from a revision the store never reached fails with STORE_RESET at once.
//  - writeMany applies several creates and updates, each as create/update would, each
//    succeeding or failing alone (results in input order); a store may group them into
//    few round trips (etcd: transactions). getMany reads several keys at once.
//  - Methods may be called concurrently; each write is atomic.

export interface ListOptions {
  mesh?: string;
  /** Every given label must match exactly. */
  labels?: Record<string, string>;
  /** Substring of the name. */
  nameContains?: string;
  /** Any other condition (applied before paging, like the others). */
  where?: (r: Resource) => boolean;
  offset?: number;
  /** Page size; all items when absent. */
  size?: number;
}

export interface ListResult {
  items: Resource[];
  /** Matching items before paging. */
  total: number;
  /** Offset of the next page, when there is one. */
  nextOffset?: number;
}

export interface StoreEvent {
  kind: 'put' | 'delete';
  revision: number;
  key: ResourceKey;
  /** The new state, for puts. */
  resource?: Resource;
}

export interface WatchOptions {
  fromRevision: number;
  signal: AbortSignal;
}

/** One write of writeMany: a create when `existing` is absent, else an update of `existing` (the resource as read). */
export interface BatchWrite {
  input: ResourceInput;
  existing?: Resource;
}

export type BatchWriteResult = { ok: true; resource: Resource } | { ok: false; error: unknown };

export interface ResourceStore {
  readonly kind: 'memory' | 'etcd' | 'redis';
  get(key: ResourceKey): Promise<Resource>;
  list(type: string, options?: ListOptions): Promise<ListResult>;
  create(input: ResourceInput): Promise<Resource>;
  update(input: ResourceInput, expectedVersion: string): Promise<Resource>;
  delete(key: ResourceKey, options?: { expectedVersion?: string }): Promise<void>;
  /** Several creates and updates, each succeeding or failing alone; results in input order. */
  writeMany(writes: readonly BatchWrite[]): Promise<BatchWriteResult[]>;
  /** Several keys at once: undefined where a key does not exist. */
  getMany(keys: readonly ResourceKey[]): Promise<(Resource | undefined)[]>;
  /** The store's current revision. */
  revision(): Promise<number>;
  watch(options: WatchOptions): AsyncIterable<StoreEvent>;
  /** Resolves when the backing server answers; rejects with STORE_UNAVAILABLE otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
