#!/usr/bin/env node
// npm run bench [-- --quick]: performance scenarios with real processes on loopback; writes
// bench-results.json and bench-results.md. Targets are reported, never asserted.
// `--only a,b` runs the named scenario groups (generation, propagation, scale, kds).
import { cpus, totalmem } from 'node:os';
import { writeFileSync } from 'node:fs';
import { kdsPropagation } from './kds-propagation.ts';
import { xdsGeneration, xdsScale } from './xds.ts';
import { xdsPropagation } from './xds-propagation.ts';
import type { ScenarioResult } from './report.ts';
import { markdown } from './report.ts';

const quick = process.argv.includes('--quick');
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg > 0 ? new Set(process.argv[onlyArg + 1]?.split(',')) : undefined;
const results: ScenarioResult[] = [];
const progress = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const options = { quick, progress };

const groups: [string, () => Promise<ScenarioResult | ScenarioResult[]>][] = [
  ['generation', () => xdsGeneration(options)],
  ['propagation', () => xdsPropagation(options)],
  ['scale', () => xdsScale(options)],
  ['kds', () => kdsPropagation(options)],
];
for (const [name, run] of groups) {
  if (only && !only.has(name)) continue;
  const started = performance.now();
  results.push(...[await run()].flat());
  progress(`${name}: done in ${Math.round((performance.now() - started) / 1000)} s`);
}

const report = {
  date: new Date().toISOString(),
  quick,
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform },
  results,
};
writeFileSync('bench-results.json', `${JSON.stringify(report, null, 2)}\n`);
const md = markdown(report);
writeFileSync('bench-results.md', md);
process.stdout.write(md);
