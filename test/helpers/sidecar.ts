import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { envoyBinary } from './envoy.ts';
import { freePort } from './ports.ts';
import { MESHWORK_DP, runNode, startNode, stopChild, type RunResult } from './processes.ts';
import { waitFor } from './wait.ts';

// Real sidecars for end-to-end tests: meshwork-dp running the real Envoy, and tiny HTTP
// apps that answer with their instance name.

export interface Sidecar extends AsyncDisposable {
  readonly name: string;
  readonly adminPort: number;
  readonly process: ChildProcess & { output: () => string };
  /** SIGTERM to meshwork-dp; resolves with its exit code. */
  stop(): Promise<number>;
  /** Envoy admin /config_dump or /stats etc. */
  admin(path: string): Promise<string>;
}

export function dataplaneFile(doc: object): string {
  const file = join(mkdtempSync(join(tmpdir(), 'dataplane-')), 'dataplane.yaml');
  writeFileSync(file, stringify(doc));
  return file;
}

/** A dataplane token from a CP's API (loopback is admin), written to a file. */
export async function dataplaneTokenFile(apiUrl: string, mesh: string, name: string | undefined, claims: { tags?: Record<string, string[]> } = {}): Promise<string> {
  const res = await fetch(`${apiUrl}/tokens/dataplane`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mesh, ...(name ? { name } : {}), validFor: '1h', ...claims }) });
  if (!res.ok) throw new Error(`cannot get a dataplane token: ${res.status} ${await res.text()}`);
  const file = join(mkdtempSync(join(tmpdir(), 'dp-token-')), 'token');
  writeFileSync(file, await res.text());
  return file;
}

/** Starts meshwork-dp with real Envoy; with `apiUrl`, a dataplane token for it is fetched first. */
export async function startSidecar(options: { cpUrl: string; apiUrl?: string; dataplane: { name: string; mesh?: string; [key: string]: unknown }; extraArgs?: string[] }): Promise<Sidecar> {
  const adminPort = await freePort();
  const token = options.apiUrl ? ['--dataplane-token-file', await dataplaneTokenFile(options.apiUrl, options.dataplane.mesh ?? 'default', options.dataplane.name)] : [];
  const args = ['run', '--cp-address', options.cpUrl, '--dataplane-file', dataplaneFile(options.dataplane), '--binary-path', envoyBinary(), '--admin-port', String(adminPort), '--log-level', 'warn', ...token, ...(options.extraArgs ?? [])];
  const proc = startNode(MESHWORK_DP, args, {});
  const admin = async (path: string) => (await fetch(`http://127.0.0.1:${adminPort}${path}`)).text();
  await waitFor(async () => {
    if (proc.exitCode !== null) throw new Error(`meshwork-dp exited with ${proc.exitCode}:\n${proc.output()}`);
    return (await admin('/ready')).trim() === 'LIVE';
  }, { what: `Envoy of ${options.dataplane.name} to be ready`, timeoutMs: 60_000 }).catch((err: Error) => {
    throw new Error(`${err.message}\n${proc.output()}`);
  });
  return {
    name: options.dataplane.name,
    adminPort,
    process: proc,
    stop: () => stopChild(proc),
    admin,
    async [Symbol.asyncDispose]() {
      await stopChild(proc);
    },
  };
}

/** meshwork-dp expected to fail: runs it to completion. */
/** The Dataplane of `web-1`, the client of most end-to-end tests: an HTTP inbound and one outbound to `backend` on 127.0.0.1:outboundPort. */
export async function webDataplane(address: string, outboundPort: number, options: { servicePort?: number } = {}) {
  return {
    type: 'Dataplane',
    mesh: 'default',
    name: 'web-1',
    networking: {
      address,
      inbound: [{ port: await freePort(), ...(options.servicePort ? { servicePort: options.servicePort } : {}), tags: { 'kuma.io/service': 'web', 'kuma.io/protocol': 'http' } }],
      outbound: [{ port: outboundPort, tags: { 'kuma.io/service': 'backend' } }],
    },
  };
}

export function runDp(cpUrl: string, dataplane: object, extraArgs: string[] = []): Promise<RunResult> {
  return runNode(MESHWORK_DP, ['run', '--cp-address', cpUrl, '--dataplane-file', dataplaneFile(dataplane), '--binary-path', envoyBinary(), '--admin-port', '1', ...extraArgs], { timeoutMs: 30_000 });
}

/** An HTTP app answering `<name>` on 127.0.0.1:<free port>. */
export async function startEchoApp(name: string): Promise<{ port: number; hits: () => number } & AsyncDisposable> {
  let hits = 0;
  const server: Server = createServer((req, res) => {
    hits++;
    res.setHeader('x-instance', name);
    res.end(`${name}\n`);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    hits: () => hits,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
