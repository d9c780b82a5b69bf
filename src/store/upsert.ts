import { backoffDelay, sleep } from '../core/backoff.ts';
import { isMeshworkError } from '../core/errors.ts';
import { keyOf, type Resource, type ResourceInput } from '../resources/resource.ts';
import { encodeKey } from './common.ts';
import type { BatchWriteResult, ResourceStore } from './store.ts';

/** How long an unconditional write keeps retrying when writers of other processes keep winning. */
const RETRY_FOR_MS = 10_000;

/** A conditional write that failed because another writer got there between the read and the write. */
function lostRace(err: unknown, hadExisting: boolean): boolean {
  return isMeshworkError(err, 'VERSION_CONFLICT') || isMeshworkError(err, 'ALREADY_EXISTS') || (hadExisting && isMeshworkError(err, 'NOT_FOUND'));
}

/** Writes of one key through one store object, in call order: they never race each other. */
const inFlight = new WeakMap<ResourceStore, Map<string, Promise<unknown>>>();

function serialized<T>(store: ResourceStore, key: string, write: () => Promise<T>): Promise<T> {
  let byKey = inFlight.get(store);
  if (!byKey) inFlight.set(store, (byKey = new Map()));
  const previous = byKey.get(key) ?? Promise.resolve();
  const next = previous.then(write, write);
  const settled = next.then(
    () => undefined,
    () => undefined,
  );
  byKey.set(key, settled);
  void settled.then(() => {
    if (byKey.get(key) === settled) byKey.delete(key);
  });
  return next;
}

/**
 * Creates or updates `input` whatever version is stored: the last writer wins. Writes of
 * one key from this process go one after another; when a writer elsewhere wins the race
 * between the read and the conditional write, it reads again and retries after a jittered,
 * growing pause, for up to 10 s. `check` sees the current resource (or undefined) before
 * each attempt and may throw to refuse the write.
 */
export function upsert(store: ResourceStore, input: ResourceInput, check?: (existing: Resource | undefined) => void): Promise<{ resource: Resource; created: boolean }> {
  return serialized(store, encodeKey(keyOf(input)), async () => {
    const deadline = Date.now() + RETRY_FOR_MS;
    for (let attempt = 0; ; attempt++) {
      let existing: Resource | undefined;
      try {
        existing = await store.get(input);
      } catch (err) {
        if (!isMeshworkError(err, 'NOT_FOUND')) throw err;
      }
      check?.(existing);
      try {
        if (!existing) return { resource: await store.create(input), created: true };
        return { resource: await store.update(input, existing.version), created: false };
      } catch (err) {
        if (!lostRace(err, existing !== undefined) || Date.now() > deadline) throw err;
      }
      await sleep(backoffDelay(attempt, 1, 200));
    }
  });
}

/**
 * upsert for many inputs in few round trips: one getMany, one writeMany; `check` refuses an
 * input alone (its result is the error). A write that lost a race with another writer goes
 * through upsert (which reads again and retries). Results in input order; a store failure
 * rejects the call.
 */
export async function upsertMany(store: ResourceStore, inputs: readonly ResourceInput[], check?: (input: ResourceInput, existing: Resource | undefined) => void): Promise<BatchWriteResult[]> {
  const existing = await store.getMany(inputs.map((i) => keyOf(i)));
  const results: BatchWriteResult[] = new Array(inputs.length);
  const writes: { i: number; input: ResourceInput; existing?: Resource }[] = [];
  for (const [i, input] of inputs.entries()) {
    try {
      check?.(input, existing[i]);
      writes.push({ i, input, ...(existing[i] ? { existing: existing[i] } : {}) });
    } catch (error) {
      results[i] = { ok: false, error };
    }
  }
  const written = await store.writeMany(writes);
  for (const [j, w] of writes.entries()) {
    const r = written[j]!;
    if (r.ok || !lostRace(r.error, w.existing !== undefined)) {
      results[w.i] = r;
      continue;
    }
    try {
      results[w.i] = { ok: true, resource: (await upsert(store, w.input, (e) => check?.(w.input, e))).resource };
    } catch (error) {
      if (isMeshworkError(error, 'STORE_UNAVAILABLE')) throw error;
      results[w.i] = { ok: false, error };
    }
  }
  return results;
}
