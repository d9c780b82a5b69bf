import { MeshworkError, isMeshworkError } from '../core/errors.ts';
import type { ResourceRegistry } from '../resources/registry.ts';
import { describeKey, type Resource, type ResourceInput, type ResourceKey } from '../resources/resource.ts';
import type { BatchWrite, BatchWriteResult, ListOptions, ListResult, ResourceStore } from './store.ts';

// Pieces every store implementation shares: key layout, the stored document, size limit,
// filtering and paging. Keeping them here is what makes the implementations agree.

/** `Type/mesh/name` for mesh-scoped types, `Type/name` for global ones. Names never hold "/". */
export function encodeKey(k: ResourceKey): string {
  return k.mesh === undefined ? `${k.type}/${k.name}` : `${k.type}/${k.mesh}/${k.name}`;
}

export function decodeKey(encoded: string): ResourceKey {
  const parts = encoded.split('/');
  if (parts.length === 2) return { type: parts[0]!, name: parts[1]! };
  if (parts.length === 3) return { type: parts[0]!, mesh: parts[1]!, name: parts[2]! };
  throw new Error(`malformed store key "${encoded}"`);
}

/** What is persisted: the resource without its version (the version is the store's revision). */
export type StoredDocument = Omit<Resource, 'version'>;

/** The document to store; an update passes the stored status, kept unless the input has its own. */
export function toDocument(input: ResourceInput, creationTime: string, modificationTime: string, storedStatus?: unknown): StoredDocument {
  const doc: StoredDocument = { type: input.type, name: input.name, labels: input.labels, spec: input.spec, creationTime, modificationTime };
  if (input.mesh !== undefined) doc.mesh = input.mesh;
  const status = input.status !== undefined ? input.status : storedStatus;
  if (status !== undefined) doc.status = status;
  return doc;
}

export function serializeChecked(doc: StoredDocument, maxBytes: number): string {
  const text = JSON.stringify(doc);
  const bytes = Buffer.byteLength(text);
  if (bytes > maxBytes) {
    throw new MeshworkError('RESOURCE_TOO_LARGE', `${describeKey(doc)} is ${bytes} bytes; the limit is ${maxBytes} bytes`, {
      invalidParameters: [{ field: 'spec', reason: `resource is ${bytes} bytes, above the limit of ${maxBytes} bytes` }],
    });
  }
  return text;
}

export function withVersion(doc: StoredDocument, revision: number | string): Resource {
  return { ...doc, version: String(revision) };
}

export function notFound(key: ResourceKey): MeshworkError {
  return new MeshworkError('NOT_FOUND', `${describeKey(key)} not found`);
}

export function alreadyExists(key: ResourceKey): MeshworkError {
  return new MeshworkError('ALREADY_EXISTS', `${describeKey(key)} already exists`, {
    invalidParameters: [{ field: 'name', reason: 'a resource with this name already exists' }],
  });
}

export function meshNotFound(mesh: string): MeshworkError {
  return new MeshworkError('MESH_NOT_FOUND', `mesh "${mesh}" does not exist`, {
    invalidParameters: [{ field: 'mesh', reason: `mesh "${mesh}" does not exist` }],
  });
}

export function versionConflict(key: ResourceKey, expected: string, current: string): MeshworkError {
  return new MeshworkError('VERSION_CONFLICT', `${describeKey(key)} was modified: expected version ${expected}, current version is ${current}`, {
    invalidParameters: [{ field: 'version', reason: `stale version ${expected}; the current version is ${current}` }],
  });
}

export function storeReset(reason: string): MeshworkError {
  return new MeshworkError('STORE_RESET', `the store lost its data (${reason}); relist everything`);
}

export function compacted(fromRevision: number, oldest?: number): MeshworkError {
  const retained = oldest === undefined ? '' : ` (oldest retained is ${oldest})`;
  return new MeshworkError('REVISION_COMPACTED', `revision ${fromRevision} is no longer retained${retained}; relist and watch again`);
}

/** Filters, sorts by (mesh, name) and pages; every store lists through this. */
export function filterAndPage(items: Resource[], options: ListOptions = {}): ListResult {
  const labels = Object.entries(options.labels ?? {});
  const matching = items
    .filter((r) => options.mesh === undefined || r.mesh === options.mesh)
    .filter((r) => options.nameContains === undefined || r.name.includes(options.nameContains))
    .filter((r) => labels.every(([k, v]) => r.labels[k] === v))
    .filter((r) => options.where === undefined || options.where(r))
    .sort((a, b) => (a.mesh ?? '').localeCompare(b.mesh ?? '') || a.name.localeCompare(b.name));
  const offset = options.offset ?? 0;
  const page = options.size === undefined ? matching.slice(offset) : matching.slice(offset, offset + options.size);
  const result: ListResult = { items: page, total: matching.length };
  if (offset + page.length < matching.length) result.nextOffset = offset + page.length;
  return result;
}

/** Types whose resources are deleted with their Mesh. */
export function meshScopedTypes(registry: ResourceRegistry): string[] {
  return registry.meshScoped().map((d) => d.name);
}

export function isMeshScoped(registry: ResourceRegistry, type: string): boolean {
  return registry.get(type).scope === 'mesh';
}

export function now(): string {
  return new Date().toISOString();
}

/** A backend failure as STORE_UNAVAILABLE; MeshworkErrors (NOT_FOUND, conflicts…) pass through. */
export function storeFailure(backend: string, op: string, err: unknown): MeshworkError {
  if (isMeshworkError(err)) return err;
  return new MeshworkError('STORE_UNAVAILABLE', `${backend} ${op} failed: ${(err as Error).message}`, { cause: err });
}

/** Runs one store operation, mapping backend failures through storeFailure. */
export async function guarded<T>(backend: string, op: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw storeFailure(backend, op, err);
  }
}

/** writeMany one write at a time, for stores without a cheaper way (memory, Redis). A store failure rejects the whole call. */
export async function writeEach(store: ResourceStore, writes: readonly BatchWrite[]): Promise<BatchWriteResult[]> {
  const out: BatchWriteResult[] = [];
  for (const w of writes) {
    try {
      out.push({ ok: true, resource: w.existing ? await store.update(w.input, w.existing.version) : await store.create(w.input) });
    } catch (error) {
      if (isMeshworkError(error, 'STORE_UNAVAILABLE')) throw error;
      out.push({ ok: false, error });
    }
  }
  return out;
}

/** getMany one key at a time. */
export async function getEach(store: ResourceStore, keys: readonly ResourceKey[]): Promise<(Resource | undefined)[]> {
  const out: (Resource | undefined)[] = [];
  for (const k of keys) {
    try {
      out.push(await store.get(k));
    } catch (err) {
      if (!isMeshworkError(err, 'NOT_FOUND')) throw err;
      out.push(undefined);
    }
  }
  return out;
}
