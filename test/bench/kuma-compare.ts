#!/usr/bin/env node
// Side by side: kuma-cp (a binary the user supplies with --kuma-cp; this script never builds
// it) and Meshwork's zone CP, each pinned to core 1 (taskset -c 1), driven by the same
// simulated Envoys (fleet.ts) on the other core. For each CP: the dataplanes are PUT to its
// REST API, then every proxy connects at once (time until all are configured, RSS per
// connected proxy), the CP idles for 30 s (CPU from /proc/PID/stat), and a mesh-wide
// MeshTimeout is PUT `--writes` times until every proxy ACKed the listeners it changes and
// warmed the clusters it changes (as xds-propagation.ts, but at the zone's own API).
//
//   node test/bench/kuma-compare.ts --kuma-cp /path/to/kuma-cp [--proxies 1000] [--writes 5] [--only kuma|meshwork]
//
// kuma-cp runs in universal zone mode on its memory store with dataplane auth off and its
// default 1 s dataplane configuration refresh; its proxies announce kuma-dp 2.14.3's node
// metadata (version, features, admin and readiness ports), Meshwork's none (it needs none).
// Meshwork's zone runs on its own Redis (also pinned to core 1); only the CP process is
// measured in both cases.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/ports.ts';
import { MESHWORK_CP, stopChild } from '../helpers/processes.ts';
import { startRedis } from '../helpers/servers.ts';
import { controlPlanePorts } from '../helpers/control-plane.ts';
import { waitFor } from '../helpers/wait.ts';
import { Fleet, metric, registerFleet, type FleetShape } from './fleet.ts';
import { now } from './sim-proxy.ts';
import { summarize } from './report.ts';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const kumaCp = arg('kuma-cp');
const only = arg('only');
if (!kumaCp && only !== 'meshwork') throw new Error('usage: kuma-compare.ts --kuma-cp PATH [--proxies 1000] [--writes 5] [--only kuma|meshwork]');
const count = Number(arg('proxies') ?? 1000);
const writes = Number(arg('writes') ?? 5);
const shape: FleetShape = { count, services: Math.max(1, Math.floor(count / 5)), outbounds: 10 };
const IDLE_WINDOW_MS = 30_000;
const CP_CORE = '1';
const FLEET_CORE = '0';
const progress = (msg: string) => process.stderr.write(`[kuma-compare] ${msg}\n`);

// This process and every thread it has (the fleet's worker threads inherit it) on the fleet's core.
spawnSync('taskset', ['-a', '-cp', FLEET_CORE, String(process.pid)], { stdio: 'ignore' });

/** What kuma-dp 2.14.3 puts in the node metadata of a sidecar's bootstrap (without embedded DNS). */
const kumaDpMetadata = (delta: boolean) => ({
  'dataplane.proxyType': 'dataplane',
  'dataplane.admin.port': '9901',
  'dataplane.admin.address': '127.0.0.1',
  'dataplane.readinessReporter.port': '9902',
  version: { kumaDp: { version: '2.14.3', kumaCpCompatible: true }, envoy: { version: '1.37.0', kumaDpCompatible: true } },
  features: ['feature-tcp-accesslog-via-named-pipe', ...(delta ? ['feature-delta-grpc'] : [])],
});

interface Cp extends AsyncDisposable {
  pid: number;
  apiUrl: string;
  dpServerUrl: string;
  /** All proxies have an open stream, by the CP's own count (if it has one). */
  connected(n: number): Promise<boolean>;
}

function startPinned(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): ChildProcess & { output: () => string } {
  // taskset execs the command: the child's pid is the CP's.
  const child = spawn('taskset', ['-c', CP_CORE, cmd, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
  let output = '';
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-65536));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return Object.assign(child, { output: () => output });
}

async function ready(child: ChildProcess & { output: () => string }, url: string, what: string) {
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`${what} exited with ${code}`))));
  await Promise.race([waitFor(async () => (await fetch(url)).ok, { what: `${what} to be ready`, timeoutMs: 90_000 }), exited]).catch((err: Error) => {
    throw new Error(`${err.message}\n--- output ---\n${child.output()}`);
  });
}

async function startKuma(binary: string): Promise<Cp> {
  const dir = mkdtempSync(join(tmpdir(), 'kuma-cp-'));
  const [api, apiTls, dp, diag, interCp, monitoring] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const env = {
    KUMA_ENVIRONMENT: 'universal',
    KUMA_MODE: 'zone',
    KUMA_STORE_TYPE: 'memory',
    KUMA_DP_SERVER_AUTHN_DP_PROXY_TYPE: 'none',
    KUMA_GENERAL_WORK_DIR: dir,
    KUMA_API_SERVER_HTTP_INTERFACE: '127.0.0.1',
    KUMA_API_SERVER_HTTP_PORT: String(api),
    KUMA_API_SERVER_HTTPS_PORT: String(apiTls),
    KUMA_DP_SERVER_PORT: String(dp),
    KUMA_DIAGNOSTICS_SERVER_PORT: String(diag),
    KUMA_INTER_CP_SERVER_PORT: String(interCp),
    KUMA_MONITORING_ASSIGNMENT_SERVER_PORT: String(monitoring),
  };
  const child = startPinned(binary, ['run'], env, dir);
  await ready(child, `http://127.0.0.1:${diag}/ready`, 'kuma-cp');
  const apiUrl = `http://127.0.0.1:${api}`;
  await waitFor(async () => ((await (await fetch(`${apiUrl}/meshes/default`)).json()) as { name?: string }).name === 'default', { what: "kuma-cp's default mesh", timeoutMs: 60_000 });
  return {
    pid: child.pid!,
    apiUrl,
    dpServerUrl: `https://127.0.0.1:${dp}`,
    connected: async () => true,
    async [Symbol.asyncDispose]() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startMeshwork(): Promise<Cp> {
  const redis = await startRedis();
  const pinRedis = spawnSync('sh', ['-c', `taskset -cp ${CP_CORE} $(ss -ltnpH 'sport = :${new URL(redis.url).port}' | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)`], { stdio: 'ignore' });
  if (pinRedis.status !== 0) progress('could not pin redis-server to the CP core');
  const ports = await controlPlanePorts();
  const env = {
    ...ports.env,
    MESHWORK_LOG_FORMAT: 'json',
    MESHWORK_LOG_LEVEL: 'warn',
    MESHWORK_STORE_TYPE: 'redis',
    MESHWORK_STORE_REDIS_URL: redis.url,
    MESHWORK_DP_SERVER_AUTH_TYPE: 'none',
  };
  const child = startPinned(process.execPath, [MESHWORK_CP, 'run', '--mode', 'zone'], env);
  const { diagnosticsUrl } = ports;
  await ready(child, `${diagnosticsUrl}/ready`, 'meshwork-cp');
  return {
    pid: child.pid!,
    apiUrl: ports.apiUrl,
    dpServerUrl: ports.dpServerUrl,
    connected: async (n) => (await metric(diagnosticsUrl, 'meshwork_xds_connected_proxies')) === n,
    async [Symbol.asyncDispose]() {
      await stopChild(child);
      await redis[Symbol.asyncDispose]();
    },
  };
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim() || 100);
/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}
/** Resident set size of a process, in bytes. */
function rss(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

interface Figures {
  connectMs: number;
  connectCpuS: number;
  rssBeforeMB: number;
  rssAfterMB: number;
  perProxyKB: number;
  idleCpuPct: number;
  p50: number;
  p99: number;
  lastProxyMedian: number;
  warmTimeouts: number;
}

async function measure(name: string, cp: Cp, nodeMetadata?: (delta: boolean) => Record<string, unknown>): Promise<Figures> {
  progress(`${name}: registering ${shape.count} dataplanes`);
  await registerFleet(cp.apiUrl, shape);
  const rssBefore = rss(cp.pid);
  const cpu0 = cpuSeconds(cp.pid);
  progress(`${name}: connecting ${shape.count} proxies`);
  const started = now();
  const fleet = await Fleet.start([{ dpServerUrl: cp.dpServerUrl, shape, ...(nodeMetadata ? { nodeMetadata } : {}) }]);
  try {
    const times = await Promise.race([fleet.configured(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${name}: not every proxy configured within 300 s`)), 300_000).unref())]);
    const connectMs = Math.max(...times.configured) - started;
    const connectCpuS = cpuSeconds(cp.pid) - cpu0;
    const rssAfter = rss(cp.pid);
    await waitFor(() => cp.connected(shape.count), { what: `${name}: all proxies connected` });

    progress(`${name}: all configured in ${Math.round(connectMs)} ms; idle for ${IDLE_WINDOW_MS / 1000} s`);
    const idle0 = cpuSeconds(cp.pid);
    const idleFrom = performance.now();
    await new Promise((r) => setTimeout(r, IDLE_WINDOW_MS));
    const idleCpu = (cpuSeconds(cp.pid) - idle0) / ((performance.now() - idleFrom) / 1000);

    progress(`${name}: ${writes} MeshTimeout writes`);
    const samples: number[] = [];
    const lastProxy: number[] = [];
    for (let w = 0; w < writes; w++) {
      const collect = await fleet.armUpdates();
      const t0 = now();
      const body = { type: 'MeshTimeout', mesh: 'default', name: 'bench-timeout', spec: { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'Mesh' }, default: { connectionTimeout: `${2 + w}s`, http: { requestTimeout: `${10 + w}s` } } }] } };
      const res = await fetch(`${cp.apiUrl}/meshes/default/meshtimeouts/bench-timeout`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`${name}: PUT bench-timeout: ${res.status} ${await res.text()}`);
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${name}: write ${w}: not every proxy had the change in effect within 60 s`)), 60_000).unref());
      const latencies = (await Promise.race([collect(), timeout])).map((a) => a.at - t0);
      samples.push(...latencies);
      lastProxy.push(Math.max(...latencies));
    }
    const s = summarize(samples);
    const mb = (b: number) => Math.round(b / 1e5) / 10;
    return {
      connectMs: Math.round(connectMs),
      connectCpuS: Math.round(connectCpuS * 10) / 10,
      rssBeforeMB: mb(rssBefore),
      rssAfterMB: mb(rssAfter),
      perProxyKB: Math.round((rssAfter - rssBefore) / shape.count / 1024),
      idleCpuPct: Math.round(idleCpu * 1000) / 10,
      p50: s.p50,
      p99: s.p99,
      lastProxyMedian: summarize(lastProxy).p50,
      warmTimeouts: await fleet.warmTimeouts(),
    };
  } finally {
    await fleet.close();
  }
}

const results: [string, Figures][] = [];
if (only !== 'meshwork') {
  await using kuma = await startKuma(kumaCp!);
  results.push(['kuma-cp 2.14.3', await measure('kuma-cp', kuma, kumaDpMetadata)]);
}
if (only !== 'kuma') {
  await using meshwork = await startMeshwork();
  results.push(['Meshwork zone CP', await measure('meshwork', meshwork)]);
}

const rows: [string, (f: Figures) => number | string][] = [
  [`propagation: PUT → proxy ACK, p50 (ms)`, (f) => f.p50],
  [`propagation: PUT → proxy ACK, p99 (ms)`, (f) => f.p99],
  [`propagation: PUT → last proxy, median of ${writes} writes (ms)`, (f) => f.lastProxyMedian],
  [`connect: all ${shape.count} proxies configured (ms)`, (f) => f.connectMs],
  ['connect: CP CPU time during the connect (s)', (f) => f.connectCpuS],
  ['RSS before proxies connect (MB)', (f) => f.rssBeforeMB],
  ['RSS with all proxies configured (MB)', (f) => f.rssAfterMB],
  ['memory per connected proxy, RSS (KB)', (f) => f.perProxyKB],
  [`idle CPU over ${IDLE_WINDOW_MS / 1000} s (% of one core)`, (f) => f.idleCpuPct],
  ["clusters warmed only by Envoy's 15 s initial fetch timeout", (f) => f.warmTimeouts],
];
const lines = [
  `# kuma-cp vs Meshwork: ${shape.count} proxies, ${shape.services} services, ${shape.outbounds} outbounds each (half SotW, half delta); each CP on core ${CP_CORE}, the fleet on core ${FLEET_CORE}`,
  '',
  `| metric | ${results.map(([n]) => n).join(' | ')} |`,
  `| --- |${results.map(() => ' --- |').join('')}`,
  ...rows.map(([label, get]) => `| ${label} | ${results.map(([, f]) => get(f)).join(' | ')} |`),
  '',
];
process.stdout.write(lines.join('\n'));
