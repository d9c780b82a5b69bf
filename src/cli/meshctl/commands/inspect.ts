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
    .description('inspect computed state: `inspect meshes`, `inspect dataplane NAME --type=rules|config|layout|config-dump|stats|clusters`, `inspect zoneingress NAME --type=config-dump|stats|clusters`, `inspect <policy> NAME`')
    .argument('<what>', 'meshes, dataplane, zoneingress, or a policy type')
    .argument('[name]', 'name of the dataplane, zone ingress or policy')
    .option('-m, --mesh <mesh>', 'mesh', 'default')
    .option('--type <type>', "for a proxy: rules (the policies' rules), config (what the zone generated), layout (inbounds and reachable MeshServices, mode Exclusive), or from the proxy's Envoy: config-dump, stats, clusters", 'rules')
    .option('--include-eds', 'config-dump: with endpoints')
    .option('-o, --output <format>', 'table, yaml or json', 'table')
    .action(async (what: string, name: string | undefined, opts: { output: string; mesh: string; type: string; includeEds?: boolean }) => {
      const format = parseFormat(opts.output);
      const client = clientFor(ctx);
      if (what !== 'meshes') {
        if (!name) throw new CliError(`give the name of the ${what} to inspect`);
        const { descriptor: d } = resolveType(what);
        if (d.name === 'Dataplane' || d.name === 'ZoneIngress') {
          // As kumactl: config-dump, stats and clusters come from the proxy's Envoy admin (through its zone).
          const types: Record<string, string> = { 'config-dump': `xds${opts.includeEds ? '?include_eds=true' : ''}`, stats: 'stats', clusters: 'clusters', ...(d.name === 'Dataplane' ? { rules: '_rules', config: '_config', layout: '_layout' } : {}) };
          const type = d.name === 'ZoneIngress' && opts.type === 'rules' ? 'config-dump' : opts.type;
          const suffix = types[type];
          if (!suffix) throw new CliError(`--type must be one of ${Object.keys(types).join(', ')}`);
          const { body } = await client.request('GET', `${restPath(d, opts.mesh, name)}/${suffix}`);
          if (typeof body === 'string') return ctx.out(body.endsWith('\n') ? body : `${body}\n`);
          return ctx.out(format === 'yaml' ? toYaml(body) : `${JSON.stringify(body, null, 2)}\n`);
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
