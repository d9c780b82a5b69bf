import { createServer, type Server } from 'node:http';
import { get as httpsGet } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlaneProcess } from '../helpers/control-plane.ts';
import { meshctl } from '../helpers/meshctl.ts';
import { freePort } from '../helpers/ports.ts';
import { startSidecar, webDataplane, type Sidecar } from '../helpers/sidecar.ts';
import { waitFor } from '../helpers/wait.ts';

// The mission in one test: a policy applied with meshctl at global changes traffic between
// real Envoy sidecars in a zone, and removing it restores traffic. The mesh (with builtin
// mTLS), its CA and the dataplane token key are all created on global and synced to the zone.

describe('a policy applied at global changes traffic in a zone', () => {
  let global: ControlPlaneProcess;
  let zone: ControlPlaneProcess;
  let app: Server;
  const sidecars: Sidecar[] = [];
  const cli = meshctl();
  let outbound: string;

  const status = async () => {
    try {
      return (await fetch(outbound, { signal: AbortSignal.timeout(2000) })).status;
    } catch {
      return 0;
    }
  };
  const settled = async (s: number) => {
    for (let i = 0; i < 5; i++) if ((await status()) !== s) return false;
    return true;
  };

  beforeAll(async () => {
    global = await startControlPlane({ mode: 'global' });
    expect((await cli.run(['config', 'control-planes', 'add', '--name', 'global', '--address', global.apiUrl])).code).toBe(0);
    // mTLS on, and (as Kuma 2.x users must) a MeshTrafficPermission that allows the mesh.
    expect((await cli.run(['apply', '-f', '-'], 'type: Mesh\nname: default\nmtls:\n  enabledBackend: ca-1\n  backends:\n    - {name: ca-1, type: builtin}\n---\ntype: MeshTrafficPermission\nname: allow-all\nmesh: default\nspec:\n  targetRef: {kind: Mesh}\n  from:\n    - targetRef: {kind: Mesh}\n      default: {action: Allow}\n')).code).toBe(0);
    zone = await startControlPlane({ mode: 'zone', env: await cli.zoneEnv('zone-1', global.kdsHostPort) });
    // Wait for the mesh CA to reach the zone before starting proxies.
    await waitFor(async () => ((await (await fetch(`${zone.apiUrl}/meshes/default/secrets`)).json()) as { items: { name: string }[] }).items.some((s) => s.name === 'default.ca-builtin-cert-ca-1'), { what: 'the mesh CA in the zone' });
    const appPort = await freePort();
    app = createServer((_req, res) => res.end('backend\n'));
    await new Promise<void>((r) => app.listen(appPort, '127.0.0.1', r));
    // Dataplane tokens come from global; the zone verifies them with the synced key.
    sidecars.push(await startSidecar({ cpUrl: zone.dpServerUrl, apiUrl: global.apiUrl, dataplane: { type: 'Dataplane', mesh: 'default', name: 'backend-1', networking: { address: '127.0.6.1', inbound: [{ port: await freePort(), servicePort: appPort, tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' } }] } } }));
    const port = await freePort();
    outbound = `http://127.0.0.1:${port}/`;
    sidecars.push(await startSidecar({ cpUrl: zone.dpServerUrl, apiUrl: global.apiUrl, dataplane: await webDataplane('127.0.6.2', port) }));
    await waitFor(() => settled(200), { what: 'mTLS traffic in the zone' });
  });

  afterAll(async () => {
    for (const s of sidecars) await s[Symbol.asyncDispose]();
    app?.close();
    await zone?.[Symbol.asyncDispose]();
    await global?.[Symbol.asyncDispose]();
  });

  it('denies web → backend after a MeshTrafficPermission applied at global, and allows it again when deleted', async () => {
    const started = Date.now();
    const apply = await cli.run(['apply', '-f', '-'], 'type: MeshTrafficPermission\nname: no-web\nmesh: default\nspec:\n  targetRef: {kind: MeshService, name: backend}\n  from:\n    - targetRef: {kind: MeshService, name: web}\n      default: {action: Deny}\n');
    expect(apply.code).toBe(0);
    await waitFor(() => settled(403), { what: 'the deny in the zone' });
    console.log(`policy applied at global enforced in the zone after ${Date.now() - started} ms (including the meshctl process)`);
    // The zone shows the policy as synced from global, read-only there.
    const synced = (await (await fetch(`${zone.apiUrl}/meshes/default/meshtrafficpermissions`)).json()) as { items: { labels: Record<string, string> }[] };
    expect(synced.items.map((i) => i.labels)).toContainEqual(expect.objectContaining({ 'kuma.io/origin': 'global', 'kuma.io/display-name': 'no-web' }));
    expect((await cli.run(['delete', 'meshtrafficpermission', 'no-web'])).code).toBe(0);
    await waitFor(() => settled(200), { what: 'traffic allowed again' });
  });

  it('dataplanes registered in the zone show at global', async () => {
    const dps = await waitFor(async () => {
      const out = (await cli.run(['get', 'dataplanes'])).stdout;
      return out.includes('backend-1') && out.includes('web-1') ? out : undefined;
    }, { what: 'dataplanes at global' });
    expect(dps).toMatch(/backend-1-\w+\s+Online/);
    // As in Kuma, the zone tags their inbounds with kuma.io/zone, so policies can select by zone.
    const [backendAtGlobal] = JSON.parse((await cli.run(['get', 'dataplanes', '-o', 'json'])).stdout).items.filter((d: { name: string }) => d.name.startsWith('backend-1')) as { networking: { inbound: { tags: Record<string, string> }[] } }[];
    expect(backendAtGlobal!.networking.inbound[0]!.tags['kuma.io/zone']).toBe('zone-1');
    const selected = await fetch(`${global.apiUrl}/meshes/default/meshtimeouts/zone-1-only/_resources/dataplanes`);
    expect(selected.status).toBe(404);
    expect((await cli.run(['apply', '-f', '-'], 'type: MeshTimeout\nname: zone-1-only\nmesh: default\nspec:\n  targetRef: {kind: MeshSubset, tags: {kuma.io/zone: zone-1}}\n  to: [{targetRef: {kind: Mesh}, default: {http: {requestTimeout: 9s}}}]\n')).code).toBe(0);
    const names = ((await (await fetch(`${global.apiUrl}/meshes/default/meshtimeouts/zone-1-only/_resources/dataplanes`)).json()) as { items: { name: string }[] }).items.map((i) => i.name);
    expect(names.length).toBe(2);
    await cli.run(['delete', 'meshtimeout', 'zone-1-only', '-m', 'default']);
  });

  it("reads a proxy's own Envoy admin (config dump, stats, clusters) through its zone, and through global over KDS", async () => {
    const backend = sidecars[0]!;
    const zoneDp = `${zone.apiUrl}/meshes/default/dataplanes/backend-1`;
    // The zone asks the proxy's Envoy over mTLS, on the admin listener at the proxy's address.
    const stats = await waitFor(async () => {
      const res = await fetch(`${zoneDp}/stats`);
      return res.status === 200 ? { type: res.headers.get('content-type'), text: await res.text() } : undefined;
    }, { what: "the zone reading backend-1's stats" });
    expect(stats.type).toMatch(/^text\/plain/);
    expect(stats.text).toMatch(/^cluster_manager\.cds\.update_success: [1-9]/m);
    // usedonly by default (Kuma's): a stat Envoy never updated is not listed, unless asked for.
    expect(stats.text).not.toMatch(/^cluster_manager\.cds\.update_rejected: 0$/m);
    expect(await (await fetch(`${zoneDp}/stats?usedonly=false`)).text()).toMatch(/^cluster_manager\.cds\.update_rejected: 0$/m);
    const statsJson = (await (await fetch(`${zoneDp}/stats?format=json`)).json()) as { stats: { name: string }[] };
    expect(statsJson.stats.map((x) => x.name)).toContain('cluster_manager.cds.update_success');
    const clusters = await (await fetch(`${zoneDp}/clusters`)).text();
    expect(clusters).toMatch(/^meshwork:envoy:admin::127\.0\.0\.1:\d+::health_flags::healthy$/m);
    const dump = await (await fetch(`${zoneDp}/xds`)).text();
    type Dump = { configs: { '@type': string; bootstrap?: { dynamic_resources: { ads_config: { grpc_services: { initial_metadata?: { key: string; value: string }[] }[] } } }; dynamic_listeners?: { name: string }[] }[] };
    const configs = (JSON.parse(dump) as Dump).configs;
    // Envoy redacts the keys of its listeners; the proxy's dataplane token is redacted by the zone.
    expect(dump).not.toContain('PRIVATE KEY');
    expect(configs[0]!.bootstrap!.dynamic_resources.ads_config.grpc_services[0]!.initial_metadata).toEqual([{ key: 'authorization', value: '[redacted]' }]);
    expect(configs.find((c) => c['@type'].endsWith('ListenersConfigDump'))!.dynamic_listeners!.map((l) => l.name)).toContain('meshwork:envoy:admin');
    expect(await (await fetch(`${zoneDp}/xds?include_eds=true`)).text()).toContain('EndpointsConfigDump');

    // The admin listener itself: /ready for anyone in plaintext, the rest only to the zone CP's certificate.
    const adminAt = `127.0.6.1:${backend.adminPort}`;
    expect((await (await fetch(`http://${adminAt}/ready`)).text()).trim()).toBe('LIVE');
    expect((await fetch(`http://${adminAt}/stats`)).status).toBe(404);
    const handshake = await new Promise<string>((resolve) => {
      const req = httpsGet({ host: '127.0.6.1', port: backend.adminPort, path: '/stats', rejectUnauthorized: false }, (res) => resolve(`answered ${res.statusCode}`));
      req.on('error', (err) => resolve(`refused: ${err.message}`));
    });
    expect(handshake).toMatch(/^refused/);

    // Global forwards to the zone the proxy is in (its name at global has the zone's hash suffix), as kumactl asks it.
    const atGlobal = JSON.parse((await cli.run(['get', 'dataplanes', '-o', 'json'])).stdout).items.find((d: { name: string }) => d.name.startsWith('backend-1-')) as { name: string };
    const viaGlobal = await cli.run(['inspect', 'dataplane', atGlobal.name, '--type=stats']);
    expect(viaGlobal.code).toBe(0);
    expect(viaGlobal.stdout).toMatch(/^cluster_manager\.cds\.update_success: [1-9]/m);
    const clustersViaGlobal = await fetch(`${global.apiUrl}/meshes/default/dataplanes/${atGlobal.name}/clusters?format=json`);
    expect(clustersViaGlobal.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await clustersViaGlobal.json()) as { cluster_statuses: { name: string }[] }).cluster_statuses.map((c) => c.name)).toContain('meshwork:envoy:admin');
    const dumpViaGlobal = await cli.run(['inspect', 'dataplane', atGlobal.name, '--type=config-dump']);
    expect(dumpViaGlobal.code).toBe(0);
    expect(dumpViaGlobal.stdout).not.toContain('PRIVATE KEY');
    expect(JSON.parse(dumpViaGlobal.stdout)).toHaveProperty('configs');
    // A proxy global does not know is a 404 naming it; the zone's own errors come back with their codes.
    const unknown = await fetch(`${global.apiUrl}/meshes/default/dataplanes/nobody/stats`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'NOT_FOUND' });
  });
});
