import type { Command } from 'commander';
import { registry } from '../../../resources/all.ts';
import { restPath, type ResourceTypeDescriptor } from '../../../resources/descriptor.ts';
import { clientFor, type CliContext } from '../context.ts';
import { CliError } from '../errors.ts';
import { age, parseFormat, table, toYaml, type OutputFormat } from '../output.ts';
import { isOnline } from '../../../resources/types/insights.ts';

type Doc = Record<string, unknown> & { name: string; mesh?: string; labels?: Record<string, string>; creationTime?: string };

export function resolveType(name: string): { descriptor: ResourceTypeDescriptor; plural: boolean } {
  const found = registry.byCliName(name);
  if (!found) {
    const known = registry.all().map((d) => d.cli.plural).join(', ');
    throw new CliError(`unknown resource type "${name}"; known types: ${known}`, { code: 'INVALID_RESOURCE', invalidParameters: [{ field: 'type', reason: `unknown type "${name}"` }] });
  }
  return found;
}

function specOf(d: ResourceTypeDescriptor, doc: Doc): unknown {
  if (!d.inlineSpec) return doc.spec;
  const { type: _t, name: _n, mesh: _m, labels: _l, creationTime: _c, modificationTime: _mt, ...spec } = doc;
  return spec;
}

/** Rows of a table; with overviews (types that have insights), a STATUS column too. */
export function renderRows(d: ResourceTypeDescriptor, items: Doc[], overviews?: Map<string, unknown>): string {
  const headers = [...(d.scope === 'mesh' ? ['MESH'] : []), 'NAME', ...(overviews ? ['STATUS'] : []), ...(d.columns ?? []).map((c) => c.header), 'AGE'];
  const rows = items.map((doc) => [
    ...(d.scope === 'mesh' ? [doc.mesh ?? ''] : []),
    doc.name,
    ...(overviews ? [isOnline(overviews.get(`${doc.mesh ?? ''}/${doc.name}`)) ? 'Online' : 'Offline'] : []),
    ...(d.columns ?? []).map((c) => c.value({ name: doc.name, ...(doc.mesh !== undefined ? { mesh: doc.mesh } : {}), labels: doc.labels ?? {}, spec: specOf(d, doc) })),
    age(doc.creationTime),
  ]);
  return table(headers, rows);
}

/** Insights of listed resources, from the `_overview` endpoint, keyed by mesh/name. */
async function insightsFor(client: ReturnType<typeof clientFor>, d: ResourceTypeDescriptor, mesh: string, qs: string): Promise<Map<string, unknown> | undefined> {
  if (!d.insightType) return undefined;
  const key = d.name.charAt(0).toLowerCase() + d.name.slice(1) + 'Insight';
  const { body } = await client.request<{ items: (Doc & Record<string, unknown>)[] }>('GET', `${restPath(d, mesh)}/_overview${qs}`);
  return new Map(body.items.map((o) => [`${o.mesh ?? ''}/${o.name}`, o[key]]));
}

function print(ctx: CliContext, format: OutputFormat, value: unknown, asTable: () => string): void {
  if (format === 'json') ctx.out(`${JSON.stringify(value, null, 2)}\n`);
  else if (format === 'yaml') ctx.out(toYaml(value));
  else ctx.out(asTable());
}

export function getCommand(program: Command, ctx: CliContext): void {
  program
    .command('get')
    .description('show resources: `get meshtimeouts`, `get meshtimeout NAME`')
    .argument('<type>', 'resource type, singular or plural (meshes, mesh, meshtimeouts, …)')
    .argument('[name]', 'name of one resource')
    .option('-m, --mesh <mesh>', 'mesh of mesh-scoped resources', 'default')
    .option('-o, --output <format>', 'table, yaml or json', 'table')
    .option('--size <n>', 'page size of a list', (v) => Number(v))
    .option('--offset <n>', 'offset of a list page', (v) => Number(v))
    .action(async (typeName: string, name: string | undefined, opts: { mesh: string; output: string; size?: number; offset?: number }) => {
      const format = parseFormat(opts.output);
      const { descriptor: d, plural } = resolveType(typeName);
      const client = clientFor(ctx);
      if (name !== undefined) {
        const { body } = await client.request<Doc>('GET', restPath(d, opts.mesh, name));
        print(ctx, format, body, () => renderRows(d, [body]));
        return;
      }
      if (!plural) throw new CliError(`give the name of the ${d.name} to get, or use "${d.cli.plural}" to list`);
      const query = new URLSearchParams();
      if (opts.size !== undefined) query.set('size', String(opts.size));
      if (opts.offset !== undefined) query.set('offset', String(opts.offset));
      const qs = query.size > 0 ? `?${query}` : '';
      const { body } = await client.request<{ total: number; items: Doc[]; next: string | null }>('GET', `${restPath(d, opts.mesh)}${qs}`);
      const overviews = format === 'table' ? await insightsFor(client, d, opts.mesh, qs) : undefined;
      print(ctx, format, body, () => renderRows(d, body.items, overviews));
    });

  program
    .command('delete')
    .description('delete a resource: `delete meshtimeout NAME -m MESH`')
    .argument('<type>', 'resource type')
    .argument('<name>', 'resource name')
    .option('-m, --mesh <mesh>', 'mesh of mesh-scoped resources', 'default')
    .action(async (typeName: string, name: string, opts: { mesh: string }) => {
      const { descriptor: d } = resolveType(typeName);
      await clientFor(ctx).request('DELETE', restPath(d, opts.mesh, name));
      ctx.out(`deleted ${d.name} "${name}"${d.scope === 'mesh' ? ` in mesh "${opts.mesh}"` : ''}\n`);
    });
}
