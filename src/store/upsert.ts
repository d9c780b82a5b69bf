import { isMeshworkError } from '../core/errors.ts';
import type { Resource, ResourceInput } from '../resources/resource.ts';
import type { ResourceStore } from './store.ts';

const RETRIES = 5;

/**
 * Creates or updates `input`, retrying when another writer wins the race in between.
 * `check` sees the current resource (or undefined) before each attempt and may throw to
 * refuse the write.
 */
export async function upsert(store: ResourceStore, input: ResourceInput, check?: (existing: Resource | undefined) => void): Promise<{ resource: Resource; created: boolean }> {
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
      const raced = isMeshworkError(err, 'VERSION_CONFLICT') || isMeshworkError(err, 'ALREADY_EXISTS') || (existing !== undefined && isMeshworkError(err, 'NOT_FOUND'));
      if (!raced || attempt >= RETRIES) throw err;
    }
  }
}
