import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlaneProcess } from '../helpers/control-plane.ts';
import { meshctl } from '../helpers/meshctl.ts';
import { freePort } from '../helpers/ports.ts';
import { startSidecar, webDataplane, type Sidecar } from '../helpers/sidecar.ts';
import { waitFor } from '../helpers/wait.ts';

// Cross-zone traffic with real processes and Envoy: web in zone-1 calls backend through
// zone-2's ingress (SNI routing, mTLS end to end), local endpoints first with failover to
// the other zone, a policy applied at global across zones, and an ingress that refuses
// connections whose SNI matches no service.

describe('cross-zone traffic through zone ingresses', () => {
  let global: ControlPlaneProcess;
  const zones: Record<string, ControlPlaneProcess> = {};
  const apps: Server[] = [];
  const sidecars: Record<string, Sidecar> = {};
  const cli = meshctl();
  let outbound: string;
  let ingressPort: number;

  const backendApp = async (label: string) => {
    const port = await freePort();
    const app = createServer((req, res) => res.end(`${label} xfcc=${req.headers['x-forwarded-client-cert'] ?? 'none'}\n`));
    apps.push(app);
    await new Promise<void>((r) => app.listen(port, '127.0.0.1', r));
    return port;
  };
  const answer = async () => {
    try {
      const res = await fetch(outbound, { signal: AbortSignal.timeout(3000) });
      return `${res.status} ${(await res.text()).trim()}`;
    } catch {
      return 'failed';
    }
  };
  const all = async (pattern: RegExp, n = 6) => {
    for (let i = 0; i < n; i++) if (!pattern.test(await answer())) return false;
    return true;
  };

  beforeAll(async () => {
    global = await startControlPlane({ mode: 'global' });
    expect((await cli.run(['config', 'control-planes', 'add', '--name', 'global', '--address', global.apiUrl])).code).toBe(0);
    // mTLS on, and (as Kuma 2.x users must) a MeshTrafficPermission that allows the mesh.
    expect((await cli.run(['apply', '-f', '-'], 'type: Mesh\nname: default\nmtls:\n  enabledBackend: ca-1\n  backends:\n    - {name: ca-1, type: builtin}\n---\ntype: MeshTrafficPermission\nname: allow-all\nmesh: default\nspec:\n  targetRef: {kind: Mesh}\n  from:\n    - targetRef: {kind: Mesh}\n      default: {action: Allow}\n')).code).toBe(0);
    for (const name of ['zone-1', 'zone-2']) {
      zones[name] = await startControlPlane({ mode: 'zone', env: { ...(await cli.zoneEnv(name, global.kdsHostPort)), MESHWORK_DP_SERVER_DATAPLANE_GRACE_PERIOD_MS: '300' } });
      await waitFor(async () => ((await (await fetch(`${zones[name]!.apiUrl}/meshes/default/secrets`)).json()) as { items: { name: string }[] }).items.some((s) => s.name.includes('ca-builtin-cert')), { what: `the CA in ${name}` });
    }
    // zone-2: its ingress (with a token from zone-2) and the backend.
    ingressPort = await freePort();
    const tokenRes = await fetch(`${zones['zone-2']!.apiUrl}/tokens/zone-ingress`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"validFor":"1h"}' });
    expect(tokenRes.status).toBe(200);
    const tokenFile = join(mkdtempSync(join(tmpdir(), 'ingress-')), 'token');
    writeFileSync(tokenFile, await tokenRes.text());
    sidecars.ingress = await startSidecar({
      cpUrl: zones['zone-2']!.dpServerUrl,
      dataplane: { type: 'ZoneIngress', name: 'ingress-2', networking: { address: '127.0.7.20', port: ingressPort, advertisedAddress: '127.0.7.20', advertisedPort: ingressPort } },
      extraArgs: ['--proxy-type', 'ingress', '--dataplane-token-file', tokenFile],
    });
    const backend2 = await backendApp('backend-zone-2');
    sidecars.backend2 = await startSidecar({ cpUrl: zones['zone-2']!.dpServerUrl, apiUrl: global.apiUrl, dataplane: { type: 'Dataplane', mesh: 'default', name: 'backend-2', networking: { address: '127.0.7.2', inbound: [{ port: await freePort(), servicePort: backend2, tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' } }] } } });
    // zone-1: web, calling backend, which runs only in zone-2 for now.
    const port = await freePort();
    outbound = `http://127.0.0.1:${port}/`;
    sidecars.web = await startSidecar({ cpUrl: zones['zone-1']!.dpServerUrl, apiUrl: global.apiUrl, dataplane: await webDataplane('127.0.7.1', port) });
  });

  afterAll(async () => {
    for (const s of Object.values(sidecars)) await s[Symbol.asyncDispose]();
    for (const a of apps) a.close();
    for (const z of Object.values(zones)) await z[Symbol.asyncDispose]();
    await global?.[Symbol.asyncDispose]();
  });

  it('reaches a backend that runs only in zone-2, through its ingress, with mTLS end to end', async () => {
    const first = await waitFor(async () => {
      const a = await answer();
      return a.startsWith('200 backend-zone-2') ? a : undefined;
    }, { what: 'cross-zone traffic', timeoutMs: 45_000 });
    // The backend's sidecar saw web's identity: the ingress did not terminate TLS.
    expect(first).toMatch(/URI=spiffe:\/\/default\/web/);
    const ingresses = (await (await fetch(`${zones['zone-1']!.apiUrl}/zoneingresses`)).json()) as { items: { zone: string; availableServices: { tags: Record<string, string>; instances: number }[] }[] };
    expect(ingresses.items[0]).toMatchObject({ zone: 'zone-2', availableServices: [{ tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' }, instances: 1 }] });
  });

  it('keeps traffic local while a local backend exists, fails over to zone-2 when it stops, and comes back', async () => {
    const backend1 = await backendApp('backend-zone-1');
    const dataplane = { type: 'Dataplane', mesh: 'default', name: 'backend-1', networking: { address: '127.0.7.3', inbound: [{ port: await freePort(), servicePort: backend1, tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' } }] } };
    sidecars.backend1 = await startSidecar({ cpUrl: zones['zone-1']!.dpServerUrl, apiUrl: global.apiUrl, dataplane });
    await waitFor(() => all(/^200 backend-zone-1/), { what: 'local traffic' });
    expect(await sidecars.backend1.stop()).toBe(0);
    await waitFor(() => all(/^200 backend-zone-2/), { what: 'failover to zone-2' });
    sidecars.backend1 = await startSidecar({ cpUrl: zones['zone-1']!.dpServerUrl, apiUrl: global.apiUrl, dataplane });
    await waitFor(() => all(/^200 backend-zone-1/), { what: 'back to local' });
    expect(await sidecars.backend1.stop()).toBe(0);
    await waitFor(() => all(/^200 backend-zone-2/), { what: 'zone-2 again' });
  });

  it('a MeshTrafficPermission applied at global denies cross-zone calls from web', async () => {
    expect((await cli.run(['apply', '-f', '-'], 'type: MeshTrafficPermission\nname: no-web\nmesh: default\nspec:\n  targetRef: {kind: MeshService, name: backend}\n  from:\n    - targetRef: {kind: MeshService, name: web}\n      default: {action: Deny}\n')).code).toBe(0);
    await waitFor(() => all(/^403/), { what: 'cross-zone deny' });
    expect((await cli.run(['delete', 'meshtrafficpermission', 'no-web'])).code).toBe(0);
    await waitFor(() => all(/^200 backend-zone-2/), { what: 'allowed again' });
  });

  it('the ingress refuses a connection without a matching SNI', async () => {
    const reply = await new Promise<string>((resolve) => {
      const s = connect(ingressPort, '127.0.7.20');
      let data = '';
      s.on('connect', () => s.write('GET / HTTP/1.1\r\nHost: backend\r\n\r\n'));
      s.on('data', (d) => (data += d.toString()));
      s.on('close', () => resolve(data === '' ? 'closed without a reply' : data));
      s.on('error', () => resolve('closed without a reply'));
      s.setTimeout(5000, () => {
        s.destroy();
        resolve('timeout');
      });
    });
    expect(reply).toBe('closed without a reply');
  });

  it("reads the zone ingress's own Envoy admin through its zone and through global; another zone refuses", async () => {
    const zone2 = `${zones['zone-2']!.apiUrl}/zoneingresses/ingress-2`;
    const stats = await waitFor(async () => {
      const res = await fetch(`${zone2}/stats`);
      return res.status === 200 ? res.text() : undefined;
    }, { what: "zone-2 reading its ingress's stats" });
    expect(stats).toMatch(/^listener_manager\.lds\.update_success: [1-9]/m);
    const dump = await (await fetch(`${zone2}/xds`)).text();
    expect(dump).toContain('meshwork:envoy:admin');
    expect(dump).not.toContain('PRIVATE KEY');
    // zone-1 holds ingress-2 (synced from global) but cannot reach it: Kuma's answer, a 400.
    const inZone1 = ((await (await fetch(`${zones['zone-1']!.apiUrl}/zoneingresses`)).json()) as { items: { name: string }[] }).items.find((i) => i.name.startsWith('ingress-2'))!;
    const fromZone1 = await fetch(`${zones['zone-1']!.apiUrl}/zoneingresses/${inZone1.name}/stats`);
    expect(fromZone1.status).toBe(400);
    expect(((await fromZone1.json()) as { detail: string }).detail).toMatch(/in zone "zone-2"/);
    const atGlobal = ((await (await fetch(`${global.apiUrl}/zoneingresses`)).json()) as { items: { name: string }[] }).items.find((i) => i.name.startsWith('ingress-2-'))!;
    const viaGlobal = await cli.run(['inspect', 'zoneingress', atGlobal.name, '--type=clusters']);
    expect(viaGlobal.stderr).toBe('');
    expect(viaGlobal.code).toBe(0);
    expect(viaGlobal.stdout).toMatch(/^meshwork:envoy:admin::127\.0\.0\.1:\d+::health_flags::healthy$/m);
  });
});
