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
  generate
    .command('zone-ingress-token')
    .description('generate a token a zone ingress presents to its zone control plane (run against the zone)')
    .option('--valid-for <duration>', 'how long the token is valid, e.g. 24h', '8760h')
    .action(async (opts: { validFor: string }) => {
      const { body } = await clientFor(ctx).request<string>('POST', '/tokens/zone-ingress', { validFor: opts.validFor });
      ctx.out(`${String(body)}\n`);
    });
  generate
    .command('dataplane-token')
    .description('generate a token a proxy presents to its zone control plane (meshwork-dp --dataplane-token-file)')
    .requiredOption('-m, --mesh <mesh>', 'mesh of the dataplane')
    .option('--name <name>', 'name of the dataplane (without it, the token fits every dataplane of the mesh)')
    .option('--valid-for <duration>', 'how long the token is valid, e.g. 24h', '8760h')
    .option('--proxy-type <type>', 'dataplane, ingress or egress', 'dataplane')
    .option('--tag <key=value>', 'restrict to dataplanes with this tag (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .action(async (opts: { mesh: string; name?: string; validFor: string; proxyType: string; tag: string[] }) => {
      const tags: Record<string, string[]> = {};
      for (const t of opts.tag) {
        const i = t.indexOf('=');
        (tags[t.slice(0, i)] ??= []).push(t.slice(i + 1));
      }
      const { body } = await clientFor(ctx).request<string>('POST', '/tokens/dataplane', {
        mesh: opts.mesh,
        validFor: opts.validFor,
        type: opts.proxyType,
        ...(opts.name ? { name: opts.name } : {}),
        ...(opts.tag.length ? { tags } : {}),
      });
      ctx.out(`${String(body)}\n`);
    });
}
