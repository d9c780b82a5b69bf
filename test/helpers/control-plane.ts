import type { ChildProcess } from 'node:child_process';
import { freePort } from './ports.ts';
import { MESHWORK_CP, startNode, stopChild } from './processes.ts';
import { waitFor } from './wait.ts';

// A real meshwork-cp process on free loopback ports, for end-to-end tests.

export interface ControlPlaneProcess extends AsyncDisposable {
  readonly apiUrl: string;
  readonly diagnosticsUrl: string;
  /** `127.0.0.1:PORT` of its KDS server (global); zones dial grpcs:// (or grpc:// without TLS). */
  readonly kdsHostPort: string;
  /** `https://127.0.0.1:PORT` of its DP server (zone), for meshwork-dp --cp-address. */
  readonly dpServerUrl: string;
  /** Signals (SIGTERM by default; SIGKILL to crash it) and waits for exit; returns the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number>;
  /** Starts again on the same ports with the same environment. */
  start(): Promise<void>;
  output(): string;
}

/** Free loopback ports for a meshwork-cp, as its environment, and the URLs they give. */
export async function controlPlanePorts(): Promise<{ env: NodeJS.ProcessEnv; apiUrl: string; diagnosticsUrl: string; kdsHostPort: string; dpServerUrl: string }> {
  const [api, diagnostics, kds, dp] = [await freePort(), await freePort(), await freePort(), await freePort()];
  return {
    env: {
      MESHWORK_API_ADDRESS: '127.0.0.1',
      MESHWORK_API_PORT: String(api),
      MESHWORK_DIAGNOSTICS_ADDRESS: '127.0.0.1',
      MESHWORK_DIAGNOSTICS_PORT: String(diagnostics),
      MESHWORK_KDS_PORT: String(kds),
      MESHWORK_KDS_ADDRESS: '127.0.0.1',
      MESHWORK_DP_SERVER_PORT: String(dp),
      MESHWORK_DP_SERVER_ADDRESS: '127.0.0.1',
    },
    apiUrl: `http://127.0.0.1:${api}`,
    diagnosticsUrl: `http://127.0.0.1:${diagnostics}`,
    kdsHostPort: `127.0.0.1:${kds}`,
    dpServerUrl: `https://127.0.0.1:${dp}`,
  };
}

/** `ready: 'listening'` only waits for the diagnostics port, for CPs that are not meant to become ready. */
export async function startControlPlane(options: { mode: 'global' | 'zone'; env?: NodeJS.ProcessEnv; ready?: 'ready' | 'listening' }): Promise<ControlPlaneProcess> {
  const ports = await controlPlanePorts();
  const env: NodeJS.ProcessEnv = {
    ...ports.env,
    MESHWORK_LOG_FORMAT: 'json',
    MESHWORK_LOG_LEVEL: 'info',
    ...options.env,
  };
  const { diagnosticsUrl } = ports;
  let child: (ChildProcess & { output: () => string }) | undefined;
  let lastOutput = '';

  const cp: ControlPlaneProcess = {
    apiUrl: ports.apiUrl,
    diagnosticsUrl,
    kdsHostPort: ports.kdsHostPort,
    dpServerUrl: ports.dpServerUrl,
    async start() {
      const proc = startNode(MESHWORK_CP, ['run', '--mode', options.mode], env);
      child = proc;
      await waitFor(
        async () => {
          if (proc.exitCode !== null) throw new Error(`meshwork-cp exited with ${proc.exitCode}:\n${proc.output()}`);
          const res = await fetch(`${diagnosticsUrl}/ready`);
          return res.ok || (options.ready === 'listening' && res.status === 503);
        },
        { what: `meshwork-cp (${options.mode}) to be ready`, timeoutMs: 60_000 },
      ).catch((err: Error) => {
        throw new Error(`${err.message}\n--- output ---\n${proc.output()}`);
      });
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (!child) return 0;
      const code = await stopChild(child, signal);
      lastOutput = child.output();
      child = undefined;
      return code;
    },
    output: () => child?.output() ?? lastOutput,
    async [Symbol.asyncDispose]() {
      await cp.stop();
    },
  };
  await cp.start();
  return cp;
}
