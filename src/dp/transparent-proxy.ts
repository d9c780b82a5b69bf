import { spawnSync } from 'node:child_process';

// Transparent proxying for Universal (kumactl install transparent-proxy): iptables rules in
// the nat table that send a host's (or network namespace's) TCP traffic to Envoy, inbound to
// its redirectPortInbound and outbound to its redirectPortOutbound, and its DNS queries (UDP
// 53) to meshwork-dp's DNS proxy. Traffic of the proxy's own user (meshwork-dp and Envoy) is
// left alone, as is loopback traffic and any excluded port. Chains are Meshwork's own, so
// uninstalling removes exactly what installing added. IPv4 only.

export interface TransparentProxyOptions {
  /** The uid meshwork-dp and Envoy run as (kumactl's --kuma-dp-uid): their traffic is not redirected. */
  uid: number;
  redirectInboundPort: number;
  redirectOutboundPort: number;
  /** Send DNS queries (UDP 53) to the DNS proxy on `redirectDnsPort`. */
  redirectDns: boolean;
  redirectDnsPort: number;
  excludeInboundPorts: readonly number[];
  excludeOutboundPorts: readonly number[];
}

export const TP_DEFAULTS = { redirectInboundPort: 15006, redirectOutboundPort: 15001, redirectDnsPort: 15053 } as const;

const CHAINS = { inbound: 'MESHWORK_INBOUND', outbound: 'MESHWORK_OUTBOUND', dns: 'MESHWORK_DNS' } as const;

/** The jumps from the built-in chains into Meshwork's (added on install, deleted on uninstall). */
function jumps(o: Pick<TransparentProxyOptions, 'redirectDns'>): string[][] {
  return [
    ['-t', 'nat', '-A', 'PREROUTING', '-p', 'tcp', '-j', CHAINS.inbound],
    ...(o.redirectDns ? [['-t', 'nat', '-A', 'OUTPUT', '-p', 'udp', '--dport', '53', '-j', CHAINS.dns]] : []),
    ['-t', 'nat', '-A', 'OUTPUT', '-p', 'tcp', '-j', CHAINS.outbound],
  ];
}

/** The iptables invocations (arguments) that install transparent proxying, in order. */
export function installRules(o: TransparentProxyOptions): string[][] {
  const nat = (...args: string[]) => ['-t', 'nat', ...args];
  const uid = String(o.uid);
  return [
    ...Object.values(CHAINS).flatMap((chain) => (chain === CHAINS.dns && !o.redirectDns ? [] : [nat('-N', chain)])),
    // Inbound: every TCP connection to the host, but excluded ports, to Envoy's inbound passthrough.
    ...o.excludeInboundPorts.map((p) => nat('-A', CHAINS.inbound, '-p', 'tcp', '--dport', String(p), '-j', 'RETURN')),
    nat('-A', CHAINS.inbound, '-p', 'tcp', '-j', 'REDIRECT', '--to-ports', String(o.redirectInboundPort)),
    // Outbound: not the proxy's own traffic, not the loopback, not excluded ports.
    nat('-A', CHAINS.outbound, '-m', 'owner', '--uid-owner', uid, '-j', 'RETURN'),
    nat('-A', CHAINS.outbound, '-d', '127.0.0.1/32', '-j', 'RETURN'),
    ...o.excludeOutboundPorts.map((p) => nat('-A', CHAINS.outbound, '-p', 'tcp', '--dport', String(p), '-j', 'RETURN')),
    nat('-A', CHAINS.outbound, '-p', 'tcp', '-j', 'REDIRECT', '--to-ports', String(o.redirectOutboundPort)),
    // DNS: everyone's but the DNS proxy's own (it forwards to the real resolvers).
    ...(o.redirectDns
      ? [nat('-A', CHAINS.dns, '-m', 'owner', '--uid-owner', uid, '-j', 'RETURN'), nat('-A', CHAINS.dns, '-p', 'udp', '-j', 'REDIRECT', '--to-ports', String(o.redirectDnsPort))]
      : []),
    ...jumps(o),
  ];
}

/** How a rule list reads as commands (for --dry-run and logs). */
export const asCommands = (rules: readonly string[][]): string => rules.map((r) => `iptables ${r.join(' ')}`).join('\n');

export type IptablesRunner = (args: readonly string[]) => { status: number; stderr: string };

export const runIptables: IptablesRunner = (args) => {
  const r = spawnSync('iptables', ['-w', ...args], { encoding: 'utf8' });
  if (r.error) throw new Error(`cannot run iptables: ${r.error.message} (install iptables; it needs root)`);
  return { status: r.status ?? 1, stderr: r.stderr };
};

/** Whether Meshwork's chains exist (installed). */
export function isInstalled(run: IptablesRunner = runIptables): boolean {
  return run(['-t', 'nat', '-S', CHAINS.outbound]).status === 0;
}

/** Installs the rules; refuses when they already are (uninstall first). Throws with iptables' message on failure, after undoing what it added. */
export function installTransparentProxy(o: TransparentProxyOptions, run: IptablesRunner = runIptables): string[][] {
  if (isInstalled(run)) throw new Error('transparent proxying is already installed (meshctl uninstall transparent-proxy first)');
  const rules = installRules(o);
  for (const rule of rules) {
    const r = run(rule);
    if (r.status !== 0) {
      uninstallTransparentProxy(run);
      throw new Error(`iptables ${rule.join(' ')}: ${r.stderr.trim()}`);
    }
  }
  return rules;
}

/** Removes the jumps and chains installing added (whichever exist). */
export function uninstallTransparentProxy(run: IptablesRunner = runIptables): void {
  for (const jump of jumps({ redirectDns: true })) {
    const del = jump.map((a) => (a === '-A' ? '-D' : a));
    while (run(del).status === 0) {
      // A rule added twice is deleted twice.
    }
  }
  for (const chain of Object.values(CHAINS)) {
    run(['-t', 'nat', '-F', chain]);
    run(['-t', 'nat', '-X', chain]);
  }
}
