import { afterEach, describe, expect, it } from 'vitest';
import { captureLogs } from '../helpers/log-capture.ts';
import { kdsCluster, type InProcessGlobal } from '../helpers/kds.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { waitFor } from '../helpers/wait.ts';

type Stat = Record<string, { responsesSent: number; responsesAcknowledged: number; responsesRejected: number }>;

const cluster = kdsCluster();
let proxy: TcpProxy | undefined;
afterEach(async () => {
  await cluster.stopAll();
  await proxy?.[Symbol.asyncDispose]();
  proxy = undefined;
});

async function lastSubscription(g: InProcessGlobal, zone: string) {
  const insight = await g.store.get({ type: 'ZoneInsight', name: zone });
  const subs = (insight.spec as { subscriptions: { id: string; disconnectTime?: string; status: { stat: Stat } }[] }).subscriptions;
  return { sub: subs.at(-1)!, count: subs.length };
}

const policy = (name: string, idle: string) => ({ type: 'MeshTimeout', mesh: 'default', name, labels: {}, spec: { to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: idle } }] } });

describe('KDS reliability', () => {
  it('NACKs one invalid resource alone, applies the rest, keeps the stream, and reports it', async () => {
    const logs = captureLogs();
    const global = await cluster.global({ logger: logs.logger });
    await global.store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
    await global.store.create(policy('good', '10s'));
    // Written straight to the store, as a newer global version might: invalid for this zone.
    const bad = await global.store.create(policy('bad', '-10s'));
    const zones = [await cluster.zone('zone-1', global.port)];
    const z = zones[0]!;
    await waitFor(() => z.client.inSync, { what: 'zone in sync' });
    expect((await z.store.list('MeshTimeout')).items.map((p) => p.labels['kuma.io/display-name'])).toEqual(['good']);
    await waitFor(async () => (await lastSubscription(global!, 'zone-1')).sub.status.stat.MeshTimeout?.responsesRejected === 1, { what: 'the NACK in ZoneInsight' });
    expect(logs.lines().some((l) => l.msg === 'peer rejected a response (NACK)' && String(l.error).includes('idleTimeout: must not be negative'))).toBe(true);

    // The stream stayed up: a fix of the bad resource and a new one both arrive on it.
    const before = (await lastSubscription(global, 'zone-1')).count;
    await global.store.update(policy('bad', '20s'), bad.version);
    await global.store.create(policy('later', '1s'));
    await waitFor(async () => (await z.store.list('MeshTimeout')).total === 3, { what: 'fixed and new policies' });
    expect((await lastSubscription(global, 'zone-1')).count).toBe(before);
    expect(z.client.state).toBe('connected');
  });

  it('NACKs an invalid resource coming up from a zone, and stores the valid ones', async () => {
    const global = await cluster.global();
    await global.store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
    const zones = [await cluster.zone('zone-1', global.port)];
    const z = zones[0]!;
    await waitFor(() => z.client.inSync);
    const dp = (name: string, port: number) => ({ type: 'Dataplane', mesh: 'default', name, labels: {}, spec: { networking: { address: '127.0.0.1', inbound: [{ port, tags: { 'kuma.io/service': 'b' } }] } } });
    await z.store.create(dp('ok', 8080));
    await z.store.create(dp('broken', 99999));
    await waitFor(async () => (await lastSubscription(global!, 'zone-1')).sub.status.stat.Dataplane?.responsesRejected === 1, { what: 'the NACK of the zone resource' });
    expect((await global.store.list('Dataplane')).items.map((d) => d.labels['kuma.io/display-name'])).toEqual(['ok']);
  });

  it('syncs 20,000 resources in chunks below the message size limit', async () => {
    const maxMessageBytes = 256 * 1024;
    const global = await cluster.global({ maxMessageBytes });
    await global.store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
    for (let i = 0; i < 20_000; i++) await global.store.create({ type: 'Secret', mesh: 'default', name: `s-${String(i).padStart(5, '0')}`, labels: {}, spec: { data: 'c2VjcmV0LXZhbHVl' } });
    const zones = [await cluster.zone('zone-1', global.port, { maxMessageBytes })];
    const z = zones[0]!;
    await waitFor(() => z.client.inSync, { what: '20,000 secrets in the zone', timeoutMs: 120_000 });
    expect((await z.store.list('Secret')).total).toBe(20_000);
    await waitFor(async () => {
      const last = await lastSubscription(global!, 'zone-1');
      return last.sub.status.stat.Secret?.responsesAcknowledged === last.sub.status.stat.Secret?.responsesSent ? last : undefined;
    });
    // ~20,000 × ~150 bytes cannot fit one 256 KiB message. Counted over every session: on a
    // loaded machine the zone may have reconnected, and a later session sends only what is missing.
    const insight = await global.store.get({ type: 'ZoneInsight', name: 'zone-1' });
    const subs = (insight.spec as { subscriptions: { status: { stat: Stat } }[] }).subscriptions;
    expect(subs.reduce((n, s) => n + (s.status.stat.Secret?.responsesSent ?? 0), 0)).toBeGreaterThanOrEqual(10);

    // The zone comes back with all of them: its resubscription names 20,000 held versions
    // (~400 KB, above the chunk size). Before, that request was refused by the channel's
    // limit on every reconnect, and the zone never synced again.
    await z.stop();
    const again = await cluster.zone('zone-1', global.port, { maxMessageBytes, store: z.store });
    await waitFor(() => again.client.inSync, { what: 'the zone in sync again after a reconnect with 20,000 held resources', timeoutMs: 120_000 });
    expect((await again.store.list('Secret')).total).toBe(20_000);
  }, 300_000);

  it('detects a silently dead connection and replaces it', async () => {
    const global = await cluster.global({ heartbeatIntervalMs: 500 });
    await global.store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
    proxy = await startTcpProxy(global.port);
    const zones = [await cluster.zone('zone-1', proxy.port)];
    const z = zones[0]!;
    await waitFor(() => z.client.inSync);
    const first = await lastSubscription(global, 'zone-1');

    proxy.blackhole();
    const cut = Date.now();
    await waitFor(() => z.client.state !== 'connected', { what: 'the zone to notice the dead connection', timeoutMs: 30_000 });
    const detectedMs = Date.now() - cut;
    proxy.heal();
    await waitFor(() => z.client.inSync, { what: 'a new connection', timeoutMs: 30_000 });
    console.log(`dead connection detected after ${detectedMs} ms`);
    await global.store.create(policy('after-partition', '1s'));
    await waitFor(async () => (await z.store.list('MeshTimeout')).total === 1, { what: 'changes to flow on the new connection' });
    const now = await lastSubscription(global, 'zone-1');
    expect(now.sub.id).not.toBe(first.sub.id);
  }, 90_000);
});
