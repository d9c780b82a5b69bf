import { afterEach, describe, expect, it } from 'vitest';
import { kdsCluster } from '../helpers/kds.ts';
import { waitFor } from '../helpers/wait.ts';

const timeout = (name: string, labels: Record<string, string> = {}) => ({
  type: 'MeshTimeout',
  mesh: 'default',
  name,
  labels,
  spec: { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '30s' } }] },
});

const cluster = kdsCluster();
afterEach(async () => {
  await cluster.stopAll();
});

describe('KDS in process', () => {
  it('syncs global policies down and zone dataplanes up, with Kuma names and labels', async () => {
    const global = await cluster.global();
    await global.store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
    await global.store.create(timeout('t1'));
    const zones = [await cluster.zone('zone-1', global.port), await cluster.zone('zone-2', global.port)];
    for (const z of zones) {
      await waitFor(async () => (await z.store.list('MeshTimeout')).total === 1, { what: `${z.name} to get the policy` });
      const [t] = (await z.store.list('MeshTimeout')).items;
      expect(t!.name).toMatch(/^t1-[a-z2-9]{16}$/);
      expect(t!.labels).toMatchObject({ 'kuma.io/origin': 'global', 'kuma.io/display-name': 't1' });
      expect(await z.store.get({ type: 'Mesh', name: 'default' })).toMatchObject({ labels: { 'kuma.io/origin': 'global' } });
    }
    // Same name in every zone.
    const names = await Promise.all(zones.map(async (z) => (await z.store.list('MeshTimeout')).items[0]!.name));
    expect(names[0]).toBe(names[1]);

    await zones[0]!.store.create({ type: 'Dataplane', mesh: 'default', name: 'dp-1', labels: { 'kuma.io/zone': 'spoofed' }, spec: { networking: { address: '127.0.0.1', inbound: [{ port: 8080, tags: { 'kuma.io/service': 'backend' } }] } } });
    await waitFor(async () => (await global.store.list('Dataplane')).total === 1, { what: 'the dataplane at global' });
    const [dp] = (await global.store.list('Dataplane')).items;
    expect(dp!.name).toMatch(/^dp-1-[a-z2-9]{16}$/);
    expect(dp!.labels).toMatchObject({ 'kuma.io/origin': 'zone', 'kuma.io/zone': 'zone-1', 'kuma.io/display-name': 'dp-1' });
    // Dataplanes are not sent to other zones.
    expect((await zones[1]!.store.list('Dataplane')).total).toBe(0);

    // Zones are registered and shown online.
    await waitFor(async () => (await global.store.list('Zone')).total === 2);
    await waitFor(async () => (await global.store.list('ZoneInsight')).items.every((i) => (i.spec as { subscriptions: { disconnectTime?: string }[] }).subscriptions.some((s) => !s.disconnectTime)));
  });

  it('propagates updates and deletes, and never sends secrets that stay on global', async () => {
    const global = await cluster.global();
    await global.store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
    await global.store.create({ type: 'GlobalSecret', name: 'admin-user-token', labels: {}, spec: { data: 'c2VjcmV0' } });
    await global.store.create({ type: 'GlobalSecret', name: 'shared', labels: {}, spec: { data: 'c2VjcmV0' } });
    const t1 = await global.store.create(timeout('t1'));
    const zones = [await cluster.zone('zone-1', global.port)];
    const z = zones[0]!;
    await waitFor(() => z.client.inSync);
    expect((await z.store.list('GlobalSecret')).items.map((s) => s.name)).toEqual(['shared']);
    await global.store.update({ ...timeout('t1'), spec: { to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '5s' } }] } }, t1.version);
    await waitFor(async () => JSON.stringify((await z.store.list('MeshTimeout')).items[0]?.spec).includes('5s'));
    await global.store.delete({ type: 'MeshTimeout', mesh: 'default', name: 't1' });
    await waitFor(async () => (await z.store.list('MeshTimeout')).total === 0);
  });

  it('keeps zone-origin policies in their zone and syncs them up', async () => {
    const global = await cluster.global();
    await global.store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
    const zones = [await cluster.zone('zone-1', global.port), await cluster.zone('zone-2', global.port)];
    await waitFor(() => zones.every((z) => z.client.inSync));
    await zones[0]!.store.create(timeout('local', { 'kuma.io/origin': 'zone' }));
    await waitFor(async () => (await global.store.list('MeshTimeout')).total === 1);
    expect((await global.store.list('MeshTimeout')).items[0]!.labels).toMatchObject({ 'kuma.io/zone': 'zone-1', 'kuma.io/origin': 'zone' });
    // Not sent down to zone-2, nor back to zone-1 under a new name.
    await waitFor(() => zones[1]!.client.inSync);
    expect((await zones[1]!.store.list('MeshTimeout')).total).toBe(0);
    expect((await zones[0]!.store.list('MeshTimeout')).items.map((r) => r.name)).toEqual(['local']);
  });
});
