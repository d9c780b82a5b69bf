import { createServer, type Server } from 'node:http';
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
});
