import { afterEach, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { registry } from '../../src/resources/all.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import type { ResourceStore } from '../../src/store/store.ts';
import { kdsCluster, type InProcessGlobal, type InProcessZone } from '../helpers/kds.ts';
import { waitFor } from '../helpers/wait.ts';

// Two zone CP instances under one zone name (a copy started by mistake, another cluster with
// the same name, a copy with an empty store). The zone → global sync is a reconcile: whatever
// instance global listens to decides what global holds of the zone. One instance is served at
// a time; a second one is refused while the first is connected, so that nothing the live
// zone holds is ever deleted.

const cluster = kdsCluster();
afterEach(() => cluster.stopAll());

const MAX = 1024 * 1024;
const dataplane = (name: string) => ({ type: 'Dataplane', mesh: 'default', name, labels: {}, spec: { networking: { address: '10.0.0.1', inbound: [{ port: 8080, tags: { 'kuma.io/service': name } }] } } });

async function zoneStore(...dataplanes: string[]): Promise<ResourceStore> {
  const store = new MemoryStore({ registry, maxResourceBytes: MAX });
  await store.create({ type: 'Mesh', name: 'default', labels: { 'kuma.io/origin': 'global' }, spec: {} });
  for (const d of dataplanes) await store.create(dataplane(d));
  return store;
}

/** The zone-1 dataplanes global holds, by their names in the zone. */
async function atGlobal(g: InProcessGlobal): Promise<string[]> {
  return (await g.store.list('Dataplane', { labels: { 'kuma.io/zone': 'zone-1' } })).items.map((d) => d.labels['kuma.io/display-name']!).sort();
}

/** Records every delete at global of a zone-1 dataplane. */
function watchDeletes(g: InProcessGlobal) {
  const deleted: string[] = [];
  const off = g.cache.onChange((change) => {
    for (const k of change.keys) if (k.type === 'Dataplane' && !g.cache.get(k)) deleted.push(k.name);
  });
  return { deleted, off };
}

const refused = (z: InProcessZone) => z.client.lastFailure?.code === grpc.status.FAILED_PRECONDITION;

describe('a second zone CP instance under the same name', () => {
  it('is refused while the first is connected: global deletes nothing and keeps following the first', async () => {
    const global = await cluster.global();
    await global.store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
    const storeA = await zoneStore('web-1', 'backend-1');
    const a = await cluster.zone('zone-1', global.port, { store: storeA });
    await waitFor(async () => JSON.stringify(await atGlobal(global)) === '["backend-1","web-1"]', { what: "zone-1's dataplanes at global" });
    const deletes = watchDeletes(global);

    // The duplicate, with an empty store: before this fix, global deleted both within seconds.
    const b = await cluster.zone('zone-1', global.port, { store: await zoneStore() });
    await waitFor(() => refused(b), { what: 'the duplicate refused' });
    expect(b.client.refusal).toMatch(/already connected to global from another control plane instance/);
    expect(b.client.inSync).toBe(false);
    // The first instance still syncs: a new dataplane reaches global.
    await storeA.create(dataplane('web-2'));
    await waitFor(async () => JSON.stringify(await atGlobal(global)) === '["backend-1","web-1","web-2"]', { what: 'the first instance still followed' });
    // Refused on every retry, not only the first.
    const failures = b.client.lastFailure;
    await waitFor(() => b.client.lastFailure !== failures && refused(b), { what: 'a retry refused again' });
    expect(deletes.deleted).toEqual([]);
    expect(a.client.inSync).toBe(true);
    deletes.off();
  });

  it('no sequence of connects and disconnects deletes what the instance global follows still holds', async () => {
    const global = await cluster.global();
    await global.store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
    const data = { A: ['a-1', 'a-2', 'shared'], B: ['b-1', 'shared'] } as const;
    const stores = { A: await zoneStore(...data.A), B: await zoneStore(...data.B) };
    const running: Partial<Record<'A' | 'B', InProcessZone>> = {};
    // Deterministic pseudo-random steps (LCG), so a failure can be replayed.
    let seed = 20261201;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const steps: string[] = [];
    let holder: 'A' | 'B' | undefined;
    let lastHolder: 'A' | 'B' | undefined;
    const deletes = watchDeletes(global);
    for (let step = 0; step < 14; step++) {
      const who = next() < 0.5 ? 'A' : 'B';
      const other = who === 'A' ? 'B' : 'A';
      const before = deletes.deleted.length;
      if (running[who]) {
        await running[who]!.stop();
        delete running[who];
        if (holder === who) holder = undefined;
      } else {
        running[who] = await cluster.zone('zone-1', global.port, { store: stores[who] });
      }
      // Who global follows now: the one already connected, else whichever is running.
      if (!holder) holder = running[other] ? other : running[who] ? who : undefined;
      if (holder) lastHolder = holder;
      steps.push(`${running[who] ? '+' : '-'}${who}→${holder ?? '∅'}`);
      const h = holder;
      if (h) await waitFor(() => running[h]!.client.inSync, { what: `step ${step}: ${h} in sync` });
      const duplicate = h === 'A' ? running.B : running.A;
      if (duplicate) await waitFor(() => refused(duplicate), { what: `step ${step}: the duplicate refused` });
      const expected = lastHolder ? [...data[lastHolder]].sort() : [];
      await waitFor(async () => JSON.stringify(await atGlobal(global)) === JSON.stringify(expected), { what: `step ${step}: global holds what ${lastHolder} holds` });
      // Deletes only ever take away what the followed instance does not hold.
      if (lastHolder) for (const name of deletes.deleted.slice(before)) expect(data[lastHolder].some((d) => name.startsWith(`${d}-`)), `step ${step}: deleted ${name} that ${lastHolder} holds`).toBe(false);
    }
    // The sequence covered takeovers both ways and duplicates refused both ways.
    expect(steps.join(' ')).toMatch(/→A .*→B .*→A/);
    deletes.off();
  });
});
