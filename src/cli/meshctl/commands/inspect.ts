import type { Command } from 'commander';
import { clientFor, type CliContext } from '../context.ts';
import { CliError } from '../errors.ts';
import { resolveType } from './get.ts';
import { restPath } from '../../../resources/descriptor.ts';
import { age, parseFormat, table, toYaml } from '../output.ts';

interface MeshInsight {
  name: string;
  creationTime?: string;
  dataplanes: { total: number; online: number };
  services: { total: number };
  policies: Record<string, { total: number }>;
  mTLS: { enabledBackend?: string };
}

export function inspectCommand(program: Command, ctx: CliContext): void {
  program
    .command('inspect')
    .description('inspect computed state: `inspect meshes`, `inspect dataplane NAME --type=rules|config-dump`, `inspect <policy> NAME`')
    .argument('<what>', 'meshes, dataplane, or a policy type')
    .argument('[name]', 'name of the dataplane or policy')
    .option('-m, --mesh <mesh>', 'mesh', 'default')
    .option('--type <type>', 'for a dataplane: rules or config-dump', 'rules')
    .option('-o, --output <format>', 'table, yaml or json', 'table')
    .action(async (what: string, name: string | undefined, opts: { output: string; mesh: string; type: string }) => {
      const format = parseFormat(opts.output);
      const client = clientFor(ctx);
      if (what !== 'meshes') {
        if (!name) throw new CliError(`give the name of the ${what} to inspect`);
        const { descriptor: d } = resolveType(what);
        if (d.name === 'Dataplane') {
          if (opts.type !== 'rules' && opts.type !== 'config-dump') throw new CliError('--type must be rules or config-dump');
          const suffix = opts.type === 'rules' ? '_rules' : '_config';
          const { body } = await client.request('GET', `${restPath(d, opts.mesh, name)}/${suffix}`);
          return ctx.out(format === 'json' ? `${JSON.stringify(body, null, 2)}\n` : toYaml(body));
        }
        if (!d.isPolicy) throw new CliError(`cannot inspect ${d.cli.plural}; supported: meshes, dataplane, policies`);
        const { body } = await client.request<{ items: { mesh: string; name: string }[] }>('GET', `${restPath(d, opts.mesh, name)}/_resources/dataplanes`);
        if (format === 'json') return ctx.out(`${JSON.stringify(body, null, 2)}\n`);
        if (format === 'yaml') return ctx.out(toYaml(body));
        return ctx.out(table(['MESH', 'DATAPLANE'], body.items.map((i) => [i.mesh, i.name])));
      }
      const { body } = await client.request<{ total: number; items: MeshInsight[] }>('GET', '/mesh-insights');
      if (format === 'json') return ctx.out(`${JSON.stringify(body, null, 2)}\n`);
      if (format === 'yaml') return ctx.out(toYaml(body));
      ctx.out(
        table(
          ['NAME', 'MTLS', 'SERVICES', 'DPS ONLINE/TOTAL', 'POLICIES', 'AGE'],
          body.items.map((m) => [
            m.name,
            m.mTLS.enabledBackend ?? 'off',
            String(m.services.total),
            `${m.dataplanes.online}/${m.dataplanes.total}`,
            String(Object.values(m.policies).reduce((n, p) => n + p.total, 0)),
            age(m.creationTime),
          ]),
        ),
      );
    });
}
