import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/processes.ts';
import type { ScenarioResult } from './report.ts';

// `npm run bench -- --quick` as a smoke check: the harness runs every scenario against real
// processes and writes its report. The figures are not asserted (targets live in the report).

describe('npm run bench -- --quick', () => {
  it('runs every scenario and writes bench-results.json and .md with a figure for each metric', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'bench-'));
    const child = spawn(process.execPath, [join(REPO_ROOT, 'test/bench/run.ts'), '--quick'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, output).toBe(0);
    const report = JSON.parse(readFileSync(join(cwd, 'bench-results.json'), 'utf8')) as { quick: boolean; machine: { cpus: number }; results: ScenarioResult[] };
    expect(report.quick).toBe(true);
    expect(report.machine.cpus).toBeGreaterThan(0);
    expect(report.results.map((r) => r.scenario)).toEqual(['xds-generation', 'xds-propagation', 'xds-propagation-one-service', 'xds-scale', 'xds-reconnect-storm', 'kds-propagation']);
    for (const r of report.results) {
      expect(r.metrics.length, r.scenario).toBeGreaterThan(0);
      for (const m of r.metrics) expect(Number.isFinite(m.value) && (m.signed || m.value >= 0), `${r.scenario}: ${m.name} = ${m.value}`).toBe(true);
    }
    expect(existsSync(join(cwd, 'bench-results.md'))).toBe(true);
    expect(readFileSync(join(cwd, 'bench-results.md'), 'utf8')).toContain('## xds-reconnect-storm');
  }, 300_000);
});
