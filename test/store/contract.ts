import { describe, expect, it } from 'vitest';
import { isMeshworkError, type ErrorCode } from '../../src/core/errors.ts';
import type { ResourceInput } from '../../src/resources/resource.ts';
import type { ResourceStore, StoreEvent } from '../../src/store/store.ts';
import { upsert, upsertMany } from '../../src/store/upsert.ts';

// The one contract suite every ResourceStore implementation runs (memory, etcd, Redis).
// Each test gets a fresh, empty store from the harness.

export interface StoreHarness {
  /** A new, empty store (a fresh key prefix on a shared server is fine). */
  create(options?: { maxResourceBytes?: number }): Promise<ResourceStore>;
  /** Drops the store's change history up to now, as compaction or trimming would. */
  compactHistory(store: ResourceStore): Promise<void>;
}

const mesh = (name: string): ResourceInput => ({ type: 'Mesh', name, labels: {}, spec: {} });
const timeout = (m: string, name: string, labels: Record<string, string> = {}): ResourceInput => ({
  type: 'MeshTimeout',
  mesh: m,
  name,
  labels,
  spec: { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '30s' } }] },
});

async function expectCode(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isMeshworkError(err) ? err.code : err).toBe(code);
}

const existing = (list: { name: string; version: string }[], name: string) => list.find((r) => r.name === name)!;

async function collect(iter: AsyncIterable<StoreEvent>, count: number): Promise<StoreEvent[]> {
  const out: StoreEvent[] = [];
  for await (const e of iter) {
    out.push(e);
    if (out.length === count) break;
  }
  return out;
}

export function storeContract(name: string, harness: () => StoreHarness): void {
  describe(`ResourceStore contract: ${name}`, () => {
    const withStore = (fn: (s: ResourceStore) => Promise<void>, options?: { maxResourceBytes?: number }) => async () => {
      const store = await harness().create(options);
      try {
        await fn(store);
      } finally {
        await store.close();
      }
    };

    it('creates and reads back a resource with version and timestamps', withStore(async (s) => {
      await s.create(mesh('default'));
      const created = await s.create(timeout('default', 't1', { team: 'a' }));
      const read = await s.get({ type: 'MeshTimeout', mesh: 'default', name: 't1' });
      expect(read).toEqual(created);
      expect(read.labels).toEqual({ team: 'a' });
      expect(read.spec).toEqual(timeout('default', 't1').spec);
      expect(read.creationTime).toBe(read.modificationTime);
      expect(Number.isNaN(Date.parse(read.creationTime))).toBe(false);
      expect(read.version).toBe(String(await s.revision()));
    }));

    it('refuses a duplicate create with ALREADY_EXISTS', withStore(async (s) => {
      await s.create(mesh('default'));
      await expectCode(s.create(mesh('default')), 'ALREADY_EXISTS');
    }));

    it('refuses a mesh-scoped resource in a missing mesh with MESH_NOT_FOUND and stores nothing', withStore(async (s) => {
      const before = await s.revision();
      await expectCode(s.create(timeout('nope', 't1')), 'MESH_NOT_FOUND');
      expect(await s.revision()).toBe(before);
      expect((await s.list('MeshTimeout')).total).toBe(0);
    }));

    it('reports a missing resource as NOT_FOUND', withStore(async (s) => {
      await expectCode(s.get({ type: 'Mesh', name: 'x' }), 'NOT_FOUND');
      await expectCode(s.update(mesh('x'), '1'), 'NOT_FOUND');
      await expectCode(s.delete({ type: 'Mesh', name: 'x' }), 'NOT_FOUND');
    }));

    it('updates with the current version, keeps creationTime and bumps the version', withStore(async (s) => {
      const m = await s.create(mesh('default'));
      const updated = await s.update({ ...mesh('default'), labels: { a: 'b' }, spec: { routing: { zoneEgress: true } } }, m.version);
      expect(updated.creationTime).toBe(m.creationTime);
      expect(Date.parse(updated.modificationTime)).toBeGreaterThanOrEqual(Date.parse(m.modificationTime));
      expect(Number(updated.version)).toBeGreaterThan(Number(m.version));
      expect(await s.get({ type: 'Mesh', name: 'default' })).toEqual(updated);
    }));

    it('stores a status, keeps it through updates without one, replaces it with a new one (update and writeMany)', withStore(async (s) => {
      await s.create(mesh('default'));
      const created = await s.create({ ...timeout('default', 'st'), status: { vips: [{ ip: '241.0.0.1' }] } });
      expect((await s.get(created)).status).toEqual({ vips: [{ ip: '241.0.0.1' }] });
      const kept = await s.update(timeout('default', 'st', { edited: 'yes' }), created.version);
      expect(kept.status).toEqual({ vips: [{ ip: '241.0.0.1' }] });
      expect((await s.get(created)).status).toEqual({ vips: [{ ip: '241.0.0.1' }] });
      const [batched] = await s.writeMany([{ input: timeout('default', 'st', { edited: 'twice' }), existing: kept }]);
      expect(batched!.ok && batched!.resource.status).toEqual({ vips: [{ ip: '241.0.0.1' }] });
      const replaced = await s.update({ ...timeout('default', 'st'), status: { vips: [{ ip: '241.0.0.2' }] } }, (await s.get(created)).version);
      expect((await s.get(replaced)).status).toEqual({ vips: [{ ip: '241.0.0.2' }] });
      expect((await s.get({ type: 'Mesh', name: 'default' })).status).toBeUndefined();
    }));

    it('refuses a stale version with VERSION_CONFLICT and changes nothing', withStore(async (s) => {
      const m = await s.create(mesh('default'));
      const v2 = await s.update({ ...mesh('default'), labels: { v: '2' } }, m.version);
      await expectCode(s.update({ ...mesh('default'), labels: { v: 'stale' } }, m.version), 'VERSION_CONFLICT');
      await expectCode(s.delete({ type: 'Mesh', name: 'default' }, { expectedVersion: m.version }), 'VERSION_CONFLICT');
      expect(await s.get({ type: 'Mesh', name: 'default' })).toEqual(v2);
    }));

    it('lets exactly one of two concurrent updates from the same version win', withStore(async (s) => {
      const m = await s.create(mesh('default'));
      const results = await Promise.allSettled([
        s.update({ ...mesh('default'), labels: { w: '1' } }, m.version),
        s.update({ ...mesh('default'), labels: { w: '2' } }, m.version),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(isMeshworkError(rejected.reason, 'VERSION_CONFLICT')).toBe(true);
    }));

    it('200 concurrent unconditional writes of one resource all succeed, and the last one wins', withStore(async (s) => {
      await s.create(mesh('default'));
      const writes = Array.from({ length: 200 }, (_, i) => upsert(s, timeout('default', 'hot', { writer: String(i) })));
      const results = await Promise.allSettled(writes);
      const failed = results.filter((r) => r.status === 'rejected');
      expect(failed.map((r) => String((r as PromiseRejectedResult).reason)).slice(0, 3)).toEqual([]);
      const done = results.map((r) => (r as PromiseFulfilledResult<{ resource: { version: string; labels: Record<string, string> }; created: boolean }>).value);
      expect(done.filter((r) => r.created)).toHaveLength(1);
      const last = done.reduce((a, b) => (Number(b.resource.version) > Number(a.resource.version) ? b : a));
      expect((await s.get({ type: 'MeshTimeout', mesh: 'default', name: 'hot' })).labels).toEqual(last.resource.labels);
    }));

    it('lists and watches a type larger than one read of the backend may return (8 MiB)', withStore(async (s) => {
      await s.create(mesh('default'));
      const ac = new AbortController();
      const watched = collect(s.watch({ fromRevision: await s.revision(), signal: ac.signal }), 10);
      const big = (i: number): ResourceInput => ({ ...timeout('default', `big-${i}`), labels: { filler: 'x'.repeat(1000) }, spec: { targetRef: { kind: 'Mesh' }, to: Array.from({ length: 900 }, (_, j) => ({ targetRef: { kind: 'MeshService', name: `svc-${j}-${'y'.repeat(900)}` }, default: { idleTimeout: '1s' } })) } });
      for (let i = 0; i < 10; i++) await s.create(big(i));
      const listed = await s.list('MeshTimeout');
      expect(listed.total).toBe(10);
      expect(listed.items.map((r) => r.name)).toEqual(Array.from({ length: 10 }, (_, i) => `big-${i}`));
      const events = await watched;
      ac.abort();
      expect(events.map((e) => e.key.name)).toEqual(listed.items.map((r) => r.name));
    }, { maxResourceBytes: 1_000_000 }));

    it('writeMany creates and updates many resources (more than one batch), each as create/update would, and getMany reads them back', withStore(async (s) => {
      await s.create(mesh('default'));
      const first = await s.writeMany(Array.from({ length: 250 }, (_, i) => ({ input: timeout('default', `t${i}`, { n: String(i) }) })));
      expect(first.every((r) => r.ok)).toBe(true);
      const created = first.map((r) => (r.ok ? r.resource : undefined)!);
      const read = await s.getMany([...created.map((r) => ({ type: 'MeshTimeout', mesh: 'default', name: r.name })), { type: 'MeshTimeout', mesh: 'default', name: 'absent' }]);
      expect(read.slice(0, 250)).toEqual(created);
      expect(read[250]).toBeUndefined();
      const updated = await s.writeMany(created.map((existing) => ({ input: timeout('default', existing.name, { n: 'updated' }), existing })));
      expect(updated.every((r) => r.ok && r.resource.labels.n === 'updated' && r.resource.creationTime === created.find((c) => c.name === r.resource.name)!.creationTime && Number(r.resource.version) > Number(existing(created, r.resource.name).version))).toBe(true);
      expect((await s.list('MeshTimeout')).items.map((r) => r.labels.n)).toEqual(Array(250).fill('updated'));
    }));

    it('writeMany fails only the writes whose condition does not hold, and the others are written', withStore(async (s) => {
      await s.create(mesh('default'));
      const stale = await s.create(timeout('default', 'stale'));
      await s.update(timeout('default', 'stale', { moved: 'on' }), stale.version);
      await s.create(timeout('default', 'taken'));
      const results = await s.writeMany([
        { input: timeout('default', 'new-1') },
        { input: timeout('default', 'stale', { from: 'batch' }), existing: stale },
        { input: timeout('default', 'taken') },
        { input: timeout('nowhere', 'orphan') },
        { input: timeout('default', 'new-2') },
      ]);
      expect(results.map((r) => (r.ok ? 'ok' : isMeshworkError(r.error) ? r.error.code : String(r.error)))).toEqual(['ok', 'VERSION_CONFLICT', 'ALREADY_EXISTS', 'MESH_NOT_FOUND', 'ok']);
      expect((await s.get({ type: 'MeshTimeout', mesh: 'default', name: 'stale' })).labels).toEqual({ moved: 'on' });
      expect((await s.list('MeshTimeout')).items.map((r) => r.name)).toEqual(['new-1', 'new-2', 'stale', 'taken']);
    }));

    it('writeMany writes one key twice in order, refuses an oversized resource alone, and a watch sees every write', withStore(async (s) => {
      await s.create(mesh('default'));
      const from = await s.revision();
      const big = { ...timeout('default', 'big'), spec: { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '30s' } }], padding: 'x'.repeat(4096) } };
      const [a, tooBig, c] = await s.writeMany([{ input: timeout('default', 'twice', { v: '1' }) }, { input: big }, { input: timeout('default', 'other') }]);
      expect(a!.ok && c!.ok).toBe(true);
      expect(!tooBig!.ok && isMeshworkError(tooBig!.error, 'RESOURCE_TOO_LARGE')).toBe(true);
      const first = a!.ok ? a!.resource : undefined;
      const [again] = await s.writeMany([{ input: timeout('default', 'twice', { v: '2' }), existing: first! }]);
      expect(again!.ok && again!.resource.labels.v).toBe('2');
      const ac = new AbortController();
      const events = await collect(s.watch({ fromRevision: from, signal: ac.signal }), 3);
      ac.abort();
      expect(events.map((e) => `${e.kind} ${e.key.name} ${e.resource?.labels.v ?? ''}`)).toEqual(['put twice 1', 'put other ', 'put twice 2']);
    }, { maxResourceBytes: 2048 }));

    it('upsertMany creates or updates whatever is stored, refuses what check refuses alone, and the last of two writes of one key wins', withStore(async (s) => {
      await s.create(mesh('default'));
      await s.create(timeout('default', 'kept', { local: 'yes' }));
      await s.create(timeout('default', 'old', { v: '0' }));
      const results = await upsertMany(s, [timeout('default', 'old', { v: '1' }), timeout('default', 'kept'), timeout('default', 'fresh'), timeout('default', 'old', { v: '2' })], (_input, existing) => {
        if (existing?.labels.local) throw new Error('a local resource');
      });
      expect(results.map((r) => (r.ok ? r.resource.name : (r.error as Error).message))).toEqual(['old', 'a local resource', 'fresh', 'old']);
      expect((await s.get({ type: 'MeshTimeout', mesh: 'default', name: 'old' })).labels).toEqual({ v: '2' });
      expect((await s.get({ type: 'MeshTimeout', mesh: 'default', name: 'kept' })).labels).toEqual({ local: 'yes' });
    }));

    it('deletes a resource', withStore(async (s) => {
      const m = await s.create(mesh('default'));
      await s.delete({ type: 'Mesh', name: 'default' }, { expectedVersion: m.version });
      await expectCode(s.get({ type: 'Mesh', name: 'default' }), 'NOT_FOUND');
    }));

    it('deletes every resource of a mesh with the mesh, and nothing else', withStore(async (s) => {
      await s.create(mesh('a'));
      await s.create(mesh('b'));
      await s.create(timeout('a', 't1'));
      await s.create(timeout('b', 't1'));
      await s.create({ type: 'Secret', mesh: 'a', name: 's1', labels: {}, spec: { data: 'YQ==' } });
      await s.create({ type: 'Zone', name: 'zone-1', labels: {}, spec: {} });
      await s.delete({ type: 'Mesh', name: 'a' });
      expect((await s.list('MeshTimeout')).items.map((r) => r.mesh)).toEqual(['b']);
      expect((await s.list('Secret')).total).toBe(0);
      expect((await s.list('Mesh')).items.map((r) => r.name)).toEqual(['b']);
      expect((await s.list('Zone')).total).toBe(1);
    }));

    it('lists with mesh, name and label filters, sorted, with paging', withStore(async (s) => {
      await s.create(mesh('a'));
      await s.create(mesh('b'));
      for (const n of ['t3', 't1', 't2']) await s.create(timeout('a', n, { team: n === 't2' ? 'x' : 'y' }));
      await s.create(timeout('b', 't0'));
      const all = await s.list('MeshTimeout');
      expect(all.items.map((r) => `${r.mesh}/${r.name}`)).toEqual(['a/t1', 'a/t2', 'a/t3', 'b/t0']);
      expect(all.total).toBe(4);
      expect(all.nextOffset).toBeUndefined();
      const page1 = await s.list('MeshTimeout', { size: 3 });
      expect(page1.items).toHaveLength(3);
      expect(page1.total).toBe(4);
      expect(page1.nextOffset).toBe(3);
      const page2 = await s.list('MeshTimeout', { size: 3, offset: page1.nextOffset! });
      expect(page2.items.map((r) => r.name)).toEqual(['t0']);
      expect(page2.nextOffset).toBeUndefined();
      expect((await s.list('MeshTimeout', { mesh: 'b' })).items.map((r) => r.name)).toEqual(['t0']);
      expect((await s.list('MeshTimeout', { labels: { team: 'x' } })).items.map((r) => r.name)).toEqual(['t2']);
      expect((await s.list('MeshTimeout', { nameContains: '3' })).items.map((r) => r.name)).toEqual(['t3']);
      // Type prefixes never overlap: Mesh is not a prefix match for MeshTimeout.
      expect((await s.list('Mesh')).items.map((r) => r.name)).toEqual(['a', 'b']);
    }));

    it('refuses a resource above the size limit with RESOURCE_TOO_LARGE and stores nothing', withStore(async (s) => {
      await s.create(mesh('default'));
      const before = await s.revision();
      const big = { ...timeout('default', 'big'), labels: { blob: 'x'.repeat(1000) } };
      await expectCode(s.create(big), 'RESOURCE_TOO_LARGE');
      expect(await s.revision()).toBe(before);
      await expectCode(s.get({ type: 'MeshTimeout', mesh: 'default', name: 'big' }), 'NOT_FOUND');
    }, { maxResourceBytes: 800 }));

    it('every write bumps the revision and versions are write revisions', withStore(async (s) => {
      const r0 = await s.revision();
      const a = await s.create(mesh('a'));
      const b = await s.create(mesh('b'));
      expect(Number(a.version)).toBeGreaterThan(r0);
      expect(Number(b.version)).toBeGreaterThan(Number(a.version));
      expect(await s.revision()).toBe(Number(b.version));
    }));

    it('watch replays changes after a revision, then follows live changes in order', withStore(async (s) => {
      await s.create(mesh('default'));
      const from = await s.revision();
      await s.create(timeout('default', 't1'));
      const ac = new AbortController();
      const events = collect(s.watch({ fromRevision: from, signal: ac.signal }), 4);
      const t1 = await s.get({ type: 'MeshTimeout', mesh: 'default', name: 't1' });
      await s.update({ ...timeout('default', 't1'), labels: { v: '2' } }, t1.version);
      await s.create(timeout('default', 't2'));
      await s.delete({ type: 'MeshTimeout', mesh: 'default', name: 't1' });
      const got = await events;
      ac.abort();
      expect(got.map((e) => `${e.kind} ${e.key.name}`)).toEqual(['put t1', 'put t1', 'put t2', 'delete t1']);
      expect(got[1]!.resource!.labels).toEqual({ v: '2' });
      const revisions = got.map((e) => e.revision);
      expect([...revisions].sort((x, y) => x - y)).toEqual(revisions);
      expect(got[3]!.key).toEqual({ type: 'MeshTimeout', mesh: 'default', name: 't1' });
    }));

    it('watch reports the cascade of a mesh deletion', withStore(async (s) => {
      await s.create(mesh('a'));
      await s.create(timeout('a', 't1'));
      const ac = new AbortController();
      const events = collect(s.watch({ fromRevision: await s.revision(), signal: ac.signal }), 2);
      await s.delete({ type: 'Mesh', name: 'a' });
      const got = await events;
      ac.abort();
      expect(got.map((e) => `${e.kind} ${e.key.type}/${e.key.name}`).sort()).toEqual(['delete Mesh/a', 'delete MeshTimeout/t1']);
    }));

    it('watch ends when its signal aborts', withStore(async (s) => {
      const ac = new AbortController();
      const iter = s.watch({ fromRevision: await s.revision(), signal: ac.signal });
      const done = (async () => {
        let n = 0;
        for await (const _ of iter) n++;
        return n;
      })();
      await s.create(mesh('a'));
      ac.abort();
      expect(await done).toBeLessThanOrEqual(1);
    }));

    it('watch from a compacted revision fails with REVISION_COMPACTED', withStore(async (s) => {
      await s.create(mesh('a'));
      const old = await s.revision();
      for (let i = 0; i < 5; i++) await s.create(mesh(`m${i}`));
      await harness().compactHistory(s);
      const ac = new AbortController();
      let error: unknown;
      try {
        for await (const _ of s.watch({ fromRevision: old - 1, signal: ac.signal })) break;
      } catch (err) {
        error = err;
      }
      ac.abort();
      expect(isMeshworkError(error, 'REVISION_COMPACTED')).toBe(true);
    }));
  });
}
