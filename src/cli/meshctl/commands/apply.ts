import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseAllDocuments } from 'yaml';
import { registry } from '../../../resources/all.ts';
import { restPath, type ResourceTypeDescriptor } from '../../../resources/descriptor.ts';
import { clientFor, type CliContext } from '../context.ts';
import { CliError } from '../errors.ts';
import { toYaml } from '../output.ts';

// meshctl apply -f FILE|- [-v key=value]... [--dry-run]
// Every document is first validated by the server (a dry-run PUT); only when all are valid
// are they applied, in order. So a file with one bad document changes nothing.

interface Doc {
  index: number;
  body: Record<string, unknown>;
  descriptor: ResourceTypeDescriptor;
  path: string;
  label: string;
}

/** Replaces `{{ key }}` placeholders; an unresolved one is an error. */
export function substitute(text: string, vars: Record<string, string>): string {
  const missing = new Set<string>();
  const out = text.replace(/\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g, (_m, key: string) => {
    if (key in vars) return vars[key]!;
    missing.add(key);
    return '';
  });
  if (missing.size > 0) throw new CliError(`variables not provided: ${[...missing].join(', ')} (pass -v KEY=VALUE)`);
  return out;
}

export function parseDocuments(text: string, source: string): Doc[] {
  const docs: Doc[] = [];
  const parsed = parseAllDocuments(text);
  const all = Array.isArray(parsed) ? parsed : [parsed];
  const problems: string[] = [];
  all.forEach((d, i) => {
    for (const e of d.errors) problems.push(`document ${i + 1}: ${e.message.split('\n')[0]}`);
  });
  if (problems.length > 0) throw new CliError(`${source} is not valid YAML:\n  ${problems.join('\n  ')}`, { code: 'INVALID_RESOURCE' });
  all.forEach((d, i) => {
    const value = d.toJS() as unknown;
    if (value === null || value === undefined) return;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new CliError(`document ${i + 1} of ${source} is not a mapping`, { code: 'INVALID_RESOURCE', invalidParameters: [{ field: '', reason: 'must be a mapping' }] });
    }
    const body = value as Record<string, unknown>;
    const type = body.type;
    if (typeof type !== 'string' || type === '') {
      throw new CliError(`document ${i + 1} of ${source} has no type`, { code: 'INVALID_RESOURCE', invalidParameters: [{ field: 'type', reason: 'must be set' }] });
    }
    const descriptor = registry.find(type);
    if (!descriptor) {
      throw new CliError(`document ${i + 1} of ${source}: unknown type "${type}"`, {
        code: 'INVALID_RESOURCE',
        invalidParameters: [{ field: 'type', reason: `unknown type "${type}"; known types: ${registry.names().join(', ')}` }],
      });
    }
    const params = [];
    if (typeof body.name !== 'string' || body.name === '') params.push({ field: 'name', reason: 'must be set' });
    if (descriptor.scope === 'mesh' && (typeof body.mesh !== 'string' || body.mesh === '')) params.push({ field: 'mesh', reason: 'must be set' });
    if (params.length > 0) throw new CliError(`document ${i + 1} of ${source} (${type}) is not valid`, { code: 'INVALID_RESOURCE', invalidParameters: params });
    const mesh = descriptor.scope === 'mesh' ? String(body.mesh) : undefined;
    const label = `${type} "${String(body.name)}"${mesh ? ` in mesh "${mesh}"` : ''}`;
    docs.push({ index: i + 1, body, descriptor, path: restPath(descriptor, mesh, String(body.name)), label });
  });
  return docs;
}

export function applyCommand(program: Command, ctx: CliContext): void {
  program
    .command('apply')
    .description('create or update resources from a YAML file or standard input')
    .requiredOption('-f, --file <file>', 'path of a YAML file, or - for standard input')
    .option('-v, --var <key=value>', 'value for a {{ key }} placeholder (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--dry-run', 'validate on the server and print the resources, without applying them')
    .action(async (opts: { file: string; var: string[]; dryRun?: boolean }) => {
      const source = opts.file === '-' ? 'standard input' : opts.file;
      let text: string;
      try {
        text = opts.file === '-' ? await ctx.stdin() : readFileSync(opts.file, 'utf8');
      } catch (err) {
        throw new CliError(`cannot read ${source}: ${(err as Error).message}`);
      }
      const vars: Record<string, string> = {};
      for (const v of opts.var) {
        const i = v.indexOf('=');
        if (i <= 0) throw new CliError(`-v must be KEY=VALUE (got "${v}")`);
        vars[v.slice(0, i)] = v.slice(i + 1);
      }
      const docs = parseDocuments(substitute(text, vars), source);
      if (docs.length === 0) throw new CliError(`${source} holds no resources`);
      const client = clientFor(ctx);

      // Pass 1: validate every document on the server. A policy may name a mesh that an
      // earlier document of the same file creates.
      const newMeshes = new Set(docs.filter((d) => d.descriptor.name === 'Mesh').map((d) => String(d.body.name)));
      const failures: CliError[] = [];
      for (const [i, d] of docs.entries()) {
        if (ctx.isTty && docs.length > 1) ctx.err(`\rvalidating ${i + 1}/${docs.length}`);
        try {
          await client.request('PUT', `${d.path}?dryRun=true`, d.body);
        } catch (err) {
          if (!(err instanceof CliError)) throw err;
          if (err.code === 'MESH_NOT_FOUND' && newMeshes.has(String(d.body.mesh))) continue;
          if (err.code === 'UNAVAILABLE') throw err;
          failures.push(new CliError(`${d.label} (document ${d.index}): ${err.message}`, { ...(err.code ? { code: err.code } : {}), invalidParameters: err.invalidParameters }));
        }
      }
      if (ctx.isTty && docs.length > 1) ctx.err('\n');
      if (failures.length === 1) throw failures[0]!;
      if (failures.length > 1) {
        throw new CliError(`${failures.length} of ${docs.length} resources are not valid; nothing was applied\n${failures.map((f) => f.format()).join('\n')}`, { code: 'INVALID_RESOURCE' });
      }
      if (opts.dryRun) {
        ctx.out(docs.map((d) => toYaml(d.body)).join('---\n'));
        ctx.err(`dry run: ${docs.length} resource${docs.length === 1 ? ' is' : 's are'} valid; nothing was applied\n`);
        return;
      }
      // Pass 2: apply in order.
      for (const [i, d] of docs.entries()) {
        if (ctx.isTty && docs.length > 1) ctx.err(`\rapplying ${i + 1}/${docs.length}`);
        const res = await client.request('PUT', d.path, d.body);
        ctx.out(`${res.status === 201 ? 'created' : 'updated'} ${d.label}\n`);
      }
    });
}
