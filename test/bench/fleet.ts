import { putDataplanes } from './seed.ts';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { XdsKind } from '../../src/xds/envoy/protos.ts';
import type { FleetRequest, SimSpec } from './fleet-worker.ts';

// A synthetic zone for the xDS benchmarks: `count` dataplanes named `<prefix>dp-<i>`, each
// with one inbound of svc-(i mod services) and `outbounds` outbounds to the next services,
// and a simulated Envoy per dataplane — every other one on delta xDS, the rest SotW — run
// by a Fleet of worker threads.

export interface FleetShape {
  count: number;
  services: number;
  outbounds: number;
  /** Prefix of dataplane names (distinct per zone: zones' dataplanes meet at global). */
  prefix?: string;
  /** Second octet of the dataplanes' addresses (distinct per zone). */
  network?: number;
}

const serviceOf = (i: number, shape: FleetShape) => `svc-${i % shape.services}`;
export const outboundServices = (i: number, shape: FleetShape) => Array.from({ length: shape.outbounds }, (_, k) => `svc-${(i + k + 1) % shape.services}`);

export function fleetDataplane(i: number, shape: FleetShape) {
  return {
    type: 'Dataplane',
    mesh: 'default',
    name: `${shape.prefix ?? ''}dp-${i}`,
    networking: {
      address: `10.${shape.network ?? 0}.${Math.floor(i / 250)}.${(i % 250) + 1}`,
      inbound: [{ port: 8080, tags: { 'kuma.io/service': serviceOf(i, shape), 'kuma.io/protocol': 'http' } }],
      outbound: outboundServices(i, shape).map((service, k) => ({ port: 10000 + k, tags: { 'kuma.io/service': service } })),
    },
  };
}

/** Registers the fleet's dataplanes with a zone CP's API. */
export const registerFleet = (apiUrl: string, shape: FleetShape) => putDataplanes(apiUrl, shape.count, (i) => fleetDataplane(i, shape));

/** A sample of a Prometheus metric without labels, from a CP's diagnostics /metrics. */
export async function metric(diagnosticsUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${diagnosticsUrl}/metrics`)).text();
  const m = new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text);
  if (!m) throw new Error(`${name} is not in ${diagnosticsUrl}/metrics`);
  return Number(m[1]);
}

/**
 * Simulated Envoys for one or more zones, on worker threads: one core is left to the control
 * planes (on a 2-core machine the simulator gets one thread, as many as the rest otherwise),
 * and the main thread stays free to drive the scenario. Times are now() values (see
 * sim-proxy.ts), taken where the responses arrive.
 */
export class Fleet {
  readonly #workers: Worker[];
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  #nextId = 0;

  private constructor(workers: Worker[]) {
    this.#workers = workers;
    for (const w of workers) {
      w.on('message', (m: { id: number; result?: unknown; error?: string }) => {
        const p = this.#pending.get(m.id);
        this.#pending.delete(m.id);
        if (m.error !== undefined) p?.reject(new Error(m.error));
        else p?.resolve(m.result);
      });
      w.on('error', (err) => {
        for (const p of this.#pending.values()) p.reject(err);
        this.#pending.clear();
      });
    }
  }

  /**
   * Connects a simulated Envoy per dataplane of each zone's fleet; `nodeMetadata` gives a
   * proxy's node metadata (none by default).
   */
  static async start(zones: { dpServerUrl: string; shape: FleetShape; nodeMetadata?: (delta: boolean) => Record<string, unknown> }[], threads = Math.max(1, availableParallelism() - 1)): Promise<Fleet> {
    const specs: SimSpec[] = zones.flatMap(({ dpServerUrl, shape, nodeMetadata }) =>
      Array.from({ length: shape.count }, (_, i) => {
        const delta = i % 2 === 1;
        return { target: dpServerUrl.replace('https://', ''), nodeId: `default.${shape.prefix ?? ''}dp-${i}`, edsClusters: outboundServices(i, shape), delta, ...(nodeMetadata ? { nodeMetadata: nodeMetadata(delta) } : {}) };
      }),
    );
    const fleet = new Fleet(Array.from({ length: threads }, () => new Worker(new URL('./fleet-worker.ts', import.meta.url))));
    await Promise.all(fleet.#workers.map((w, t) => fleet.#ask(w, { op: 'start', specs: specs.filter((_, i) => i % threads === t) })));
    return fleet;
  }

  #ask<T>(worker: Worker, req: DistributiveOmit<FleetRequest, 'id'>): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ ...req, id });
    });
  }

  async #all<T>(req: DistributiveOmit<FleetRequest, 'id'>): Promise<T[]> {
    return Promise.all(this.#workers.map((w) => this.#ask<T>(w, req)));
  }

  /** When each proxy got its first response and ACKed a full config (CDS, EDS, LDS). */
  async configured(): Promise<{ first: number[]; configured: number[] }> {
    const parts = await this.#all<{ first: number[]; configured: number[] }>({ op: 'configured' });
    return { first: parts.flatMap((p) => p.first), configured: parts.flatMap((p) => p.configured) };
  }

  /** Listens for every proxy's next ACK of `kind`; the returned function collects when each came. */
  async armAcks(kind: XdsKind): Promise<() => Promise<number[]>> {
    await this.#all({ op: 'armAck', kind });
    return async () => (await this.#all<number[]>({ op: 'collect' })).flat();
  }

  /** Listens for the next config change in effect (new listeners ACKed, changed clusters warm) of every proxy, or of `nodeIds`. */
  async armUpdates(nodeIds?: string[]): Promise<() => Promise<{ nodeId: string; at: number }[]>> {
    await this.#all({ op: 'armUpdate', ...(nodeIds ? { nodeIds } : {}) });
    return async () => (await this.#all<{ nodeId: string; at: number }[]>({ op: 'collect' })).flat();
  }

  /** Clusters that warmed only by Envoy's initial fetch timeout, over the whole fleet. */
  async warmTimeouts(): Promise<number> {
    return (await this.#all<number>({ op: 'warmTimeouts' })).reduce((a, b) => a + b, 0);
  }

  /** Listens for every proxy's next stream opened after `since`; the function collects how each went. */
  async armReconnects(since: number): Promise<() => Promise<{ waitedMs: number; configuredAt: number }[]>> {
    await this.#all({ op: 'armReconnect', since });
    return async () => (await this.#all<{ waitedMs: number; configuredAt: number }[]>({ op: 'collect' })).flat();
  }

  async close(): Promise<void> {
    await this.#all({ op: 'close' }).catch(() => undefined);
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
