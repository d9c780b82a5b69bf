import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './ports.ts';
import { waitFor } from './wait.ts';

// Disposable etcd and Redis servers for integration tests: real binaries from Debian's
// etcd-server and redis-server packages, on free loopback ports, data in a temp dir that
// survives restart() and is removed on dispose. `await using` stops them.

export interface TestServer extends AsyncDisposable {
  /** etcd: `http://127.0.0.1:PORT`; Redis: `redis://127.0.0.1:PORT`. */
  readonly url: string;
  stop(): Promise<void>;
  /** Stops and starts the server on the same port with the same data (`empty`: with none, as a server that lost its disk). */
  restart(options?: { empty?: boolean }): Promise<void>;
}

async function stopProcess(proc: ChildProcess | undefined): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function startProcess(cmd: string, args: string[]): ChildProcess {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  proc.on('error', (err) => {
    throw new Error(`cannot start ${cmd}: ${err.message} (install the Debian package; see .ci/run)`);
  });
  (proc as ChildProcess & { lastStderr: () => string }).lastStderr = () => stderr;
  return proc;
}

async function disposable(start: () => Promise<ChildProcess>, url: string, dir: string): Promise<TestServer> {
  let proc: ChildProcess | undefined = await start();
  const server: TestServer = {
    url,
    async stop() {
      await stopProcess(proc);
      proc = undefined;
    },
    async restart(options: { empty?: boolean } = {}) {
      await stopProcess(proc);
      if (options.empty) for (const entry of readdirSync(dir)) rmSync(join(dir, entry), { recursive: true, force: true });
      proc = await start();
    },
    async [Symbol.asyncDispose]() {
      await stopProcess(proc);
      proc = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

export async function startEtcd(): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'meshwork-etcd-'));
  const [client, peer] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${client}`;
  const start = async () => {
    const proc = startProcess('etcd', [
      '--name', 'test',
      '--data-dir', join(dir, 'data'),
      '--listen-client-urls', url,
      '--advertise-client-urls', url,
      '--listen-peer-urls', `http://127.0.0.1:${peer}`,
      '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
      '--initial-cluster', `test=http://127.0.0.1:${peer}`,
      '--log-level', 'error',
    ]);
    await waitFor(async () => {
      if (proc.exitCode !== null) throw new Error(`etcd exited: ${(proc as never as { lastStderr: () => string }).lastStderr()}`);
      const res = await fetch(`${url}/health`);
      return res.ok && ((await res.json()) as { health: string }).health === 'true';
    }, { what: 'etcd to be healthy', timeoutMs: 30_000 });
    return proc;
  };
  return disposable(start, url, dir);
}

export async function startRedis(): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'meshwork-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const start = async () => {
    const proc = startProcess('redis-server', [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--dir', dir,
      '--appendonly', 'yes',
      '--appendfsync', 'always',
      '--save', '',
      '--daemonize', 'no',
    ]);
    await waitFor(async () => {
      if (proc.exitCode !== null) throw new Error(`redis-server exited: ${(proc as never as { lastStderr: () => string }).lastStderr()}`);
      const conn = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      conn.on('error', () => {});
      try {
        await conn.connect();
        return (await conn.ping()) === 'PONG';
      } finally {
        conn.disconnect();
      }
    }, { what: 'redis to answer PING', timeoutMs: 30_000 });
    return proc;
  };
  return disposable(start, url, dir);
}
