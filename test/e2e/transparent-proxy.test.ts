import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlaneProcess } from '../helpers/control-plane.ts';
import { envoyBinary } from '../helpers/envoy.ts';
import { freePort } from '../helpers/ports.ts';
import { MESHCTL, MESHWORK_DP, stopChild } from '../helpers/processes.ts';
import { dataplaneFile, dataplaneTokenFile, startSidecar, type Sidecar } from '../helpers/sidecar.ts';
import { waitFor } from '../helpers/wait.ts';

// Transparent proxying on Universal, for real: a network namespace of the test's own, joined
// to the host by a veth pair, runs an application and its meshwork-dp + Envoy (as uid 5678).
// `meshctl install transparent-proxy` sets up the iptables redirection in the namespace; the
// application then calls http://backend.svc.mesh.local:<port>/ with no proxy settings: its
// DNS query goes to meshwork-dp's DNS proxy (the MeshService's VIP), its connection to Envoy's
// VIP listener, and on to the backend outside the namespace. `meshctl uninstall` removes it
// all. Needs root, `ip` (iproute2) and `iptables` (installed by .ci/run).

const DP_UID = 5678;
const id = process.pid % 200;
const NS = `mwtp${process.pid}`;
const HOST_IF = `mwh${process.pid % 100000}`;
const NS_IF = `mwn${process.pid % 100000}`;
const HOST_IP = `10.213.${id}.1`;
const NS_IP = `10.213.${id}.2`;

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.error?.message ?? r.stderr.trim()}`);
  return r.stdout;
}
const inNs = (cmd: string, args: string[]) => sh('ip', ['netns', 'exec', NS, cmd, ...args]);

/** Runs a Node snippet in the namespace as root (an application: its traffic is redirected); its stdout. */
function nodeInNs(code: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', NS, process.execPath, '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(out.trim());
    });
  });
}

const get = (url: string) => nodeInNs(`fetch(${JSON.stringify(url)}, { signal: AbortSignal.timeout(5000) }).then((r) => r.text()).then((t) => console.log(t.trim()), (e) => console.log('ERROR ' + (e.cause?.code ?? e.message)))`);

describe('transparent proxying in a network namespace', () => {
  let zone: ControlPlaneProcess;
  let app: Server;
  let backend: Sidecar;
  let client: (ChildProcess & { log: () => string }) | undefined;
  let backendPort: number;
  const adminPort = 9911;

  beforeAll(async () => {
    if (process.getuid?.() !== 0) throw new Error('this test needs root (network namespaces, iptables)');
    sh('ip', ['netns', 'add', NS]);
    sh('ip', ['link', 'add', HOST_IF, 'type', 'veth', 'peer', 'name', NS_IF]);
    sh('ip', ['link', 'set', NS_IF, 'netns', NS]);
    sh('ip', ['addr', 'add', `${HOST_IP}/30`, 'dev', HOST_IF]);
    sh('ip', ['link', 'set', HOST_IF, 'up']);
    inNs('ip', ['addr', 'add', `${NS_IP}/30`, 'dev', NS_IF]);
    inNs('ip', ['link', 'set', NS_IF, 'up']);
    inNs('ip', ['link', 'set', 'lo', 'up']);
    inNs('ip', ['route', 'add', 'default', 'via', HOST_IP]);
    // The namespace's resolver (ip netns exec mounts it): nothing answers there, so only the DNS proxy resolves.
    mkdirSync(`/etc/netns/${NS}`, { recursive: true });
    writeFileSync(`/etc/netns/${NS}/resolv.conf`, `nameserver ${HOST_IP}\n`);

    zone = await startControlPlane({ mode: 'zone', env: { MESHWORK_ZONE_NAME: 'zone-1', MESHWORK_DP_SERVER_ADDRESS: HOST_IP } });
    const dpUrl = zone.dpServerUrl.replace('127.0.0.1', HOST_IP);
    const put = async (path: string, doc: object) => {
      const res = await fetch(`${zone.apiUrl}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(doc) });
      if (res.status >= 300) throw new Error(`PUT ${path}: ${res.status} ${await res.text()}`);
    };
    await put('/meshes/default', { type: 'Mesh', name: 'default', meshServices: { mode: 'Exclusive' } });
    app = createServer((_req, res) => res.end('backend\n'));
    const appPort = await freePort();
    await new Promise<void>((resolve) => app.listen(appPort, '127.0.0.1', resolve));
    backendPort = await freePort();
    backend = await startSidecar({ cpUrl: dpUrl, apiUrl: zone.apiUrl, dataplane: { type: 'Dataplane', mesh: 'default', name: 'backend-1', networking: { address: HOST_IP, inbound: [{ port: backendPort, servicePort: appPort, tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' } }] } } });

    // The client's meshwork-dp and Envoy run as DP_UID, from files that user can read.
    const envoyDir = mkdtempSync(join(tmpdir(), 'tp-envoy-'));
    chmodSync(envoyDir, 0o755);
    const envoy = join(envoyDir, 'envoy');
    copyFileSync(envoyBinary(), envoy);
    chmodSync(envoy, 0o755);
    const dataplane = dataplaneFile({ type: 'Dataplane', mesh: 'default', name: 'client-1', networking: { address: NS_IP, inbound: [{ port: 8080, servicePort: 18080, tags: { 'kuma.io/service': 'client', 'kuma.io/protocol': 'http' } }], admin: { port: adminPort }, transparentProxying: { redirectPortInbound: 15006, redirectPortOutbound: 15001 } } });
    const token = await dataplaneTokenFile(zone.apiUrl, 'default', 'client-1');
    for (const f of [dataplane, token]) {
      chmodSync(dirname(f), 0o755);
      chmodSync(f, 0o644);
    }
    const proc = spawn('ip', ['netns', 'exec', NS, 'setpriv', `--reuid=${DP_UID}`, `--regid=${DP_UID}`, '--clear-groups', process.execPath, MESHWORK_DP, 'run', '--cp-address', dpUrl, '--dataplane-file', dataplane, '--dataplane-token-file', token, '--binary-path', envoy, '--admin-port', String(adminPort), '--dynamic-config-refresh-interval', '300ms', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: '/tmp' } });
    let log = '';
    proc.stdout.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-65536)));
    proc.stderr.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-65536)));
    client = Object.assign(proc, { log: () => log });
    await waitFor(async () => {
      if (proc.exitCode !== null) throw new Error(`meshwork-dp exited with ${proc.exitCode}:\n${log}`);
      return (await nodeInNs(`fetch('http://127.0.0.1:${adminPort}/ready').then((r) => r.text()).then((t) => console.log(t.trim()), () => console.log('down'))`)) === 'LIVE';
    }, { what: "the client's Envoy in the namespace", timeoutMs: 60_000 });
  });

  afterAll(async () => {
    if (client) await stopChild(client);
    await backend?.[Symbol.asyncDispose]();
    app?.close();
    await zone?.[Symbol.asyncDispose]();
    spawnSync('ip', ['netns', 'del', NS]);
    spawnSync('ip', ['link', 'del', HOST_IF]);
    rmSync(`/etc/netns/${NS}`, { recursive: true, force: true });
  });

  it('an application calls a MeshService by its hostname through Envoy, and uninstall removes the redirection', async () => {
    const url = `http://backend.svc.mesh.local:${backendPort}/`;
    // Before the install: the name is nobody's.
    expect(await get(url)).toMatch(/^ERROR/);
    const install = spawnSync('ip', ['netns', 'exec', NS, process.execPath, MESHCTL, 'install', 'transparent-proxy', '--kuma-dp-uid', String(DP_UID), '--redirect-dns'], { encoding: 'utf8' });
    expect(install.stderr).toBe('');
    expect(install.status).toBe(0);
    expect(inNs('iptables', ['-t', 'nat', '-S'])).toContain('-A MESHWORK_OUTBOUND -p tcp -j REDIRECT --to-ports 15001');
    await waitFor(async () => (await get(url)) === 'backend', { what: 'the call through the transparent proxy', timeoutMs: 60_000 }).catch((err: Error) => {
      throw new Error(`${err.message}\n--- meshwork-dp ---\n${client!.log()}`);
    });
    // It went through the client's Envoy: its MeshService cluster counted the request.
    const stats = await nodeInNs(`fetch('http://127.0.0.1:${adminPort}/stats?filter=upstream_rq_total').then((r) => r.text()).then(console.log)`);
    expect(Number(stats.match(new RegExp(`cluster\\.default_backend__zone-1_msvc_${backendPort}\\.upstream_rq_total: (\\d+)`))?.[1] ?? 0)).toBeGreaterThan(0);
    // Installing twice is refused; uninstall removes every rule and chain.
    const again = spawnSync('ip', ['netns', 'exec', NS, process.execPath, MESHCTL, 'install', 'transparent-proxy', '--kuma-dp-uid', String(DP_UID)], { encoding: 'utf8' });
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already installed/);
    const uninstall = spawnSync('ip', ['netns', 'exec', NS, process.execPath, MESHCTL, 'uninstall', 'transparent-proxy'], { encoding: 'utf8' });
    expect(uninstall.status).toBe(0);
    expect(inNs('iptables', ['-t', 'nat', '-S'])).not.toContain('MESHWORK');
    expect(await get(url)).toMatch(/^ERROR/);
  });
});
