#!/usr/bin/env node
import { runMeshctl } from './meshctl/program.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const code = await runMeshctl(process.argv.slice(2), {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  stdin: readStdin,
  env: process.env,
  isTty: process.stderr.isTTY === true,
});
process.exitCode = code;
