import { InvalidArgumentError, type Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { asCommands, installRules, installTransparentProxy, TP_DEFAULTS, uninstallTransparentProxy, type TransparentProxyOptions } from '../../../dp/transparent-proxy.ts';
import type { CliContext } from '../context.ts';
import { CliError } from '../errors.ts';

// `meshctl install transparent-proxy` and `meshctl uninstall transparent-proxy`, with
// kumactl's flags: iptables rules that redirect the host's traffic to Envoy and its DNS to
// meshwork-dp's DNS proxy (run as root, where the proxy runs: a host or a network namespace).

const port = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError('must be a port number');
  return n;
};
const ports = (v: string) => v.split(',').filter(Boolean).map(port);

/** A user name or uid as a uid (`id -u NAME`). */
function uidOf(user: string): number {
  if (/^\d+$/.test(user)) return Number(user);
  const r = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  if (r.status !== 0) throw new CliError(`no such user: ${user}`, { code: 'INVALID_ARGUMENT' });
  return Number(r.stdout.trim());
}

interface InstallFlags {
  kumaDpUser?: string;
  kumaDpUid?: string;
  redirectInboundPort: number;
  redirectOutboundPort: number;
  redirectDns?: boolean;
  redirectDnsPort: number;
  excludeInboundPorts: number[];
  excludeOutboundPorts: number[];
  dryRun?: boolean;
}

export function transparentProxyCommands(program: Command, ctx: CliContext): void {
  program
    .command('install')
    .description('install things on this host')
    .command('transparent-proxy')
    .description("redirect this host's traffic to Envoy and its DNS to meshwork-dp's DNS proxy (iptables; needs root)")
    .option('--kuma-dp-user <user>', 'the user meshwork-dp and Envoy run as (their traffic is not redirected)')
    .option('--kuma-dp-uid <uid>', 'the same, as a uid')
    .option('--redirect-inbound-port <port>', "Envoy's inbound port (the Dataplane's redirectPortInbound)", port, TP_DEFAULTS.redirectInboundPort)
    .option('--redirect-outbound-port <port>', "Envoy's outbound port (the Dataplane's redirectPortOutbound)", port, TP_DEFAULTS.redirectOutboundPort)
    .option('--redirect-dns', "send DNS queries (UDP 53) to meshwork-dp's DNS proxy")
    .option('--redirect-dns-port <port>', "the DNS proxy's port (meshwork-dp --dns-proxy-port)", port, TP_DEFAULTS.redirectDnsPort)
    .option('--exclude-inbound-ports <ports>', 'comma-separated inbound ports not to redirect', ports, [] as number[])
    .option('--exclude-outbound-ports <ports>', 'comma-separated outbound ports not to redirect', ports, [] as number[])
    .option('--dry-run', 'print the iptables commands instead of running them')
    .action((flags: InstallFlags) => {
      const user = flags.kumaDpUid ?? flags.kumaDpUser;
      if (!user) throw new CliError('--kuma-dp-user or --kuma-dp-uid is required: the traffic of meshwork-dp and Envoy must not be redirected', { code: 'INVALID_ARGUMENT' });
      const options: TransparentProxyOptions = {
        uid: uidOf(user),
        redirectInboundPort: flags.redirectInboundPort,
        redirectOutboundPort: flags.redirectOutboundPort,
        redirectDns: Boolean(flags.redirectDns),
        redirectDnsPort: flags.redirectDnsPort,
        excludeInboundPorts: flags.excludeInboundPorts,
        excludeOutboundPorts: flags.excludeOutboundPorts,
      };
      if (flags.dryRun) {
        ctx.out(`${asCommands(installRules(options))}\n`);
        return;
      }
      let rules: string[][];
      try {
        rules = installTransparentProxy(options);
      } catch (err) {
        throw new CliError((err as Error).message, { code: 'TRANSPARENT_PROXY_FAILED' });
      }
      ctx.out(`transparent proxying installed (${rules.length} iptables rules); meshctl uninstall transparent-proxy removes them\n`);
    });
  program
    .command('uninstall')
    .description('remove what install put on this host')
    .command('transparent-proxy')
    .description('remove the iptables rules of meshctl install transparent-proxy')
    .action(() => {
      uninstallTransparentProxy();
      ctx.out('transparent proxying uninstalled\n');
    });
}
