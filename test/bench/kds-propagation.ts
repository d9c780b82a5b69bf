import { registry } from '../../src/resources/all.ts';
import { EtcdStore } from '../../src/store/etcd-store.ts';
import { RedisStore } from '../../src/store/redis-store.ts';
import { waitFor } from '../helpers/wait.ts';
import { startFederation, type Federation } from './federation.ts';
import { summarize, type ScenarioResult } from './report.ts';
import { putDataplanes } from './seed.ts';

// Propagation of a global write to every zone's store: global on etcd, two zones on Redis,
// all separate processes, KDS over TLS with zone tokens. A policy is PUT to global's API;
// its arrival is taken from each zone's Redis change stream (no polling delay), and the
// latency of a write is the time until the last zone stored it.

export async function kdsPropagation(options: { quick: boolean; progress: (msg: string) => void }): Promise<ScenarioResult> {
  const writes = options.quick ? 30 : 300;
  const burst = options.quick ? 50 : 500;
  const dataplanes = options.quick ? 100 : 5000;
  /** Policies at global when zone-1 restarts (the sequential and burst writes, then more). */
  const policies = options.quick ? 200 : 2000;
  const { progress } = options;
  progress('kds-propagation: starting etcd, Redis, global and two zones');
  await using federation = await startFederation(2);
  const { etcd, global } = federation;
  const [{ cp: zone1, redis: redis1 }, { redis: redis2 }] = federation.zones as [Federation['zones'][number], Federation['zones'][number]];

  // Arrival times of policies in each zone, from the zones' own stores.
  const arrivals = new Map<string, Map<string, number>>();
  const waiters = new Map<string, () => void>();
  const ac = new AbortController();
  // Each watch starts from a revision read before anything is written: a revision read
  // concurrently with the writes could already include one, which would never be seen.
  const zoneStores = [redis1, redis2].map((r) => new RedisStore({ registry, url: r.url, prefix: 'meshwork:', maxResourceBytes: 1 << 20 }));
  const zoneRevisions = await Promise.all(zoneStores.map((s) => s.revision()));
  const watchers = zoneStores.map(async (store, i) => {
    try {
      for await (const e of store.watch({ fromRevision: zoneRevisions[i]!, signal: ac.signal })) {
        const name = e.resource?.labels['kuma.io/display-name'];
        if (e.kind !== 'put' || e.key.type !== 'MeshTimeout' || !name) continue;
        const seen = arrivals.get(name) ?? new Map<string, number>();
        arrivals.set(name, seen);
        if (!seen.has(`zone-${i + 1}`)) seen.set(`zone-${i + 1}`, performance.now());
        if (seen.size === 2) waiters.get(name)?.();
      }
    } finally {
      await store.close();
    }
  });
  /** The first arrival of `name` in one zone. */
  const arrivedIn = (zone: string, name: string) =>
    waitFor(() => arrivals.get(name)?.has(zone), { what: `${name} in ${zone}`, timeoutMs: 60_000, intervalMs: 10 });
  const arrived = (name: string) =>
    new Promise<void>((resolve, reject) => {
      if (arrivals.get(name)?.size === 2) return resolve();
      const timer = setTimeout(() => reject(new Error(`${name} did not reach both zones within 10 s`)), 10_000);
      waiters.set(name, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  const put = async (name: string) => {
    const body = { type: 'MeshTimeout', mesh: 'default', name, spec: { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '30s' } }] } };
    const res = await fetch(`${global.apiUrl}/meshes/default/meshtimeouts/${name}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status !== 201) throw new Error(`PUT ${name}: ${res.status} ${await res.text()}`);
  };

  progress(`kds-propagation: ${writes} sequential writes`);
  const latencies: number[] = [];
  for (let i = 0; i < writes; i++) {
    const name = `seq-${i}`;
    const t0 = performance.now();
    const done = arrived(name);
    await put(name);
    await done;
    latencies.push(Math.max(...arrivals.get(name)!.values()) - t0);
  }
  progress(`kds-propagation: a burst of ${burst} concurrent writes`);
  const t0 = performance.now();
  const names = Array.from({ length: burst }, (_, i) => `burst-${i}`);
  const all = Promise.all(names.map(arrived));
  for (let i = 0; i < names.length; i += 20) await Promise.all(names.slice(i, i + 20).map(put));
  await all;
  const burstMs = Math.max(...names.flatMap((n) => [...arrivals.get(n)!.values()])) - t0;

  // KDS resync: zone-1 holds `dataplanes` dataplanes (synced up to global) and every policy;
  // it is restarted while a policy is written at global. Back in sync = the missed policy is
  // in zone-1 and global still has all zone-1's dataplanes; deletes are counted at global
  // and in zone-2 from the stop until then (there must be none).
  progress(`kds-resync: ${policies} policies at global, ${dataplanes} dataplanes in zone-1, restart zone-1`);
  const more = Array.from({ length: policies - writes - burst - 1 }, (_, i) => `more-${i}`);
  const moreArrived: Promise<void>[] = [];
  for (let i = 0; i < more.length; i += 20) {
    const batch = more.slice(i, i + 20);
    moreArrived.push(...batch.map(arrived));
    await Promise.all(batch.map(put));
  }
  await Promise.all(moreArrived);
  await putDataplanes(zone1.apiUrl, dataplanes, (i) => ({ type: 'Dataplane', mesh: 'default', name: `dp-${i}`, networking: { address: `10.1.${Math.floor(i / 250)}.${i % 250}`, inbound: [{ port: 8080, tags: { 'kuma.io/service': `svc-${i % 50}` } }] } }));
  const globalDataplanes = async () => ((await (await fetch(`${global.apiUrl}/meshes/default/dataplanes?size=1`)).json()) as { total: number }).total;
  await waitFor(async () => (await globalDataplanes()) === dataplanes, { what: 'zone-1 dataplanes at global', timeoutMs: 120_000 });
  let deletes = 0;
  const puts = [0, 0];
  const deleteStores = [
    new EtcdStore({ registry, endpoints: [etcd.url], prefix: '/meshwork/', maxResourceBytes: 1 << 20 }),
    new RedisStore({ registry, url: redis2.url, prefix: 'meshwork:', maxResourceBytes: 1 << 20 }),
  ];
  const deleteRevisions = await Promise.all(deleteStores.map((s) => s.revision()));
  const countDeletes = deleteStores.map(async (store, i) => {
    try {
      for await (const e of store.watch({ fromRevision: deleteRevisions[i]!, signal: ac.signal })) {
        if (e.kind === 'delete' && e.key.type !== 'ZoneInsight') deletes++;
        if (e.kind === 'put' && e.key.type === 'MeshTimeout') puts[i]!++;
      }
    } finally {
      await store.close();
    }
  });
  const stoppedAt = performance.now();
  await zone1.stop();
  const missed = arrivedIn('zone-1', 'missed-while-down');
  await put('missed-while-down');
  await zone1.start();
  const startedAt = performance.now();
  await missed;
  await waitFor(async () => (await globalDataplanes()) === dataplanes, { what: 'zone-1 dataplanes still at global' });
  const resyncedAt = Math.max(performance.now(), arrivals.get('missed-while-down')?.get('zone-1') ?? 0);
  // The delete counters watch the right stores: both saw the policy written meanwhile.
  await waitFor(() => puts.every((n) => n > 0), { what: 'the global and zone-2 watchers to see the new policy' });
  ac.abort();
  await Promise.allSettled([...watchers, ...countDeletes]);

  const s = summarize(latencies);
  return {
    scenario: 'kds-propagation',
    description: 'A policy PUT to global (etcd) until both zones (Redis) stored it; separate processes, KDS over TLS with zone tokens. Then zone-1 with its dataplanes is restarted while global gets a write.',
    params: { zones: 2, sequentialWrites: writes, burstWrites: burst, resyncDataplanes: dataplanes, resyncPolicies: policies },
    metrics: [
      { name: 'propagation p50', unit: 'ms', value: s.p50 },
      { name: 'propagation p95', unit: 'ms', value: s.p95 },
      { name: 'propagation p99', unit: 'ms', value: s.p99, target: 200 },
      { name: 'propagation max', unit: 'ms', value: s.max },
      { name: `burst of ${burst} writes, until all are in both zones`, unit: 'ms', value: Math.round(burstMs) },
      { name: 'burst throughput', unit: 'policies/s', value: Math.round((burst / burstMs) * 1000) },
      { name: `resync: zone-1 (${dataplanes} dataplanes, ${policies} policies) back in sync, from its start`, unit: 'ms', value: Math.round(resyncedAt - startedAt), target: 10_000 },
      { name: 'resync: zone-1 down (stop until ready)', unit: 'ms', value: Math.round(startedAt - stoppedAt) },
      { name: 'resync: deletes seen at global and in zone-2', unit: 'deletes', value: deletes, target: 0 },
    ],
  };
}
