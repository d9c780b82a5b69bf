import type { Command } from 'commander';
import { ApiClient } from '../client.ts';
import { configPath, readConfig, writeConfig, type ControlPlaneEntry } from '../config-file.ts';
import type { CliContext } from '../context.ts';
import { CliError } from '../errors.ts';
import { table } from '../output.ts';

function parseAuthConf(values: string[]): Record<string, string> {
  const conf: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf('=');
    if (i <= 0) throw new CliError(`--auth-conf must be KEY=VALUE (got "${v}")`);
    conf[v.slice(0, i)] = v.slice(i + 1);
  }
  return conf;
}

export function configCommands(program: Command, ctx: CliContext): void {
  const cps = program.command('config').description('manage meshctl configuration').command('control-planes').description('manage known control planes');

  cps
    .command('add')
    .description('add a control plane and make it current')
    .requiredOption('--name <name>', 'reference name of the control plane')
    .requiredOption('--address <url>', 'URL of its API server, e.g. http://localhost:5681')
    .option('--auth-type <type>', 'authentication: tokens')
    .option('--auth-conf <key=value>', 'authentication settings, e.g. token=…', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--overwrite', 'replace a control plane with the same name')
    .option('--skip-verify', 'do not check that the control plane answers')
    .action(async (opts: { name: string; address: string; authType?: string; authConf: string[]; overwrite?: boolean; skipVerify?: boolean }) => {
      try {
        new URL(opts.address);
      } catch {
        throw new CliError(`--address must be a URL such as http://localhost:5681 (got "${opts.address}")`);
      }
      if (opts.authType !== undefined && opts.authType !== 'tokens') throw new CliError(`--auth-type must be "tokens" (got "${opts.authType}")`);
      const entry: ControlPlaneEntry = { name: opts.name, coordinates: { apiServer: { url: opts.address } } };
      if (opts.authType) {
        entry.coordinates.apiServer.authType = 'tokens';
        entry.coordinates.apiServer.authConf = parseAuthConf(opts.authConf);
        if (!entry.coordinates.apiServer.authConf.token) throw new CliError('--auth-type=tokens needs --auth-conf token=TOKEN');
      }
      const path = configPath(ctx.env);
      const config = readConfig(path);
      const exists = config.controlPlanes.some((c) => c.name === opts.name);
      if (exists && !opts.overwrite) throw new CliError(`control plane "${opts.name}" already exists; use --overwrite to replace it`);
      if (!opts.skipVerify) {
        const index = await new ApiClient(entry).request<{ product?: unknown }>('GET', '/');
        if (typeof index.body?.product !== 'string') throw new CliError(`${opts.address} does not look like a Meshwork API server`);
      }
      config.controlPlanes = [...config.controlPlanes.filter((c) => c.name !== opts.name), entry];
      config.contexts = [...config.contexts.filter((c) => c.name !== opts.name), { name: opts.name, controlPlane: opts.name }];
      config.currentContext = opts.name;
      writeConfig(path, config);
      ctx.out(`added Control Plane "${opts.name}"\nswitched active Control Plane to "${opts.name}"\n`);
    });

  cps
    .command('list')
    .description('list control planes')
    .action(() => {
      const config = readConfig(configPath(ctx.env));
      const current = config.contexts.find((c) => c.name === config.currentContext)?.controlPlane;
      ctx.out(table(['ACTIVE', 'NAME', 'ADDRESS'], config.controlPlanes.map((c) => [c.name === current ? '*' : '', c.name, c.coordinates.apiServer.url])));
    });

  cps
    .command('switch')
    .description('make a control plane current')
    .requiredOption('--name <name>', 'reference name of the control plane')
    .action((opts: { name: string }) => {
      const path = configPath(ctx.env);
      const config = readConfig(path);
      if (!config.controlPlanes.some((c) => c.name === opts.name)) throw new CliError(`there is no control plane named "${opts.name}"`);
      if (!config.contexts.some((c) => c.name === opts.name)) config.contexts.push({ name: opts.name, controlPlane: opts.name });
      config.currentContext = opts.name;
      writeConfig(path, config);
      ctx.out(`switched active Control Plane to "${opts.name}"\n`);
    });

  cps
    .command('remove')
    .description('forget a control plane')
    .requiredOption('--name <name>', 'reference name of the control plane')
    .action((opts: { name: string }) => {
      const path = configPath(ctx.env);
      const config = readConfig(path);
      if (!config.controlPlanes.some((c) => c.name === opts.name)) throw new CliError(`there is no control plane named "${opts.name}"`);
      config.controlPlanes = config.controlPlanes.filter((c) => c.name !== opts.name);
      config.contexts = config.contexts.filter((c) => c.controlPlane !== opts.name);
      if (!config.contexts.some((c) => c.name === config.currentContext)) config.currentContext = config.contexts[0]?.name ?? '';
      writeConfig(path, config);
      ctx.out(`removed Control Plane "${opts.name}"\n`);
    });
}
