import { isMeshworkError, type MeshworkError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { ResourceTypeDescriptor } from '../../resources/descriptor.ts';
import { parseDocument, renderDocument } from '../../resources/document.ts';
import type { ResourceRegistry } from '../../resources/registry.ts';
import { keyOf, type Resource, type ResourceInput, type ResourceKey } from '../../resources/resource.ts';
import type { ResourceStore } from '../../store/store.ts';
import { upsertMany } from '../../store/upsert.ts';
import type { ApplyResult } from '../../xds/delta/client-session.ts';
import type { DeltaResource } from '../../xds/delta/messages.ts';
import { decodeEnvelope, KDS_VERSION_LABEL, type Envelope } from '../envelope.ts';

// Applies what one KDS stream receives to the local store. The receiver owns a subset of
// the store (zone: what came from global; global: what came from that zone): only owned
// resources are reported as held on subscription and only they are ever deleted. Every
// received resource is validated like an API write; a bad one is rejected alone (NACK).

export interface StoreSyncerOptions {
  store: ResourceStore;
  registry: ResourceRegistry;
  logger: Logger;
  maxResourceBytes: number;
  /** Stored resources this stream manages. */
  owns(r: Resource): boolean;
  /** The sender's KDS name of an owned stored resource. */
  senderName(r: Resource): string;
  /** What to store for a received envelope. */
  toInput(d: ResourceTypeDescriptor, env: Envelope, version: string): ResourceInput;
}

export class StoreSyncer {
  readonly #o: StoreSyncerOptions;

  constructor(options: StoreSyncerOptions) {
    this.#o = options;
  }

  async #owned(type: string): Promise<Resource[]> {
    return (await this.#o.store.list(type)).items.filter((r) => this.#o.owns(r));
  }

  /** What this side holds of `type`: the versions it received, by the sender's names. */
  async initialVersions(type: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const r of await this.#owned(type)) {
      const v = r.labels[KDS_VERSION_LABEL];
      if (v) out[this.#o.senderName(r)] = v;
    }
    return out;
  }

  async apply(type: string, resources: DeltaResource[], removed: string[]): Promise<ApplyResult> {
    const d = this.#o.registry.find(type);
    if (!d) return { rejected: resources.map((r) => ({ name: r.name, reason: `unknown resource type "${type}"` })) };
    const rejected: ApplyResult['rejected'] = [];
    // Validated one by one like API writes, then written together (one round trip per batch).
    const valid: { name: string; input: ResourceInput }[] = [];
    for (const r of resources) {
      const env = decodeEnvelope(r);
      if (typeof env === 'string') {
        rejected.push({ name: r.name, reason: env });
        continue;
      }
      const input = this.#o.toInput(d, env, r.version);
      try {
        const doc = renderDocument({ ...input, creationTime: '', modificationTime: '', version: '' }, d);
        delete doc.creationTime;
        delete doc.modificationTime;
        parseDocument(doc, this.#o.registry, { maxBytes: this.#o.maxResourceBytes });
        valid.push({ name: r.name, input });
      } catch (err) {
        rejected.push({ name: r.name, reason: describe(err) });
      }
    }
    const written = await upsertMany(
      this.#o.store,
      valid.map((v) => v.input),
      (_input, existing) => {
        if (existing && !this.#o.owns(existing)) throw new Error(`a local ${type} "${existing.name}" with this name exists; it is not overwritten by sync`);
      },
    );
    for (const [i, w] of written.entries()) {
      if (w.ok) continue;
      if (isMeshworkError(w.error, 'STORE_UNAVAILABLE') || isMeshworkError(w.error, 'INTERNAL')) throw w.error;
      rejected.push({ name: valid[i]!.name, reason: describe(w.error) });
    }
    if (removed.length > 0) {
      const bySenderName = new Map<string, ResourceKey>();
      for (const r of await this.#owned(type)) bySenderName.set(this.#o.senderName(r), keyOf(r));
      for (const name of removed) {
        const key = bySenderName.get(name);
        if (!key) continue;
        try {
          await this.#o.store.delete(key);
        } catch (err) {
          if (!isMeshworkError(err, 'NOT_FOUND')) throw err;
        }
      }
    }
    if (resources.length > 0 || removed.length > 0) {
      this.#o.logger.debug({ type, applied: resources.length - rejected.length, rejected: rejected.length, removed: removed.length }, 'applied KDS response');
    }
    return { rejected };
  }
}

function describe(err: unknown): string {
  const e = err as MeshworkError;
  if (e?.invalidParameters?.length) return e.invalidParameters.map((p) => `${p.field || '(resource)'}: ${p.reason}`).join(', ');
  return (err as Error).message;
}
