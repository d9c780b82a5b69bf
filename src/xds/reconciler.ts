import type { Logger } from '../core/logger.ts';
import type { Resource } from '../resources/resource.ts';
import type { DataplaneSpec } from '../resources/types/dataplane.ts';
import type { MeshSpec } from '../resources/types/mesh.ts';
import { debounce, type ResourceCache } from '../store/resource-cache.ts';
import type { SnapshotCache } from './cache/snapshot-cache.ts';
import { buildSnapshot, SnapshotError, XDS_KINDS, type XdsSnapshot } from './cache/snapshot.ts';
import { meshEndpoints, type Endpoint } from './generate/context.ts';
import type { Generator } from './generate/generators.ts';

// One reconcile loop for the proxies of a zone: on any change (debounced) or a proxy
// connecting, regenerate each connected proxy's snapshot, compare versions, and publish only
// what changed, logging which types did. A snapshot that fails to build keeps the last good
// one in place.

export interface ReconcilerOptions {
  cache: ResourceCache;
  snapshots: SnapshotCache;
  generators: readonly Generator[];
  logger: Logger;
  zone: string;
  debounceMs: number;
  onBuilt?(nodeId: string, ms: number): void;
}

export function nodeIdOf(mesh: string, name: string): string {
  return `${mesh}.${name}`;
}

export class XdsReconciler {
  readonly #o: ReconcilerOptions;
  /** node id → admin port, for connected proxies. */
  readonly #nodes = new Map<string, { adminPort: number; connections: number }>();
  readonly #refresh: ReturnType<typeof debounce>;
  #unsubscribe: (() => void) | undefined;

  constructor(options: ReconcilerOptions) {
    this.#o = options;
    this.#refresh = debounce(() => this.reconcile(), options.debounceMs);
  }

  start(): void {
    this.#unsubscribe = this.#o.cache.onChange(() => this.#refresh.trigger());
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#refresh.cancel();
  }

  /** A proxy connected; its snapshot is built at once. Returns the release function. */
  connect(nodeId: string, adminPort: number): () => void {
    const entry = this.#nodes.get(nodeId) ?? { adminPort, connections: 0 };
    entry.connections++;
    this.#nodes.set(nodeId, entry);
    this.reconcile([nodeId]);
    return () => {
      if (--entry.connections === 0) this.#nodes.delete(nodeId);
    };
  }

  connectedNodes(): string[] {
    return [...this.#nodes.keys()];
  }

  findDataplane(nodeId: string): Resource<DataplaneSpec> | undefined {
    const dot = nodeId.indexOf('.');
    if (dot <= 0) return undefined;
    return this.#o.cache.get({ type: 'Dataplane', mesh: nodeId.slice(0, dot), name: nodeId.slice(dot + 1) }) as Resource<DataplaneSpec> | undefined;
  }

  reconcile(only?: string[]): void {
    const endpointsByMesh = new Map<string, Map<string, Endpoint[]>>();
    for (const nodeId of only ?? [...this.#nodes.keys()]) {
      const node = this.#nodes.get(nodeId);
      const dataplane = this.findDataplane(nodeId);
      if (!node || !dataplane) continue;
      const mesh = this.#o.cache.get({ type: 'Mesh', name: dataplane.mesh! }) as Resource<MeshSpec> | undefined;
      if (!mesh) continue;
      let endpoints = endpointsByMesh.get(mesh.name);
      if (!endpoints) endpointsByMesh.set(mesh.name, (endpoints = meshEndpoints(this.#o.cache, mesh.name)));
      const started = performance.now();
      let snapshot: XdsSnapshot;
      try {
        snapshot = buildSnapshot({ mesh, dataplane, endpoints, zone: this.#o.zone, adminPort: node.adminPort }, this.#o.generators);
      } catch (err) {
        if (!(err instanceof SnapshotError)) throw err;
        this.#o.logger.error({ nodeId, err: err.message }, 'cannot build configuration; the proxy keeps its last one');
        continue;
      }
      this.#o.onBuilt?.(nodeId, performance.now() - started);
      const previous = this.#o.snapshots.get(nodeId);
      if (this.#o.snapshots.set(nodeId, snapshot)) {
        const changed = XDS_KINDS.filter((k) => JSON.stringify([...(previous?.versions(k) ?? [])]) !== JSON.stringify([...snapshot.versions(k)]));
        this.#o.logger.debug({ nodeId, version: snapshot.version, changed }, 'published a new snapshot');
      }
    }
  }
}
