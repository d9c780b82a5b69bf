import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.ts';
import { registry } from '../resources/all.ts';
import { IdentityCertManager } from '../mtls/identity-certs.ts';
import { MemoryStore } from '../store/memory-store.ts';
import { ResourceCache } from '../store/resource-cache.ts';
import { upsert } from '../store/upsert.ts';
import { waitFor } from '../../test/helpers/wait.ts';
import { SnapshotCache } from './cache/snapshot-cache.ts';
import { GENERATORS } from './generate/generators.ts';
import { POLICY_PLUGINS } from '../policies/plugins.ts';
import { affectsProxyConfig, parseNodeId, XdsReconciler } from './reconciler.ts';

const dp = (name: string, port: number, service: string, outbound?: string) => ({
  type: 'Dataplane',
  mesh: 'default',
  name,
  labels: {},
  spec: { networking: { address: '10.0.0.1', inbound: [{ port, tags: { 'kuma.io/service': service } }], ...(outbound ? { outbound: [{ port: 10001, tags: { 'kuma.io/service': outbound } }] } : {}) } },
});

/** A running cache of `store`, as the zone's. */
async function startCache(store: MemoryStore): Promise<{ cache: ResourceCache; stopCache(): Promise<void> }> {
  const cache = new ResourceCache({ store, registry, logger: silentLogger() });
  const ac = new AbortController();
  const running = cache.run(ac.signal);
  await cache.ready();
  return {
    cache,
    stopCache: async () => {
      ac.abort();
      await running;
    },
  };
}

describe('XdsReconciler', () => {
  it('rebuilds a proxy only when its inputs change, and publishes only new versions', async () => {
    const store = new MemoryStore({ registry, maxResourceBytes: 1 << 20 });
    await store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
    await store.create(dp('web-1', 8080, 'web', 'backend'));
    await store.create(dp('backend-1', 8081, 'backend'));
    const { cache, stopCache } = await startCache(store);
    const snapshots = new SnapshotCache();
    const builds: string[] = [];
    const reconciler = new XdsReconciler({ cache, snapshots, generators: GENERATORS, logger: silentLogger(), zone: 'z', debounceMs: 1, certs: new IdentityCertManager(), onBuilt: (n) => builds.push(n) });
    reconciler.start();
    const release = reconciler.connect('default.web-1', 9901);
    await reconciler.idle();
    const first = snapshots.get('default.web-1')!;
    expect(builds).toEqual(['default.web-1']);
    // Unchanged inputs: no build at all.
    await reconciler.reconcile();
    expect(builds).toHaveLength(1);
    // A dataplane web does not call changes nothing for web.
    await store.create(dp('other-1', 8082, 'other'));
    await waitFor(() => cache.get({ type: 'Dataplane', mesh: 'default', name: 'other-1' }));
    await reconciler.reconcile();
    expect(builds).toHaveLength(1);
    // A new backend endpoint does: a new build and a new version.
    await store.create(dp('backend-2', 8083, 'backend'));
    await waitFor(async () => {
      await reconciler.reconcile();
      return snapshots.get('default.web-1')!.version !== first.version;
    });
    expect(builds).toHaveLength(2);
    release();
    reconciler.stop();
    await stopCache();
  });

  it('rebuilds from what a build read: a route backend that is not an outbound changes endpoints, and the proxy\'s EDS follows', async () => {
    const store = new MemoryStore({ registry, maxResourceBytes: 1 << 20 });
    await store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
    // HTTP services (routes apply to HTTP outbounds).
    const http = (d: ReturnType<typeof dp>) => {
      for (const ib of d.spec.networking.inbound) (ib.tags as Record<string, string>)['kuma.io/protocol'] = 'http';
      return d;
    };
    await store.create(http(dp('web-1', 8080, 'web', 'backend')));
    await store.create(http(dp('backend-1', 8081, 'backend')));
    await store.create(http(dp('canary-1', 8082, 'canary')));
    await store.create({
      type: 'MeshHTTPRoute',
      mesh: 'default',
      name: 'to-canary',
      labels: {},
      spec: { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], default: { backendRefs: [{ kind: 'MeshService', name: 'canary' }] } }] }] },
    });
    const { cache, stopCache } = await startCache(store);
    const snapshots = new SnapshotCache();
    const reconciler = new XdsReconciler({ cache, snapshots, generators: GENERATORS, plugins: POLICY_PLUGINS, logger: silentLogger(), zone: 'z', debounceMs: 1, certs: new IdentityCertManager() });
    reconciler.start();
    const release = reconciler.connect('default.web-1', 9901);
    await reconciler.idle();
    const ports = () => JSON.stringify(snapshots.get('default.web-1')!.resources.endpoint.get('canary')?.json ?? null).match(/"port_value":\d+/g);
    expect(ports()).toEqual(['"port_value":8082']);
    // canary is no outbound of web-1, but its route sends there: a new canary endpoint is in web-1's EDS.
    await store.create(http(dp('canary-2', 8083, 'canary')));
    await waitFor(async () => {
      await reconciler.reconcile();
      return ports()?.length === 2;
    }, { what: 'the new canary endpoint in web-1\'s EDS' });
    expect(ports()).toEqual(['"port_value":8082', '"port_value":8083']);
    release();
    reconciler.stop();
    await stopCache();
  });

  it('rebuilds only the proxies a policy reaches: a MeshTimeout to one service, its callers; one on its instances, those', async () => {
    const store = new MemoryStore({ registry, maxResourceBytes: 1 << 20 });
    await store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
    // 20 services, each with a proxy calling the next one.
    const n = 20;
    for (let i = 0; i < n; i++) await store.create(dp(`svc-${i}-1`, 8080, `svc-${i}`, `svc-${(i + 1) % n}`));
    const { cache, stopCache } = await startCache(store);
    const snapshots = new SnapshotCache();
    const builds: string[] = [];
    const reconciler = new XdsReconciler({ cache, snapshots, generators: GENERATORS, plugins: POLICY_PLUGINS, logger: silentLogger(), zone: 'z', debounceMs: 1, certs: new IdentityCertManager(), onBuilt: (id) => builds.push(id) });
    reconciler.start();
    const releases = Array.from({ length: n }, (_, i) => reconciler.connect(`default.svc-${i}-1`, 9901));
    await reconciler.idle();
    expect(builds).toHaveLength(n);
    const versions = () => new Map(Array.from({ length: n }, (_, i) => [`default.svc-${i}-1`, snapshots.get(`default.svc-${i}-1`)!.version]));
    const changed = (before: Map<string, string>) => [...versions()].filter(([id, v]) => before.get(id) !== v).map(([id]) => id);
    const apply = async (name: string, spec: object, version: number) => {
      builds.length = 0;
      const before = versions();
      await upsert(store, { type: 'MeshTimeout', mesh: 'default', name, labels: {}, spec });
      await waitFor(() => JSON.stringify(cache.get({ type: 'MeshTimeout', mesh: 'default', name })?.spec).includes(`"${version}s"`));
      await reconciler.reconcile();
      return { built: [...builds], changed: changed(before) };
    };
    // Only svc-6-1 calls svc-7.
    const to = (v: number) => ({ targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'MeshService', name: 'svc-7' }, default: { connectionTimeout: `${v}s` } }] });
    expect(await apply('to-svc-7', to(3), 3)).toEqual({ built: ['default.svc-6-1'], changed: ['default.svc-6-1'] });
    expect(await apply('to-svc-7', to(4), 4)).toEqual({ built: ['default.svc-6-1'], changed: ['default.svc-6-1'] });
    // Inbound timeouts of svc-7's instances.
    const from = (v: number) => ({ targetRef: { kind: 'MeshService', name: 'svc-7' }, from: [{ targetRef: { kind: 'Mesh' }, default: { connectionTimeout: `${v}s` } }] });
    expect(await apply('svc-7-inbound', from(8), 8)).toEqual({ built: ['default.svc-7-1'], changed: ['default.svc-7-1'] });
    // A policy that stops reaching a proxy rebuilds it (to drop what it gave).
    builds.length = 0;
    const before = versions();
    await store.delete({ type: 'MeshTimeout', mesh: 'default', name: 'to-svc-7' });
    await waitFor(() => cache.get({ type: 'MeshTimeout', mesh: 'default', name: 'to-svc-7' }) === undefined);
    await reconciler.reconcile();
    expect({ built: builds, changed: changed(before) }).toEqual({ built: ['default.svc-6-1'], changed: ['default.svc-6-1'] });
    for (const r of releases) r();
    reconciler.stop();
    await stopCache();
  });

  it("follows MeshServices: a backendRef by labels gets its listener when a matching MeshService appears, and its EDS follows the selected Dataplanes", async () => {
    const store = new MemoryStore({ registry, maxResourceBytes: 1 << 20 });
    await store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
    await store.create({ type: 'Dataplane', mesh: 'default', name: 'web-1', labels: {}, spec: { networking: { address: '10.0.0.1', inbound: [{ port: 8080, tags: { 'kuma.io/service': 'web' } }], outbound: [{ port: 10001, backendRef: { kind: 'MeshService', labels: { team: 'data' }, port: 5432 } }] } } });
    const db = (name: string, address: string) => ({ type: 'Dataplane', mesh: 'default', name, labels: { app: 'db' }, spec: { networking: { address, inbound: [{ port: 15432, name: 'postgres', tags: { 'kuma.io/service': name } }] } } });
    await store.create(db('db-1', '10.0.0.2'));
    const { cache, stopCache } = await startCache(store);
    const snapshots = new SnapshotCache();
    const reconciler = new XdsReconciler({ cache, snapshots, generators: GENERATORS, plugins: POLICY_PLUGINS, logger: silentLogger(), zone: 'zone-1', debounceMs: 1, certs: new IdentityCertManager() });
    reconciler.start();
    const release = reconciler.connect('default.web-1', 9901);
    await reconciler.idle();
    // No MeshService yet: the backendRef names nothing, so there is no listener (as in Kuma).
    expect(snapshots.get('default.web-1')!.resources.listener.has('outbound:127.0.0.1:10001')).toBe(false);
    await store.create({ type: 'MeshService', mesh: 'default', name: 'db', labels: { team: 'data', 'kuma.io/zone': 'zone-1' }, spec: { selector: { dataplaneLabels: { matchLabels: { app: 'db' } } }, ports: [{ name: 'pg', port: 5432, targetPort: 'postgres' }] } });
    const cla = () => snapshots.get('default.web-1')!.resources.endpoint.get('default_db__zone-1_msvc_5432')?.json as { endpoints: { lb_endpoints: { endpoint: { address: { socket_address: { address: string; port_value: number } } } }[] }[] } | undefined;
    const addresses = () => (cla()?.endpoints ?? []).flatMap((l) => l.lb_endpoints.map((e) => `${e.endpoint.address.socket_address.address}:${e.endpoint.address.socket_address.port_value}`));
    await waitFor(async () => {
      await reconciler.reconcile();
      return snapshots.get('default.web-1')!.resources.listener.has('outbound:127.0.0.1:10001');
    });
    expect(addresses()).toEqual(['10.0.0.2:15432']);
    // A new Dataplane the service selects is a new endpoint; the listener's cluster is the MeshService port's.
    await store.create(db('db-2', '10.0.0.3'));
    await waitFor(async () => {
      await reconciler.reconcile();
      return addresses().length === 2;
    });
    expect(addresses()).toEqual(['10.0.0.2:15432', '10.0.0.3:15432']);
    const listener = JSON.stringify(snapshots.get('default.web-1')!.resources.listener.get('outbound:127.0.0.1:10001')!.json);
    expect(listener).toContain('"cluster":"default_db__zone-1_msvc_5432"');
    release();
    reconciler.stop();
    await stopCache();
  });

  it('ignores status changes (an ACK updates a DataplaneInsight) but not config inputs or a resync', () => {
    const change = (...types: string[]) => ({ keys: types.map((type) => ({ type, mesh: 'default', name: 'x' })), resync: false });
    expect(affectsProxyConfig(change('DataplaneInsight'))).toBe(false);
    expect(affectsProxyConfig(change('DataplaneInsight', 'ZoneInsight', 'ZoneIngressInsight', 'Zone', 'GlobalSecret'))).toBe(false);
    for (const type of ['Dataplane', 'Mesh', 'Secret', 'ZoneIngress', 'MeshTimeout', 'MeshTrafficPermission']) expect(affectsProxyConfig(change('DataplaneInsight', type)), type).toBe(true);
    expect(affectsProxyConfig({ keys: [], resync: true })).toBe(true);
  });
});

describe('node ids', () => {
  it('split <mesh>.<name> at the first dot, or where an existing mesh created with a dot ends', () => {
    expect(parseNodeId('default.web-1.v2')).toEqual({ mesh: 'default', name: 'web-1.v2' });
    expect(parseNodeId('no-dot')).toEqual({ mesh: '', name: 'no-dot' });
    const meshes = new Set(['team.a']);
    expect(parseNodeId('team.a.web-1', (m) => meshes.has(m))).toEqual({ mesh: 'team.a', name: 'web-1' });
    expect(parseNodeId('team.b.web-1', (m) => meshes.has(m))).toEqual({ mesh: 'team', name: 'b.web-1' });
  });
});
