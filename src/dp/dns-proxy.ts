import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import * as packet from 'dns-packet';
import type { Logger } from '../core/logger.ts';
import { DNS_CONFIG_PATH, type DnsProxyConfig } from './agent-protocol.ts';
import { fetchText } from './metrics-merger.ts';

// meshwork-dp's DNS proxy (kuma-dp's embedded DNS): a UDP server on the loopback that answers
// the hostnames of the services the proxy reaches with their VIPs, from the map the zone CP
// sends through Envoy's dynamic configuration listener (GET /dns), and forwards every other
// query to the system's resolver. With transparent proxying, the iptables rules send the
// proxy's DNS traffic here; the VIPs then land on Envoy's VIP listeners.

export interface DnsProxy {
  readonly port: number;
  /** Replaces the records (names are matched without case and trailing dot). */
  setRecords(config: DnsProxyConfig): void;
  /** Names it answers, for logs and tests. */
  names(): string[];
  close(): Promise<void>;
}

/** The nameservers of resolv.conf (IPv4 only, port 53), else 127.0.0.53 (systemd-resolved's stub). */
export function systemNameservers(file = '/etc/resolv.conf'): { address: string; port: number }[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // No resolv.conf: the stub below.
  }
  const servers = [...text.matchAll(/^\s*nameserver\s+(\S+)/gm)].map((m) => m[1]!).filter((a) => isIPv4(a));
  return (servers.length ? servers : ['127.0.0.53']).map((address) => ({ address, port: 53 }));
}

const SERVFAIL = 2;

const normalize = (name: string) => name.toLowerCase().replace(/\.$/, '');

export async function startDnsProxy(opts: { port: number; address?: string; upstream?: { address: string; port: number }[]; forwardTimeoutMs?: number; logger: Logger }): Promise<DnsProxy> {
  let records = new Map<string, string[]>();
  let ttl = 30;
  const upstream = opts.upstream ?? systemNameservers();
  const server = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.bind(opts.port, opts.address ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => opts.logger.warn({ err: err.message }, 'DNS proxy socket error'));

  /** Sends the query to the first upstream that answers in time; SERVFAIL when none does. */
  const forward = async (query: Buffer, decoded: packet.Packet): Promise<Buffer> => {
    for (const u of upstream) {
      const answer = await new Promise<Buffer | undefined>((resolve) => {
        const s: Socket = createSocket('udp4');
        const timer = setTimeout(() => done(undefined), opts.forwardTimeoutMs ?? 5000);
        const done = (b: Buffer | undefined) => {
          clearTimeout(timer);
          s.close();
          resolve(b);
        };
        s.on('error', () => done(undefined));
        s.on('message', (msg) => done(msg));
        s.send(query, u.port, u.address);
      });
      if (answer) return answer;
    }
    // dns-packet writes the rcode from the low bits of the flags.
    return Buffer.from(packet.encode({ type: 'response', id: decoded.id, flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE | SERVFAIL, questions: decoded.questions } as packet.Packet));
  };

  server.on('message', (msg, rinfo) => {
    void (async () => {
      let decoded: packet.Packet;
      try {
        decoded = packet.decode(msg);
      } catch {
        return; // Not DNS: dropped, as resolvers do.
      }
      const question = decoded.questions?.[0];
      const ips = question && records.get(normalize(question.name));
      let reply: Buffer;
      if (question && ips && (question.class ?? 'IN') === 'IN') {
        // A mesh name: its VIPs for A (and ANY); an empty NOERROR answer for other types (no IPv6 VIPs).
        const answers = question.type === 'A' || (question.type as string) === 'ANY' ? ips.filter((ip) => isIPv4(ip)).map((ip) => ({ type: 'A' as const, class: 'IN' as const, name: question.name, ttl, data: ip })) : [];
        reply = Buffer.from(packet.encode({ type: 'response', id: decoded.id, flags: packet.AUTHORITATIVE_ANSWER | ((decoded.flags ?? 0) & packet.RECURSION_DESIRED) | packet.RECURSION_AVAILABLE, questions: decoded.questions, answers } as packet.Packet));
      } else {
        reply = await forward(msg, decoded);
      }
      server.send(reply, rinfo.port, rinfo.address);
    })().catch((err: Error) => opts.logger.warn({ err: err.message }, 'DNS proxy could not answer a query'));
  });

  return {
    port: server.address().port,
    setRecords(config) {
      records = new Map(config.records.map((r) => [normalize(r.name), r.ips]));
      ttl = config.ttl > 0 ? config.ttl : 30;
    },
    names: () => [...records.keys()],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Keeps a DNS proxy's records those Envoy serves on the dynamic configuration socket (GET
 * /dns), read every `intervalMs`; without an answer (no listener yet, or no records for this
 * proxy) the records it has stay. Returns the stop function.
 */
export function followDnsConfig(proxy: DnsProxy, opts: { configSocket: string; intervalMs: number; logger: Logger }): { refresh(): Promise<void>; stop(): void } {
  let last = '';
  const read = async () => {
    let text: string;
    try {
      text = await fetchText({ socketPath: opts.configSocket, path: DNS_CONFIG_PATH }, 5000);
    } catch {
      return;
    }
    if (text === last) return;
    try {
      const config = JSON.parse(text) as DnsProxyConfig;
      if (!Array.isArray(config.records)) return;
      proxy.setRecords(config);
      last = text;
      opts.logger.info({ names: config.records.length }, 'DNS proxy records updated');
    } catch (err) {
      opts.logger.warn({ err: (err as Error).message }, 'unreadable DNS config from Envoy');
    }
  };
  void read();
  const timer = setInterval(() => void read(), opts.intervalMs);
  timer.unref();
  return { refresh: read, stop: () => clearInterval(timer) };
}
