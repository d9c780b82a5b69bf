import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { ResourceRegistry } from '../resources/registry.ts';
import { keyOf, type Resource, type ResourceInput, type ResourceKey } from '../resources/resource.ts';
import {
  getEach,
  writeEach,
  alreadyExists,
  guarded,
  storeFailure,
  compacted,
  decodeKey,
  storeReset,
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
  type StoredDocument,
} from './common.ts';
import { EventQueue } from './event-queue.ts';
import type { BatchWrite, BatchWriteResult, ListOptions, ListResult, ResourceStore, StoreEvent, WatchOptions } from './store.ts';

export interface RedisStoreOptions {
  registry: ResourceRegistry;
  url: string;
  /** Every key starts with this prefix, e.g. `meshwork:`. */
  prefix: string;
  maxResourceBytes: number;
  /** Approximate number of events the change stream keeps for watches. */
  retainedEvents?: number;
}

// Layout: `<p>rev` the store revision (INCR); `<p>t:<Type>` a hash per type whose fields are
// encoded keys and values `<revision>\n<json>`; `<p>events` a stream of changes with ids
// `<revision>-<n>`; `<p>epoch` a random id set once, so that a Redis that comes back empty
// (or another Redis at the same address) is told from the one a watch started on. Every write is one Lua script, so it is atomic and bumps the revision
// exactly once. Requires a single Redis primary (not Redis Cluster).

const CREATE = `
if ARGV[2] ~= '' and redis.call('HEXISTS', KEYS[4], ARGV[2]) == 0 then return {'MESH_NOT_FOUND'} end
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return {'ALREADY_EXISTS'} end
local rev = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], ARGV[1], rev .. '\\n' .. ARGV[3])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], rev .. '-0', 'op', 'put', 'k', ARGV[1], 'v', ARGV[3])
return {'OK', tostring(rev)}
`;

const UPDATE = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return {'NOT_FOUND'} end
local curRev = string.match(cur, '^(%d+)')
if curRev ~= ARGV[2] then return {'VERSION_CONFLICT', curRev} end
local rev = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], ARGV[1], rev .. '\\n' .. ARGV[3])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], rev .. '-0', 'op', 'put', 'k', ARGV[1], 'v', ARGV[3])
return {'OK', tostring(rev)}
`;

// KEYS: type hash, rev, events, then the hashes of mesh-scoped types when deleting a Mesh.
// ARGV: field, expected version ('' = any), maxlen, mesh name ('' unless deleting a Mesh).
const DELETE = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return {'NOT_FOUND'} end
local curRev = string.match(cur, '^(%d+)')
if ARGV[2] ~= '' and curRev ~= ARGV[2] then return {'VERSION_CONFLICT', curRev} end
local rev = redis.call('INCR', KEYS[2])
redis.call('HDEL', KEYS[1], ARGV[1])
local seq = 0
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[3], rev .. '-' .. seq, 'op', 'delete', 'k', ARGV[1])
if ARGV[4] ~= '' then
  for i = 4, #KEYS do
    local fields = redis.call('HKEYS', KEYS[i])
    for _, f in ipairs(fields) do
      local t, m = string.match(f, '^([^/]+)/([^/]+)/')
      if m == ARGV[4] then
        redis.call('HDEL', KEYS[i], f)
        seq = seq + 1
        redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[3], rev .. '-' .. seq, 'op', 'delete', 'k', f)
      end
    end
  end
end
return {'OK', tostring(rev)}
`;

/** How long a quiet watch waits before checking that Redis still holds the same store. */
const RESET_CHECK_MS = 2000;

type ScriptReply = [string, string?];
type Scripted = Redis & {
  mwCreate(...args: (string | number)[]): Promise<ScriptReply>;
  mwUpdate(...args: (string | number)[]): Promise<ScriptReply>;
  mwDelete(...args: (string | number)[]): Promise<ScriptReply>;
};

function parseStored(text: string): Resource {
  const nl = text.indexOf('\n');
  return withVersion(JSON.parse(text.slice(nl + 1)) as StoredDocument, text.slice(0, nl));
}

export class RedisStore implements ResourceStore {
  readonly kind = 'redis' as const;
  readonly #redis: Scripted;
  readonly #registry: ResourceRegistry;
  readonly #p: string;
  readonly #maxBytes: number;
  readonly #maxLen: number;
  readonly #url: string;

  constructor(options: RedisStoreOptions) {
    this.#registry = options.registry;
    this.#p = options.prefix;
    this.#maxBytes = options.maxResourceBytes;
    this.#maxLen = options.retainedEvents ?? 100_000;
    this.#url = options.url;
    const redis = new Redis(options.url, { lazyConnect: false, maxRetriesPerRequest: 2, enableOfflineQueue: true });
    redis.on('error', () => {
      // Connection errors surface as STORE_UNAVAILABLE on the calls that hit them; ioredis
      // reconnects by itself.
    });
    redis.defineCommand('mwCreate', { numberOfKeys: 4, lua: CREATE });
    redis.defineCommand('mwUpdate', { numberOfKeys: 3, lua: UPDATE });
    redis.defineCommand('mwDelete', { lua: DELETE });
    this.#redis = redis as Scripted;
  }

  #hash(type: string): string {
    return `${this.#p}t:${type}`;
  }

  get #rev(): string {
    return `${this.#p}rev`;
  }

  get #events(): string {
    return `${this.#p}events`;
  }

  get #epoch(): string {
    return `${this.#p}epoch`;
  }

  async get(key: ResourceKey): Promise<Resource> {
    return guarded('redis', 'get', async () => {
      const text = await this.#redis.hget(this.#hash(key.type), encodeKey(key));
      if (text === null) throw notFound(key);
      return parseStored(text);
    });
  }

  async list(type: string, options?: ListOptions): Promise<ListResult> {
    return guarded('redis', 'list', async () => {
      const all = await this.#redis.hvals(this.#hash(type));
      return filterAndPage(all.map(parseStored), options);
    });
  }

  async create(input: ResourceInput): Promise<Resource> {
    const t = now();
    const doc = toDocument(input, t, t);
    const text = serializeChecked(doc, this.#maxBytes);
    return guarded('redis', 'create', async () => {
      const meshScoped = isMeshScoped(this.#registry, input.type);
      const [status, rev] = await this.#redis.mwCreate(
        this.#hash(input.type),
        this.#rev,
        this.#events,
        this.#hash('Mesh'),
        encodeKey(input),
        meshScoped ? encodeKey({ type: 'Mesh', name: input.mesh! }) : '',
        text,
        this.#maxLen,
      );
      if (status === 'MESH_NOT_FOUND') throw meshNotFound(input.mesh!);
      if (status === 'ALREADY_EXISTS') throw alreadyExists(input);
      return withVersion(doc, rev!);
    });
  }

  writeMany(writes: readonly BatchWrite[]): Promise<BatchWriteResult[]> {
    return writeEach(this, writes);
  }

  getMany(keys: readonly ResourceKey[]): Promise<(Resource | undefined)[]> {
    return getEach(this, keys);
  }

  async update(input: ResourceInput, expectedVersion: string): Promise<Resource> {
    return guarded('redis', 'update', async () => {
      const current = await this.get(input);
      if (current.version !== expectedVersion) throw versionConflict(input, expectedVersion, current.version);
      const doc = toDocument(input, current.creationTime, now(), current.status);
      const text = serializeChecked(doc, this.#maxBytes);
      const [status, rev] = await this.#redis.mwUpdate(this.#hash(input.type), this.#rev, this.#events, encodeKey(input), expectedVersion, text, this.#maxLen);
      if (status === 'NOT_FOUND') throw notFound(input);
      if (status === 'VERSION_CONFLICT') throw versionConflict(input, expectedVersion, rev!);
      return withVersion(doc, rev!);
    });
  }

  async delete(key: ResourceKey, options: { expectedVersion?: string } = {}): Promise<void> {
    return guarded('redis', 'delete', async () => {
      const cascade = key.type === 'Mesh' ? this.#registry.meshScoped().map((d) => this.#hash(d.name)) : [];
      const keys = [this.#hash(key.type), this.#rev, this.#events, ...cascade];
      const [status, rev] = await this.#redis.mwDelete(
        keys.length,
        ...keys,
        encodeKey(key),
        options.expectedVersion ?? '',
        this.#maxLen,
        key.type === 'Mesh' ? key.name : '',
      );
      if (status === 'NOT_FOUND') throw notFound(key);
      if (status === 'VERSION_CONFLICT') throw versionConflict(key, options.expectedVersion!, rev!);
    });
  }

  async revision(): Promise<number> {
    return guarded('redis', 'revision', async () => Number((await this.#redis.get(this.#rev)) ?? 0));
  }

  watch(options: WatchOptions): AsyncIterable<StoreEvent> {
    // A blocking XREAD needs its own connection; it is closed when the watch ends.
    const conn = new Redis(this.#url, { maxRetriesPerRequest: null, lazyConnect: false });
    conn.on('error', () => {});
    const queue = new EventQueue<StoreEvent>(options.signal, () => conn.disconnect());
    void this.#pump(conn, queue, options.fromRevision);
    return queue;
  }

  async #pump(conn: Redis, queue: EventQueue<StoreEvent>, fromRevision: number): Promise<void> {
    try {
      await conn.set(this.#epoch, randomUUID(), 'NX');
      const epoch = await conn.get(this.#epoch);
      const current = Number((await conn.get(this.#rev)) ?? 0);
      if (fromRevision > current) throw storeReset(`its revision is ${current}, behind revision ${fromRevision} already seen`);
      if (fromRevision < current) {
        const first = await conn.xrange(this.#events, '-', '+', 'COUNT', 1);
        const oldest = first[0] ? Number(first[0][0].split('-')[0]) : current + 1;
        if (fromRevision + 1 < oldest) throw compacted(fromRevision, oldest);
      }
      let lastId = `${fromRevision}-18446744073709551615`;
      let seen = fromRevision;
      while (!queue.closed) {
        const res = await conn.xread('COUNT', 1000, 'BLOCK', RESET_CHECK_MS, 'STREAMS', this.#events, lastId);
        if (!res) {
          // Quiet for a while: is this still the Redis the watch started on?
          const [nowEpoch, rev] = await Promise.all([conn.get(this.#epoch), conn.get(this.#rev)]);
          if (nowEpoch !== epoch) throw storeReset(nowEpoch === null ? 'Redis came back empty' : 'Redis now holds another store');
          if (Number(rev ?? 0) < seen) throw storeReset(`its revision went back from ${seen} to ${Number(rev ?? 0)}`);
          continue;
        }
        for (const [, entries] of res) {
          for (const [id, fields] of entries) {
            lastId = id;
            const f = new Map<string, string>();
            for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
            const revision = Number(id.split('-')[0]);
            seen = Math.max(seen, revision);
            if (f.get('op') === 'put') {
              const resource = withVersion(JSON.parse(f.get('v')!) as StoredDocument, revision);
              queue.push({ kind: 'put', revision, key: keyOf(resource), resource });
            } else {
              queue.push({ kind: 'delete', revision, key: decodeKey(f.get('k')!) });
            }
          }
        }
      }
    } catch (err) {
      if (queue.closed) return;
      queue.fail(storeFailure('redis', 'watch', err));
      conn.disconnect();
    }
  }

  async ping(): Promise<void> {
    await guarded('redis', 'ping', () => this.#redis.ping());
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
  }
}
