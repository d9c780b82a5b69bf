import type { Command } from 'commander';
import { clientFor, type CliContext } from '../context.ts';

export function generateCommands(program: Command, ctx: CliContext): void {
  const generate = program.command('generate').description('generate tokens');
  generate
    .command('zone-token')
    .description('generate a token a zone control plane presents to global (MESHWORK_ZONE_TOKEN_FILE)')
    .requiredOption('--zone <name>', 'name of the zone')
    .option('--valid-for <duration>', 'how long the token is valid, e.g. 24h or 30d', '8760h')
    .option('--scope <scope>', 'scope of the token (cp, ingress, egress); repeatable', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .action(async (opts: { zone: string; validFor: string; scope: string[] }) => {
      const { body } = await clientFor(ctx).request<string>('POST', '/tokens/zone', {
        zone: opts.zone,
        validFor: opts.validFor,
        ...(opts.scope.length > 0 ? { scope: opts.scope } : {}),
      });
      ctx.out(`${String(body)}\n`);
    });
}
