import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MESHWORK_CP = `${REPO_ROOT}src/cli/meshwork-cp.ts`;
export const MESHCTL = `${REPO_ROOT}src/cli/meshctl.ts`;
export const MESHWORK_DP = `${REPO_ROOT}src/cli/meshwork-dp.ts`;

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a Node program of this repo to completion (Node 24, as the tests themselves run). */
export function runNode(script: string, args: string[], options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // MESHWORK_TEST_NODE_ARGS: extra Node flags for the processes tests start (e.g. --cpu-prof
  // --cpu-prof-dir=/tmp/prof to profile control planes in a benchmark; NODE_OPTIONS refuses it).
  const nodeArgs = process.env.MESHWORK_TEST_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], { env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Starts a long-running Node program; output is kept (last 64 KiB) for failure messages. */
export function startNode(script: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess & { output: () => string } {
  // MESHWORK_TEST_NODE_ARGS: extra Node flags for the processes tests start (e.g. --cpu-prof
  // --cpu-prof-dir=/tmp/prof to profile control planes in a benchmark; NODE_OPTIONS refuses it).
  const nodeArgs = process.env.MESHWORK_TEST_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-65536);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return Object.assign(child, { output: () => output });
}

/** Sends a signal and waits for exit; returns the exit code (or -1 if killed by a signal). */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<number> {
  if (child.exitCode !== null) return child.exitCode;
  if (child.signalCode !== null) return -1;
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await exited;
  clearTimeout(timer);
  return code;
}
