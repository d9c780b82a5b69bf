import type { XdsSnapshot } from './snapshot.ts';

// Where generation and serving meet: the latest snapshot per node id. set() publishes only
// when the version changed, and returns whether it did; watchers (server streams) are told
// about each published snapshot.

type Watcher = (snapshot: XdsSnapshot) => void;

export class SnapshotCache {
  readonly #snapshots = new Map<string, XdsSnapshot>();
  readonly #watchers = new Map<string, Set<Watcher>>();
  readonly #publishedAt = new Map<string, number>();

  get(nodeId: string): XdsSnapshot | undefined {
    return this.#snapshots.get(nodeId);
  }

  set(nodeId: string, snapshot: XdsSnapshot): boolean {
    if (this.#snapshots.get(nodeId)?.version === snapshot.version) return false;
    this.#snapshots.set(nodeId, snapshot);
    this.#publishedAt.set(nodeId, performance.now());
    for (const w of this.#watchers.get(nodeId) ?? []) w(snapshot);
    return true;
  }

  delete(nodeId: string): void {
    this.#snapshots.delete(nodeId);
    this.#publishedAt.delete(nodeId);
  }

  /** performance.now() when the node's current snapshot was published. */
  publishedAt(nodeId: string): number | undefined {
    return this.#publishedAt.get(nodeId);
  }

  /** Calls `watcher` now (if there is a snapshot) and on every new one; returns the unsubscribe. */
  watch(nodeId: string, watcher: Watcher): () => void {
    let set = this.#watchers.get(nodeId);
    if (!set) this.#watchers.set(nodeId, (set = new Set()));
    set.add(watcher);
    const current = this.#snapshots.get(nodeId);
    if (current) watcher(current);
    return () => {
      set.delete(watcher);
      if (set.size === 0) this.#watchers.delete(nodeId);
    };
  }

  nodes(): string[] {
    return [...this.#snapshots.keys()];
  }

  watchedNodes(): string[] {
    return [...this.#watchers.keys()];
  }
}
