import type { Command } from 'commander';
import { clientFor, type CliContext } from '../context.ts';
import { CliError } from '../errors.ts';
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
    .description('inspect computed state: `inspect meshes`')
    .argument('<what>', 'meshes')
    .option('-o, --output <format>', 'table, yaml or json', 'table')
    .action(async (what: string, opts: { output: string }) => {
      const format = parseFormat(opts.output);
      if (what !== 'meshes') throw new CliError(`cannot inspect "${what}" yet; supported: meshes`);
      const { body } = await clientFor(ctx).request<{ total: number; items: MeshInsight[] }>('GET', '/mesh-insights');
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
