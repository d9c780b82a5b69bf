import { randomUUID } from 'node:crypto';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll } from 'vitest';
import { registry } from '../../src/resources/all.ts';
import { EtcdStore } from '../../src/store/etcd-store.ts';
import { startEtcd, type TestServer } from '../helpers/servers.ts';
import { storeContract } from './contract.ts';

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
