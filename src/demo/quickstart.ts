import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { freePort } from '../core/free-port.ts';
import { findEnvoy } from '../dp/envoy-binary.ts';
import { startBackendApp, startTraffic } from './apps.ts';
import { DEMO_PORTS } from './ports.ts';

// The quickstart behind `npm start`: one global CP, two zone CPs (in-memory stores), a zone
// ingress per zone, a `backend` service in both zones and a `web` client in zone-1, all real
// processes with real Envoy on loopback. It applies a MeshLoadBalancingStrategy that turns
// locality awareness off, so web's calls are spread over both zones (half of them through
// zone-2's ingress), and prints which zone answered until it is stopped.

const CP = fileURLToPath(new URL('../cli/meshwork-cp.ts', import.meta.url));
const DP = fileURLToPath(new URL('../cli/meshwork-dp.ts', import.meta.url));
const ZONES = ['zone-1', 'zone-2'] as const;

export interface QuickstartOptions {
  /** Free ports everywhere instead of the documented fixed ones (tests, or a busy machine). */
  freePorts?: boolean;
  envoyPath?: string;
  /** Progress lines and the traffic report. */
  print?: (line: string) => void;
  /** Interval of the traffic report (ms). */
  reportEveryMs?: number;
}

export interface Quickstart {
  readonly globalApi: string;
  readonly zoneApis: Record<string, string>;
  readonly webUrl: string;
  readonly logDir: string;
  /** Answers per zone since the start. */
  readonly answers: Record<string, number>;
  stop(): Promise<void>;
}

interface Child {
  name: string;
  proc: ChildProcess;
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let delay = 100; Date.now() < deadline; delay = Math.min(delay * 2, 1000)) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      if ((err as { fatal?: boolean }).fatal) throw err;
      last = err;
    }
    await new Promise((r) => setTimeout(r, delay));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

async function request(method: string, url: string, body?: unknown): Promise<string> {
  const res = await fetch(url, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return text;
}

export async function startQuickstart(options: QuickstartOptions = {}): Promise<Quickstart> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const envoy = findEnvoy(options.envoyPath);
  const logDir = mkdtempSync(join(tmpdir(), 'meshwork-quickstart-'));
  const children: Child[] = [];
  const servers: Server[] = [];
  const stops: (() => void)[] = [];
  const port = async (fixed: number) => (options.freePorts ? freePort() : fixed);
  let stopping = false;

  const spawnChild = (name: string, script: string, args: string[], env: NodeJS.ProcessEnv) => {
    const log = createWriteStream(join(logDir, `${name}.log`));
    const proc = spawn(process.execPath, [script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.pipe(log);
    proc.stderr!.pipe(log);
    proc.on('exit', (code, signal) => {
      if (!stopping) print(`! ${name} exited (${signal ?? code}); its log: ${join(logDir, `${name}.log`)}`);
    });
    children.push({ name, proc });
    return proc;
  };
  const exited = (c: ChildProcess, name: string) => {
    if (c.exitCode === null) return;
    const file = join(logDir, `${name}.log`);
    const tail = existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').slice(-5).join('\n') : '';
    throw Object.assign(new Error(`${name} exited with ${c.exitCode}; its log (${file}) ends with:\n${tail}`), { fatal: true });
  };

  const stop = async () => {
    stopping = true;
    for (const s of stops) s();
    for (const { proc } of [...children].reverse()) {
      if (proc.exitCode !== null || proc.signalCode !== null) continue;
      const done = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const kill = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await done;
      clearTimeout(kill);
    }
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
  };

  try {
    // Global.
    const g = { api: await port(DEMO_PORTS.global.api), diagnostics: await port(DEMO_PORTS.global.diagnostics), kds: await port(DEMO_PORTS.global.kds) };
    const globalApi = `http://127.0.0.1:${g.api}`;
    const globalProc = spawnChild('global', CP, ['run', '--mode', 'global'], {
      MESHWORK_API_ADDRESS: '127.0.0.1',
      MESHWORK_API_PORT: String(g.api),
      MESHWORK_DIAGNOSTICS_ADDRESS: '127.0.0.1',
      MESHWORK_DIAGNOSTICS_PORT: String(g.diagnostics),
      MESHWORK_KDS_ADDRESS: '127.0.0.1',
      MESHWORK_KDS_PORT: String(g.kds),
      MESHWORK_LOG_FORMAT: 'json',
    });
    await until('the global control plane', async () => {
      exited(globalProc, 'global');
      return (await fetch(`http://127.0.0.1:${g.diagnostics}/ready`)).ok;
    });
    print(`✔ global control plane: API ${globalApi}, KDS grpcs://127.0.0.1:${g.kds}`);

    await request('PUT', `${globalApi}/meshes/default`, { type: 'Mesh', name: 'default', mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin' }] } });
    // As with Kuma 2.x, mTLS denies what no MeshTrafficPermission allows: the demo allows the mesh.
    await request('PUT', `${globalApi}/meshes/default/meshtrafficpermissions/allow-all`, { type: 'MeshTrafficPermission', mesh: 'default', name: 'allow-all', spec: { targetRef: { kind: 'Mesh' }, from: [{ targetRef: { kind: 'Mesh' }, default: { action: 'Allow' } }] } });
    print('✔ mesh "default" with builtin mTLS, and a MeshTrafficPermission allowing it');
    const kdsSecret = JSON.parse(await until('the KDS certificate', () => request('GET', `${globalApi}/global-secrets/kds-server-tls`))) as { data: string };
    const kdsCa = join(logDir, 'kds-ca.pem');
    writeFileSync(kdsCa, (JSON.parse(Buffer.from(kdsSecret.data, 'base64').toString('utf8')) as { cert: string }).cert);

    // Zones, each with its ingress.
    const zoneApis: Record<string, string> = {};
    const dpServers: Record<string, string> = {};
    for (const [i, zone] of ZONES.entries()) {
      const fixed = DEMO_PORTS.zone(i + 1);
      const z = { api: await port(fixed.api), diagnostics: await port(fixed.diagnostics), dp: await port(fixed.dp) };
      const tokenFile = join(logDir, `${zone}.token`);
      writeFileSync(tokenFile, await request('POST', `${globalApi}/tokens/zone`, { zone, validFor: '8760h' }));
      const proc = spawnChild(zone, CP, ['run', '--mode', 'zone'], {
        MESHWORK_ZONE_NAME: zone,
        MESHWORK_GLOBAL_ADDRESS: `grpcs://127.0.0.1:${g.kds}`,
        MESHWORK_KDS_CA_FILE: kdsCa,
        MESHWORK_ZONE_TOKEN_FILE: tokenFile,
        MESHWORK_API_ADDRESS: '127.0.0.1',
        MESHWORK_API_PORT: String(z.api),
        MESHWORK_DIAGNOSTICS_ADDRESS: '127.0.0.1',
        MESHWORK_DIAGNOSTICS_PORT: String(z.diagnostics),
        MESHWORK_DP_SERVER_ADDRESS: '127.0.0.1',
        MESHWORK_DP_SERVER_PORT: String(z.dp),
        MESHWORK_LOG_FORMAT: 'json',
      });
      zoneApis[zone] = `http://127.0.0.1:${z.api}`;
      dpServers[zone] = `https://127.0.0.1:${z.dp}`;
      await until(`${zone} to sync the mesh CA from global`, async () => {
        exited(proc, zone);
        const secrets = JSON.parse(await request('GET', `${zoneApis[zone]}/meshes/default/secrets`)) as { items: { name: string }[] };
        return secrets.items.some((s) => s.name.includes('ca-builtin-cert'));
      });
      print(`✔ ${zone} control plane: API ${zoneApis[zone]}, DP server ${dpServers[zone]}`);
    }

    // Dataplane tokens come from global (signed with the mesh's key), ingress tokens from the zone.
    const dataplaneToken = (name: string) => request('POST', `${globalApi}/tokens/dataplane`, { mesh: 'default', name, validFor: '8760h' });
    const ingressToken = (zone: string) => request('POST', `${zoneApis[zone]}/tokens/zone-ingress`, { validFor: '8760h' });
    const startDp = async (zone: string, doc: { type: string; name: string; [key: string]: unknown }, token: string, extra: string[] = []) => {
      const { name } = doc;
      const dataplaneFile = join(logDir, `${name}.dataplane.yaml`);
      writeFileSync(dataplaneFile, stringify(doc));
      const tokenFile = join(logDir, `${name}.token`);
      writeFileSync(tokenFile, token);
      const admin = await freePort();
      const proc = spawnChild(name, DP, ['run', '--cp-address', dpServers[zone]!, '--dataplane-file', dataplaneFile, '--dataplane-token-file', tokenFile, '--binary-path', envoy, '--admin-port', String(admin), '--log-level', 'warn', ...extra], {});
      await until(`the Envoy of ${name}`, async () => {
        exited(proc, name);
        return (await (await fetch(`http://127.0.0.1:${admin}/ready`)).text()).trim() === 'LIVE';
      });
      return admin;
    };

    for (const [i, zone] of ZONES.entries()) {
      const ingressPort = await port(DEMO_PORTS.zone(i + 1).ingress);
      await startDp(zone, { type: 'ZoneIngress', name: `ingress-${zone}`, networking: { address: '127.0.0.1', port: ingressPort, advertisedAddress: '127.0.0.1', advertisedPort: ingressPort } }, await ingressToken(zone), ['--proxy-type', 'ingress']);
      print(`✔ ${zone} zone ingress on 127.0.0.1:${ingressPort}`);
      const appPort = await freePort();
      servers.push(await startBackendApp(zone, appPort));
      await startDp(zone, { type: 'Dataplane', mesh: 'default', name: `backend-${zone}`, networking: { address: '127.0.0.1', inbound: [{ port: await freePort(), servicePort: appPort, tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' } }] } }, await dataplaneToken(`backend-${zone}`));
      print(`✔ ${zone}: backend (app on 127.0.0.1:${appPort}) with its sidecar`);
    }
    const webPort = await port(DEMO_PORTS.webOutbound);
    const webUrl = `http://127.0.0.1:${webPort}/`;
    await startDp('zone-1', { type: 'Dataplane', mesh: 'default', name: 'web', networking: { address: '127.0.0.1', inbound: [{ port: await freePort(), tags: { 'kuma.io/service': 'web', 'kuma.io/protocol': 'http' } }], outbound: [{ port: webPort, tags: { 'kuma.io/service': 'backend' } }] } }, await dataplaneToken('web'));
    print(`✔ zone-1: web's sidecar, calling backend at ${webUrl}`);

    await request('PUT', `${globalApi}/meshes/default/meshloadbalancingstrategies/spread-over-zones`, {
      type: 'MeshLoadBalancingStrategy',
      name: 'spread-over-zones',
      mesh: 'default',
      spec: { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, default: { localityAwareness: { disabled: true } } }] },
    });
    print('✔ MeshLoadBalancingStrategy "spread-over-zones" applied at global: web calls backend in both zones');

    const traffic = startTraffic(webUrl, print, options.reportEveryMs !== undefined ? { reportEveryMs: options.reportEveryMs } : {});
    stops.push(() => traffic.stop());
    print('');
    print('Meshwork quickstart is running. Try:');
    print(`  curl ${webUrl}`);
    print(`  meshctl config control-planes add --name quickstart --address ${globalApi}`);
    print('  meshctl get zones; meshctl get dataplanes; meshctl get zone-ingresses');
    print('  meshctl inspect dataplane web --type rules');
    print(`Logs of every process: ${logDir}. There is no GUI yet: use the API or meshctl. Ctrl-C stops everything.`);
    return { globalApi, zoneApis, webUrl, logDir, answers: traffic.answers, stop };
  } catch (err) {
    await stop();
    throw Object.assign(err as Error, { logDir });
  }
}
