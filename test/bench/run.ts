#!/usr/bin/env node
// npm run bench [-- --quick]: performance scenarios with real processes on loopback; writes
// bench-results.json and bench-results.md. Targets are reported, never asserted.
import { cpus, totalmem } from 'node:os';
import { writeFileSync } from 'node:fs';
import { kdsPropagation } from './kds-propagation.ts';
import { xdsGeneration, xdsMemory, xdsReconnectStorm } from './xds.ts';
import type { ScenarioResult } from './report.ts';
import { markdown } from './report.ts';

const quick = process.argv.includes('--quick');
const results: ScenarioResult[] = [];
const progress = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

results.push(await xdsGeneration({ quick, progress }));
results.push(await xdsMemory({ quick, progress }));
results.push(await xdsReconnectStorm({ quick, progress }));
results.push(await kdsPropagation({ quick, progress }));

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
