import { randomUUID } from 'node:crypto';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../../src/resources/all.ts';
import { EtcdStore } from '../../src/store/etcd-store.ts';
import { startEtcd, type TestServer } from '../helpers/servers.ts';
import { storeContract } from './contract.ts';
import { upsert } from '../../src/store/upsert.ts';

let etcd: TestServer;
beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd?.[Symbol.asyncDispose]();
});

storeContract('etcd', () => ({
  async create(options) {
    return new EtcdStore({ registry, endpoints: [etcd.url], prefix: `/test-${randomUUID()}/`, maxResourceBytes: options?.maxResourceBytes ?? 1024 * 1024 });
  },
  async compactHistory(store) {
    const client = new Etcd3({ hosts: [etcd.url] });
    try {
      await client.kv.compact({ revision: String(await store.revision()), physical: true });
    } finally {
      client.close();
    }
  },
}));

describe('EtcdStore with several clients (control plane instances) on one etcd', () => {
  it('unconditional writes of one resource from 4 clients at once all succeed', async () => {
    const prefix = `/test-${randomUUID()}/`;
    const stores = Array.from({ length: 4 }, () => new EtcdStore({ registry, endpoints: [etcd.url], prefix, maxResourceBytes: 1024 * 1024 }));
    try {
      await stores[0]!.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
      const writes = stores.flatMap((s, c) => Array.from({ length: 50 }, (_, i) => upsert(s, { type: 'MeshTimeout', mesh: 'default', name: 'hot', labels: { writer: `${c}-${i}` }, spec: { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '1s' } }] } })));
      const results = await Promise.allSettled(writes);
      expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)).slice(0, 3)).toEqual([]);
      expect(results.filter((r) => (r as PromiseFulfilledResult<{ created: boolean }>).value.created)).toHaveLength(1);
    } finally {
      for (const s of stores) await s.close();
    }
  });
});

describe('EtcdStore lists in pages', () => {
  it('reads a type in many range requests, at one revision, in order', async () => {
    // Two keys per page.
    const store = new EtcdStore({ registry, endpoints: [etcd.url], prefix: `/test-${randomUUID()}/`, maxResourceBytes: 10_000, pageBytes: 2 * 14_096 });
    try {
      for (let i = 0; i < 7; i++) await store.create({ type: 'Mesh', name: `m${i}`, labels: {}, spec: {} });
      await store.create({ type: 'Zone', name: 'z', labels: {}, spec: {} });
      expect((await store.list('Mesh')).items.map((m) => m.name)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6']);
      expect((await store.list('Mesh', { offset: 5, size: 10 })).items.map((m) => m.name)).toEqual(['m5', 'm6']);
      expect((await store.list('Zone')).total).toBe(1);
    } finally {
      await store.close();
    }
  });
});

describe('EtcdStore writes many resources in transactions', () => {
  it('250 writes are three transactions (three revisions), not 250', async () => {
    const store = new EtcdStore({ registry, endpoints: [etcd.url], prefix: `/test-${randomUUID()}/`, maxResourceBytes: 1024 * 1024 });
    try {
      await store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
      const before = await store.revision();
      const results = await store.writeMany(Array.from({ length: 250 }, (_, i) => ({ input: { type: 'MeshTimeout', mesh: 'default', name: `t${i}`, labels: {}, spec: { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '1s' } }] } } })));
      expect(results.every((r) => r.ok)).toBe(true);
      expect((await store.revision()) - before).toBe(3);
      expect(new Set(results.map((r) => (r.ok ? r.resource.version : '')))).toHaveProperty('size', 3);
    } finally {
      await store.close();
    }
  });
});
