import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlaneProcess } from '../helpers/control-plane.ts';
import { meshctl } from '../helpers/meshctl.ts';
import { startEtcd, startRedis, type TestServer } from '../helpers/servers.ts';
import { waitFor } from '../helpers/wait.ts';
import { defaultPolicies } from '../../src/policies/defaults.ts';

// Federation with real processes: a global on etcd and two zones on Redis, each a separate
// meshwork-cp. Every step waits on conditions; propagation times are printed, not asserted
// (the benchmark measures them).

interface Item {
  name: string;
  mesh?: string;
  labels?: Record<string, string>;
  modificationTime: string;
}

async function list(cp: ControlPlaneProcess, path: string): Promise<Item[]> {
  const res = await fetch(`${cp.apiUrl}${path}`);
  if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
  return ((await res.json()) as { items: Item[] }).items;
}

/** Kuma's default policies of the default mesh, which global created with it. */
const DEFAULTS = new Set(defaultPolicies('default').map((p) => p.name));

/** The MeshTimeouts this suite applied (not the mesh's defaults), wherever they are. */
async function timeouts(cp: ControlPlaneProcess): Promise<Item[]> {
  return (await list(cp, '/meshes/default/meshtimeouts')).filter((p) => !DEFAULTS.has(p.labels?.['kuma.io/display-name'] ?? p.name));
}

const policy = (name: string, idle: string) => `type: MeshTimeout
name: ${name}
mesh: default
spec:
  targetRef: {kind: Mesh}
  to:
    - targetRef: {kind: Mesh}
      default: {idleTimeout: ${idle}}
`;

const dataplane = (name: string) => ({
  type: 'Dataplane',
  mesh: 'default',
  name,
  networking: { address: '127.0.0.1', inbound: [{ port: 8080, tags: { 'kuma.io/service': 'backend' } }] },
});

describe('multi-zone federation with real processes, etcd and Redis, over TLS with zone tokens', () => {
  let etcd: TestServer;
  let redis1: TestServer;
  let redis2: TestServer;
  let global: ControlPlaneProcess;
  let zone1: ControlPlaneProcess;
  let zone2: ControlPlaneProcess;
  const cli = meshctl();

  const zoneEnv = async (name: string, redis: TestServer) => ({
    ...(await cli.zoneEnv(name, global.kdsHostPort)),
    MESHWORK_STORE_TYPE: 'redis',
    MESHWORK_STORE_REDIS_URL: redis.url,
    MESHWORK_KDS_RECONNECT_BASE_MS: '100',
    MESHWORK_KDS_RECONNECT_MAX_MS: '1000',
  });
  const zoneStatus = async () => {
    const out = (await cli.run(['get', 'zones'])).stdout;
    return Object.fromEntries([...out.matchAll(/^(zone-\d)\s+(Online|Offline)/gm)].map((m) => [m[1], m[2]]));
  };

  beforeAll(async () => {
    [etcd, redis1, redis2] = await Promise.all([startEtcd(), startRedis(), startRedis()]);
    global = await startControlPlane({ mode: 'global', env: { MESHWORK_STORE_TYPE: 'etcd', MESHWORK_STORE_ETCD_ENDPOINTS: etcd.url, MESHWORK_KDS_HEARTBEAT_INTERVAL_MS: '1000' } });
    expect((await cli.run(['config', 'control-planes', 'add', '--name', 'global', '--address', global.apiUrl])).code).toBe(0);
    // The secure defaults: KDS over TLS with global's self-signed certificate pinned, and a zone token per zone.
    const [env1, env2] = [await zoneEnv('zone-1', redis1), await zoneEnv('zone-2', redis2)];
    [zone1, zone2] = await Promise.all([startControlPlane({ mode: 'zone', env: env1 }), startControlPlane({ mode: 'zone', env: env2 })]);
  });

  afterAll(async () => {
    for (const p of [zone1, zone2, global]) await p?.[Symbol.asyncDispose]();
    for (const s of [etcd, redis1, redis2]) await s?.[Symbol.asyncDispose]();
  });

  it('a policy applied with meshctl at global appears in both zones', async () => {
    await waitFor(async () => (await list(zone1, '/meshes')).length === 1 && (await list(zone2, '/meshes')).length === 1, { what: 'zones to get the default mesh' });
    // Kuma's default policies, created at global with the mesh, reach the zones too.
    const retries = async (zone: ControlPlaneProcess) => (await list(zone, '/meshes/default/meshretries')).map((p) => p.labels?.['kuma.io/display-name']);
    await waitFor(async () => (await retries(zone1)).includes('mesh-retry-all-default') && (await retries(zone2)).includes('mesh-retry-all-default'), { what: 'the default MeshRetry in both zones' });
    const started = Date.now();
    const apply = await cli.run(['apply', '-f', '-'], policy('timeout-1', '30s'));
    expect(apply.code).toBe(0);
    const arrived: Record<string, number> = {};
    await waitFor(async () => {
      for (const [name, zone] of [['zone-1', zone1], ['zone-2', zone2]] as const) {
        if (!arrived[name] && (await timeouts(zone)).some((p) => p.labels?.['kuma.io/display-name'] === 'timeout-1')) arrived[name] = Date.now() - started;
      }
      return Object.keys(arrived).length === 2;
    }, { what: 'the policy in both zones' });
    console.log(`policy applied at global reached zones in (ms, including the meshctl process): ${JSON.stringify(arrived)}`);
    const [p] = await timeouts(zone1);
    expect(p!.labels).toMatchObject({ 'kuma.io/origin': 'global' });
    // Global-owned types are read-only on the zone.
    const put = await fetch(`${zone1.apiUrl}/meshes/default/meshtimeouts/${p!.name}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'MeshTimeout', mesh: 'default', name: p!.name, labels: p!.labels, spec: { to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '1s' } }] } }) });
    expect(put.status).toBe(405);
    // Global's metrics count the delivery (response → zone's ACK) of the policy's type.
    await waitFor(async () => /^meshwork_kds_delivery_seconds_count\{type="[^"]*MeshTimeout"\} [1-9]/m.test(await (await fetch(`${global.diagnosticsUrl}/metrics`)).text()), { what: 'KDS delivery metric' });
  });

  it('a dataplane created in zone-1 appears at global with kuma.io/zone: zone-1, and in no other zone', async () => {
    const put = await fetch(`${zone1.apiUrl}/meshes/default/dataplanes/backend-1`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(dataplane('backend-1')) });
    expect(put.status).toBe(201);
    const [dp] = await waitFor(async () => {
      const items = await list(global, '/meshes/default/dataplanes');
      return items.length === 1 ? items : undefined;
    }, { what: 'the dataplane at global' });
    expect(dp!.labels).toMatchObject({ 'kuma.io/zone': 'zone-1', 'kuma.io/origin': 'zone', 'kuma.io/display-name': 'backend-1' });
    expect(await list(zone2, '/meshes/default/dataplanes')).toEqual([]);
    const got = await cli.run(['get', 'dataplanes']);
    expect(got.stdout).toMatch(/default\s+backend-1-\w+\s+Offline\s+kuma\.io\/service=backend/);
  });

  it('syncs a zone-origin policy applied on a zone up to global, and keeps it out of other zones', async () => {
    const local = policy('zone-local', '3s').replace('mesh: default\n', 'mesh: default\nlabels: {kuma.io/origin: zone}\n');
    const zoneCli = meshctl();
    expect((await zoneCli.run(['config', 'control-planes', 'add', '--name', 'zone-1', '--address', zone1.apiUrl])).code).toBe(0);
    const refused = await zoneCli.run(['apply', '-f', '-'], policy('no-origin', '3s'));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/\* labels\["kuma.io\/origin"\]: must be "zone"/);
    expect((await zoneCli.run(['apply', '-f', '-'], local)).code).toBe(0);
    await waitFor(async () => (await timeouts(global)).some((p) => p.labels?.['kuma.io/display-name'] === 'zone-local' && p.labels['kuma.io/zone'] === 'zone-1'), { what: 'the zone policy at global' });
    expect((await timeouts(zone2)).map((p) => p.labels?.['kuma.io/display-name'])).toEqual(['timeout-1']);
    expect((await zoneCli.run(['delete', 'meshtimeout', 'zone-local'])).code).toBe(0);
    await waitFor(async () => !(await timeouts(global)).some((p) => p.labels?.['kuma.io/display-name'] === 'zone-local'), { what: 'the deletion at global' });
  });

  it('shows zones online; a killed zone goes offline, keeps its resources at global and in other zones, and comes back', async () => {
    const ingress = { type: 'ZoneIngress', name: 'ingress', networking: { address: '127.0.0.1', port: 10001, advertisedAddress: '127.0.0.1', advertisedPort: 10001 } };
    expect((await fetch(`${zone1.apiUrl}/zoneingresses/ingress`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ingress) })).status).toBe(201);
    // Zone-1 fills in the ingress's availableServices (its backend-1); wait for that to arrive too.
    await waitFor(async () => (await list(zone2, '/zoneingresses')).some((i) => i.labels?.['kuma.io/zone'] === 'zone-1' && ((i as Item & { availableServices?: unknown[] }).availableServices?.length ?? 0) > 0), { what: "zone-1's ingress with its services in zone-2" });
    const inZone2 = await list(zone2, '/zoneingresses');
    await waitFor(async () => JSON.stringify(await zoneStatus()) === JSON.stringify({ 'zone-1': 'Online', 'zone-2': 'Online' }), { what: 'both zones online' });
    const before = await list(global, '/meshes/default/dataplanes');
    await zone1.stop('SIGKILL');
    await waitFor(async () => (await zoneStatus())['zone-1'] === 'Offline', { what: 'zone-1 offline', timeoutMs: 30_000 });
    const overview = (await (await fetch(`${global.apiUrl}/zones/_overview`)).json()) as { items: { name: string; zoneInsight: { subscriptions: { disconnectTime?: string; status: { stat: Record<string, { responsesSent: number }> } }[] } }[] };
    const z1 = overview.items.find((i) => i.name === 'zone-1')!;
    expect(z1.zoneInsight.subscriptions.at(-1)!.disconnectTime).toBeDefined();
    expect(z1.zoneInsight.subscriptions.at(-1)!.status.stat.MeshTimeout!.responsesSent).toBeGreaterThan(0);
    // A zone's disconnect never deletes its resources at global, nor in other zones.
    expect(await list(global, '/meshes/default/dataplanes')).toEqual(before);
    expect(await list(zone2, '/zoneingresses')).toEqual(inZone2);
    await zone1.start();
    await waitFor(async () => (await zoneStatus())['zone-1'] === 'Online', { what: 'zone-1 back online' });
    // Its store survived (Redis), so the resync changes nothing at global or in zone-2.
    expect(await list(global, '/meshes/default/dataplanes')).toEqual(before);
    expect(await list(zone2, '/zoneingresses')).toEqual(inZone2);
    expect((await timeouts(zone1)).length).toBe(1);
  });

  it('zones keep serving while global is down, and everything converges when it is back', async () => {
    await global.stop('SIGKILL');
    // The zone still serves its last state and accepts local dataplanes.
    expect((await timeouts(zone2)).length).toBe(1);
    const put = await fetch(`${zone2.apiUrl}/meshes/default/dataplanes/web-1`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(dataplane('web-1')) });
    expect(put.status).toBe(201);
    // A zone restarted while global is down serves its last state from its store.
    const inZone2Before = await list(zone2, '/zoneingresses');
    expect(inZone2Before.length).toBe(1);
    expect(await zone2.stop()).toBe(0);
    await zone2.start();
    expect((await timeouts(zone2)).length).toBe(1);
    expect(await list(zone2, '/zoneingresses')).toEqual(inZone2Before);
    await global.start();
    await waitFor(async () => (await list(global, '/meshes/default/dataplanes')).length === 2, { what: 'web-1 at global after its restart' });
    expect((await cli.run(['apply', '-f', '-'], policy('timeout-2', '10s'))).code).toBe(0);
    await waitFor(async () => (await timeouts(zone1)).length === 2 && (await timeouts(zone2)).length === 2, { what: 'timeout-2 in both zones' });
  });

  it('restarting etcd and Redis loses nothing and converges again', async () => {
    await etcd.restart();
    await redis1.restart();
    // Writes work again once the stores are back; deletes propagate too.
    await waitFor(async () => (await cli.run(['apply', '-f', '-'], policy('timeout-3', '5s'))).code === 0, { what: 'global to write to etcd again' });
    expect((await cli.run(['delete', 'meshtimeout', 'timeout-1'])).code).toBe(0);
    const names = async (zone: ControlPlaneProcess) => (await timeouts(zone)).map((p) => p.labels!['kuma.io/display-name']).sort();
    await waitFor(async () => JSON.stringify(await names(zone1)) === '["timeout-2","timeout-3"]' && JSON.stringify(await names(zone2)) === '["timeout-2","timeout-3"]', { what: 'zones to converge after the store restarts' });
    expect((await list(global, '/meshes/default/dataplanes')).map((d) => d.labels!['kuma.io/display-name']).sort()).toEqual(['backend-1', 'web-1']);
  });

  it('creates the builtin CA of a mesh on global and syncs the same CA to every zone', async () => {
    const apply = await cli.run(['apply', '-f', '-'], 'type: Mesh\nname: default\nmtls:\n  enabledBackend: ca-1\n  backends:\n    - {name: ca-1, type: builtin}\n');
    expect(apply.code).toBe(0);
    type Secret = Item & { data: string };
    const caIn = async (cp: ControlPlaneProcess) => ((await list(cp, '/meshes/default/secrets')) as Secret[]).find((x) => x.name === 'default.ca-builtin-cert-ca-1');
    const atGlobal = await waitFor(() => caIn(global), { what: 'the CA at global' });
    for (const zone of [zone1, zone2]) {
      const synced = await waitFor(() => caIn(zone), { what: 'the CA in a zone' });
      expect(synced.data).toBe(atGlobal.data);
      expect(synced.labels).toMatchObject({ 'kuma.io/origin': 'global' });
    }
  });
});
