import { describe, expect, it } from 'vitest';
import { asCommands, installRules, installTransparentProxy, TP_DEFAULTS, uninstallTransparentProxy, type IptablesRunner } from './transparent-proxy.ts';

// The rules as data, and install/uninstall against a recording iptables (the real one runs in
// test/e2e/transparent-proxy.test.ts, in a network namespace).

const options = { uid: 5678, ...TP_DEFAULTS, redirectDns: true, excludeInboundPorts: [22], excludeOutboundPorts: [5432, 6379] };

/** An iptables that keeps the chains and rules of the nat table, and fails `failOn`. */
function fakeIptables(failOn?: string): IptablesRunner & { rules: string[]; chains: Set<string> } {
  const rules: string[] = [];
  const chains = new Set<string>();
  const run = ((args: readonly string[]) => {
    const [, , op, chain, ...rest] = args;
    const spec = `${chain} ${rest.join(' ')}`;
    if (failOn && spec.includes(failOn)) return { status: 1, stderr: 'iptables: No chain/target/match by that name.' };
    if (op === '-N') chains.add(chain!);
    else if (op === '-X') chains.delete(chain!);
    else if (op === '-F') {
      for (let i = rules.length - 1; i >= 0; i--) if (rules[i]!.startsWith(`${chain} `)) rules.splice(i, 1);
    } else if (op === '-S') return { status: chains.has(chain!) ? 0 : 1, stderr: '' };
    else if (op === '-A') rules.push(spec);
    else if (op === '-D') {
      const i = rules.indexOf(spec);
      if (i < 0) return { status: 1, stderr: 'Bad rule' };
      rules.splice(i, 1);
    }
    return { status: 0, stderr: '' };
  }) as IptablesRunner & { rules: string[]; chains: Set<string> };
  return Object.assign(run, { rules, chains });
}

describe('transparent proxy rules', () => {
  it("redirect inbound and outbound TCP and DNS, but the proxy's own traffic, the loopback and excluded ports", () => {
    const text = asCommands(installRules(options));
    expect(text).toContain('iptables -t nat -A MESHWORK_INBOUND -p tcp --dport 22 -j RETURN');
    expect(text).toContain('iptables -t nat -A MESHWORK_OUTBOUND -m owner --uid-owner 5678 -j RETURN');
    expect(text).toContain('iptables -t nat -A MESHWORK_OUTBOUND -p tcp --dport 6379 -j RETURN');
    expect(text).toContain('iptables -t nat -A MESHWORK_DNS -p udp -j REDIRECT --to-ports 15053');
    // The jumps come last: nothing is redirected before every exception is in place.
    expect(text.split('\n').slice(-3)).toEqual(['iptables -t nat -A PREROUTING -p tcp -j MESHWORK_INBOUND', 'iptables -t nat -A OUTPUT -p udp --dport 53 -j MESHWORK_DNS', 'iptables -t nat -A OUTPUT -p tcp -j MESHWORK_OUTBOUND']);
    expect(asCommands(installRules({ ...options, redirectDns: false }))).not.toContain('MESHWORK_DNS');
  });

  it('install refuses a second time, uninstall leaves nothing, and a failing install undoes itself', () => {
    const ipt = fakeIptables();
    installTransparentProxy(options, ipt);
    expect(ipt.chains).toEqual(new Set(['MESHWORK_INBOUND', 'MESHWORK_OUTBOUND', 'MESHWORK_DNS']));
    expect(() => installTransparentProxy(options, ipt)).toThrow(/already installed/);
    uninstallTransparentProxy(ipt);
    expect(ipt.rules).toEqual([]);
    expect(ipt.chains.size).toBe(0);
    const failing = fakeIptables('--to-ports 15001');
    expect(() => installTransparentProxy(options, failing)).toThrow(/--to-ports 15001: iptables: No chain/);
    expect(failing.rules).toEqual([]);
    expect(failing.chains.size).toBe(0);
  });
});
