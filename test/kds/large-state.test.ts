import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../../src/resources/all.ts';
import { EtcdStore } from '../../src/store/etcd-store.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { kdsCluster } from '../helpers/kds.ts';
import { startEtcd, type TestServer } from '../helpers/servers.ts';
import { waitFor } from '../helpers/wait.ts';

// Global on a real etcd holding more of one type than one etcd reply may carry (4 MiB by
// default): five large zone-origin policies from one zone used to make every list of that
// type fail, the KDS server die of an unhandled rejection, and global never become ready.

const cluster = kdsCluster();
let etcd: TestServer;
beforeAll(async () => {
  etcd = await startEtcd();
});
afterEach(() => cluster.stopAll());
afterAll(async () => {
  await etcd?.[Symbol.asyncDispose]();
});

const MAX = 1024 * 1024;
const large = (i: number) => ({
  type: 'MeshTimeout',
  mesh: 'default',
  name: `large-${i}`,
  labels: { 'kuma.io/origin': 'zone' },
  spec: { targetRef: { kind: 'Mesh' }, to: Array.from({ length: 850 }, (_, j) => ({ targetRef: { kind: 'MeshService', name: `svc-${j}-${'x'.repeat(1000)}` }, default: { idleTimeout: '1s' } })) },
});

describe('KDS with more than 4 MiB of one type at global (etcd)', () => {
  it('syncs six ~900 KB zone-origin policies up, lists them, and resyncs after the zone reconnects', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const store = new EtcdStore({ registry, endpoints: [etcd.url], prefix: `/test-${randomUUID()}/`, maxResourceBytes: MAX });
      const global = await cluster.global({ store });
      await store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
      const zoneStore = new MemoryStore({ registry, maxResourceBytes: MAX });
      let zone = await cluster.zone('zone-1', global.port, { store: zoneStore });
      // In sync, and holding the mesh (global's cache may get it after the zone's first sync).
      await waitFor(async () => zone.client.inSync && (await zoneStore.list('Mesh')).total === 1, { what: 'zone-1 in sync, with the mesh' });
      for (let i = 0; i < 6; i++) await zoneStore.create(large(i));
      const atGlobal = async () => (await store.list('MeshTimeout', { labels: { 'kuma.io/zone': 'zone-1' } })).total;
      await waitFor(async () => (await atGlobal()) === 6, { what: 'six large policies at global', timeoutMs: 60_000 });

      // The zone reconnects: global lists what it holds of the zone (the initial versions) and nothing is deleted.
      await zone.stop();
      zone = await cluster.zone('zone-1', global.port, { store: zoneStore });
      await waitFor(() => zone.client.inSync, { what: 'zone-1 in sync again' });
      await zoneStore.create({ ...large(6), spec: { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '2s' } }] } });
      await waitFor(async () => (await atGlobal()) === 7, { what: 'a seventh policy after the reconnect' });
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
