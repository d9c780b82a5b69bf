import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlaneProcess } from '../helpers/control-plane.ts';
import { meshctl } from '../helpers/meshctl.ts';
import { startRedis, type TestServer } from '../helpers/servers.ts';
import { waitFor } from '../helpers/wait.ts';

// The real-resource service model on one zone (Kuma 2.14): a zone CP on Redis generates
// MeshServices from its Dataplanes once the mesh's meshServices.mode asks for them, gives
// each a VIP and the hostnames of its HostnameGenerators, counts its proxies, keeps all of it
// across a restart, and removes what it generated after the grace period (or at once in a
// Disabled mesh). A user's own MeshService gets the same status and is never removed.

type Ms = { name: string; labels: Record<string, string>; spec: { ports?: { port: number; name?: string; appProtocol?: string }[]; state?: string }; status: { vips?: { ip: string }[]; addresses?: { hostname: string }[]; dataplaneProxies?: { total?: number; connected?: number; healthy?: number } } };

describe('MeshServices on a zone', () => {
  let zone: ControlPlaneProcess;
  let global: ControlPlaneProcess;
  let redis: TestServer;
  const put = (path: string, body: object) => fetch(`${zone.apiUrl}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const services = async () => ((await (await fetch(`${zone.apiUrl}/meshes/default/meshservices`)).json()) as { items: Ms[] }).items;
  const service = async (name: string) => (await services()).find((s) => s.name === name);
  const dataplane = (name: string, service: string, port: number, extra: object = {}) => ({ type: 'Dataplane', mesh: 'default', name, networking: { address: '127.0.7.1', inbound: [{ port, tags: { 'kuma.io/service': service, 'kuma.io/protocol': 'http' } }] }, ...extra });

  beforeAll(async () => {
    redis = await startRedis();
    zone = await startControlPlane({ mode: 'zone', env: { MESHWORK_STORE_TYPE: 'redis', MESHWORK_STORE_REDIS_URL: redis.url, MESHWORK_ZONE_NAME: 'zone-1', MESHWORK_MESH_SERVICE_DELETION_GRACE_PERIOD_MS: '1500' } });
    global = await startControlPlane({ mode: 'global' });
  });
  afterAll(async () => {
    await zone?.[Symbol.asyncDispose]();
    await global?.[Symbol.asyncDispose]();
    await redis?.[Symbol.asyncDispose]();
  });

  it("creates Kuma's default HostnameGenerators: the local ones on a zone, the synced ones on global", async () => {
    const names = async (url: string) => ((await (await fetch(`${url}/hostnamegenerators`)).json()) as { items: { name: string }[] }).items.map((i) => i.name);
    await waitFor(async () => (await names(zone.apiUrl)).length === 2, { what: "the zone's default HostnameGenerators" });
    expect(await names(zone.apiUrl)).toEqual(['local-mesh-external-service', 'local-universal-mesh-service']);
    await waitFor(async () => (await names(global.apiUrl)).length === 5, { what: "global's default HostnameGenerators" });
    expect(await names(global.apiUrl)).toEqual(['synced-headless-kube-mesh-service', 'synced-kube-mesh-service', 'synced-mesh-external-service', 'synced-mesh-multi-zone-service', 'synced-universal-mesh-service']);
  });

  it('generates nothing while the mesh is Disabled (the default)', async () => {
    expect((await put('/meshes/default/dataplanes/backend-1', dataplane('backend-1', 'backend', 8080))).status).toBe(201);
    expect((await put('/meshes/default/dataplanes/backend-2', dataplane('backend-2', 'backend', 8080))).status).toBe(201);
    expect((await put('/meshes/default/dataplanes/redis-1', dataplane('redis-1', 'redis', 6379))).status).toBe(201);
    // A user's MeshService is served (and gets its status) whatever the mode.
    const payments = { type: 'MeshService', mesh: 'default', name: 'payments', labels: { team: 'pay' }, spec: { selector: { dataplaneTags: { 'kuma.io/service': 'redis' } }, ports: [{ port: 6379, targetPort: 6379 }] }, status: { vips: [{ ip: '10.9.9.9' }] } };
    expect((await put('/meshes/default/meshservices/payments', payments)).status).toBe(201);
    await waitFor(async () => (await service('payments'))?.status.vips?.length === 1, { what: "the user's MeshService to get a VIP" });
    const mine = (await service('payments'))!;
    // The status given in the PUT was not taken: the CP's VIP is in its CIDR.
    expect(mine.status.vips![0]!.ip).toMatch(/^241\./);
    expect(mine.status.addresses).toEqual([{ hostname: 'payments.svc.mesh.local', origin: 'HostnameGenerator', hostnameGeneratorRef: { coreName: 'local-universal-mesh-service' } }]);
    expect(mine.status.dataplaneProxies).toEqual({ total: 1, healthy: 1 });
    // No mesh mTLS: Kuma's updater says NotReady.
    expect((mine.status as { tls?: unknown }).tls).toEqual({ status: 'NotReady' });
    expect(mine.spec.state).toBe('Available');
    expect((await services()).map((s) => s.name)).toEqual(['payments']);
  });

  it('generates a MeshService per service with mode Everywhere: ports from the inbounds, a VIP each, its hostname, its proxies', async () => {
    const mesh = (await (await fetch(`${zone.apiUrl}/meshes/default`)).json()) as object;
    expect((await put('/meshes/default', { ...mesh, meshServices: { mode: 'Everywhere' } })).status).toBe(200);
    await waitFor(async () => (await services()).filter((s) => s.status.vips && s.status.addresses).length === 3, { what: 'backend and redis generated, with VIPs and hostnames' });
    const backend = (await service('backend'))!;
    expect(backend.labels).toMatchObject({ 'kuma.io/managed-by': 'meshservice-generator', 'kuma.io/origin': 'zone', 'kuma.io/zone': 'zone-1', 'kuma.io/env': 'universal' });
    expect(backend.spec.ports).toEqual([{ name: '8080', port: 8080, targetPort: 8080, appProtocol: 'http' }]);
    expect(backend.status.addresses!.map((a) => a.hostname)).toEqual(['backend.svc.mesh.local']);
    expect(backend.status.dataplaneProxies).toEqual({ total: 2, healthy: 2 });
    const vips = (await services()).map((s) => s.status.vips![0]!.ip);
    expect(new Set(vips).size).toBe(3);
    // meshctl (and kumactl) list them.
    const cli = meshctl();
    expect((await cli.run(['config', 'control-planes', 'add', '--name', 'zone', '--address', zone.apiUrl])).code).toBe(0);
    const table = await cli.run(['get', 'meshservices']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/backend/);
    expect(table.stdout).toMatch(/payments/);
  });

  it('keeps every VIP across a restart of the zone CP', async () => {
    const before = Object.fromEntries((await services()).map((s) => [s.name, s.status.vips![0]!.ip]));
    expect(await zone.stop()).toBe(0);
    await zone.start();
    // A new generated service after the restart gets a VIP no other service has.
    expect((await put('/meshes/default/dataplanes/web-1', dataplane('web-1', 'web', 3000))).status).toBe(201);
    await waitFor(async () => (await service('web'))?.status.vips?.length === 1, { what: 'web generated after the restart, with a VIP' });
    const after = Object.fromEntries((await services()).map((s) => [s.name, s.status.vips![0]!.ip]));
    expect({ ...after, web: undefined }).toEqual({ ...before, web: undefined });
    expect(Object.values(before)).not.toContain(after.web);
  });

  it('shows a proxy\'s layout (inbounds and the MeshService ports it reaches) with meshctl in mode Exclusive', async () => {
    const mesh = (await (await fetch(`${zone.apiUrl}/meshes/default`)).json()) as object;
    expect((await put('/meshes/default', { ...mesh, meshServices: { mode: 'Exclusive' } })).status).toBe(200);
    const cli = meshctl();
    expect((await cli.run(['config', 'control-planes', 'add', '--name', 'zone', '--address', zone.apiUrl])).code).toBe(0);
    const out = await cli.run(['inspect', 'dataplane', 'backend-1', '--type', 'layout', '-o', 'json']);
    expect(out.code, out.stderr).toBe(0);
    const layout = JSON.parse(out.stdout) as { inbounds: { kri: string; port: number }[]; outbounds: { kri: string; port: number; protocol: string }[] };
    expect(layout.inbounds).toEqual([expect.objectContaining({ kri: 'kri_dp_default_zone-1__backend-1_8080', port: 8080, protocol: 'http' })]);
    expect(layout.outbounds.map((o) => `${o.kri} ${o.port} ${o.protocol}`)).toEqual(['kri_msvc_default_zone-1__backend_8080 8080 http', 'kri_msvc_default_zone-1__payments_6379 6379 tcp', 'kri_msvc_default_zone-1__redis_6379 6379 http', 'kri_msvc_default_zone-1__web_3000 3000 http']);
  });

  it('removes a generated MeshService after the grace period once its last Dataplane is gone, and all of them at once when the mesh is Disabled again', async () => {
    expect((await fetch(`${zone.apiUrl}/meshes/default/dataplanes/web-1`, { method: 'DELETE' })).status).toBe(200);
    await waitFor(async () => (await service('web'))?.labels['kuma.io/deletion-grace-period-started-at'] !== undefined, { what: 'web marked for deletion' });
    await waitFor(async () => (await service('web')) === undefined, { what: 'web deleted after the grace period' });
    const mesh = (await (await fetch(`${zone.apiUrl}/meshes/default`)).json()) as object;
    expect((await put('/meshes/default', { ...mesh, meshServices: { mode: 'Disabled' } })).status).toBe(200);
    await waitFor(async () => (await services()).length === 1, { what: 'the generated MeshServices deleted' });
    expect((await services()).map((s) => s.name)).toEqual(['payments']);
  });
});
