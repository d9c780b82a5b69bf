import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.ts';
import { registry } from '../resources/all.ts';
import type { ResourceKey } from '../resources/resource.ts';
import { MemoryStore } from '../store/memory-store.ts';
import { DataplaneInsightTracker } from './dataplane-insights.ts';

interface Spec {
  subscriptions: { connectTime: string; disconnectTime?: string; status: { total: { responsesSent: number; responsesAcknowledged: number } } }[];
  mTLS?: { certificateRegenerations: number };
}

describe('DataplaneInsightTracker', () => {
  it('admits at once while the stored insight is read, then keeps its history', async () => {
    const store = new MemoryStore({ registry, maxResourceBytes: 1 << 20 });
    await store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
    const earlier = { connectTime: '2026-01-01T00:00:00.000Z', status: { lastUpdateTime: '2026-01-01T00:00:00.000Z', total: { responsesSent: 7, responsesAcknowledged: 7, responsesRejected: 0 } } };
    await store.create({ type: 'DataplaneInsight', mesh: 'default', name: 'web-1', labels: {}, spec: { subscriptions: [earlier], mTLS: { certificateExpirationTime: '2026-01-02T00:00:00.000Z', lastCertificateRegeneration: '2026-01-01T00:00:00.000Z', certificateRegenerations: 2, issuedBackend: 'ca-1', supportedBackends: ['ca-1'] } } });
    // The store answers reads only when told: the tracker must not wait for it.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const get = store.get.bind(store);
    store.get = async (key: ResourceKey) => {
      await gate;
      return get(key);
    };
    const insights = new DataplaneInsightTracker({ store, logger: silentLogger(), controlPlaneInstanceId: 'cp-1' });
    const stream = insights.open({ type: 'DataplaneInsight', mesh: 'default', name: 'web-1' }, { kumaDp: { version: '0.1.0' }, envoy: { version: '1.40.0' } }); // synchronous: nothing awaited
    stream.count('type.googleapis.com/envoy.config.listener.v3.Listener', 'sent');
    stream.count('type.googleapis.com/envoy.config.listener.v3.Listener', 'acked');
    insights.certificate('default', 'web-1', { notAfter: new Date('2026-02-01T00:00:00Z'), backend: 'ca-1' });
    release();
    await insights.stop();
    const spec = (await get({ type: 'DataplaneInsight', mesh: 'default', name: 'web-1' })).spec as Spec;
    // The earlier subscription is kept, now disconnected; the new one carries its counters.
    expect(spec.subscriptions).toHaveLength(2);
    expect(spec.subscriptions[0]!.connectTime).toBe(earlier.connectTime);
    expect(spec.subscriptions[0]!.disconnectTime).toBeDefined();
    expect(spec.subscriptions[1]!.disconnectTime).toBeUndefined();
    expect(spec.subscriptions[1]!.status.total).toMatchObject({ responsesSent: 1, responsesAcknowledged: 1 });
    // Kuma's version fields, which kumactl inspect dataplanes shows.
    expect((spec.subscriptions[1] as { version?: unknown }).version).toEqual({ kumaDp: { version: '0.1.0' }, envoy: { version: '1.40.0' } });
    expect(spec.mTLS!.certificateRegenerations).toBe(3);
  });

  it('writes a first connection, with no stored insight', async () => {
    const store = new MemoryStore({ registry, maxResourceBytes: 1 << 20 });
    await store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
    const insights = new DataplaneInsightTracker({ store, logger: silentLogger(), controlPlaneInstanceId: 'cp-1' });
    insights.open({ type: 'DataplaneInsight', mesh: 'default', name: 'backend-1' }).close();
    await insights.stop();
    const spec = (await store.get({ type: 'DataplaneInsight', mesh: 'default', name: 'backend-1' })).spec as Spec;
    expect(spec.subscriptions).toHaveLength(1);
    expect(spec.subscriptions[0]!.disconnectTime).toBeDefined();
  });
});
