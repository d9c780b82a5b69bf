import { createSocket } from 'node:dgram';
import * as packet from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.ts';
import { startDnsProxy, systemNameservers, type DnsProxy } from './dns-proxy.ts';

// The DNS proxy against a resolver of the test's own (answering 192.0.2.7 for every name it
// is asked) and a silent one: mesh names get their VIPs, others are forwarded.

/** A decoded reply, with what dns-packet decodes beyond its types. */
type Reply = Omit<packet.Packet, 'answers'> & { rcode?: string; flag_aa?: boolean; answers?: { type: string; name: string; ttl?: number; data?: unknown }[] };

async function ask(port: number, name: string, type: packet.RecordType = 'A'): Promise<Reply> {
  const s = createSocket('udp4');
  try {
    return await new Promise<Reply>((resolve, reject) => {
      s.on('message', (m) => resolve(packet.decode(m) as unknown as Reply));
      s.on('error', reject);
      s.send(packet.encode({ type: 'query', id: 4242, flags: packet.RECURSION_DESIRED, questions: [{ type, name }] }), port, '127.0.0.1');
    });
  } finally {
    s.close();
  }
}

describe('DNS proxy', () => {
  const upstream = createSocket('udp4');
  const silent = createSocket('udp4');
  let proxy: DnsProxy;
  let forwarded = 0;

  beforeAll(async () => {
    upstream.on('message', (m, r) => {
      forwarded++;
      const q = packet.decode(m);
      upstream.send(packet.encode({ type: 'response', id: q.id, flags: packet.RECURSION_AVAILABLE, questions: q.questions, answers: [{ type: 'A', name: q.questions![0]!.name, ttl: 60, data: '192.0.2.7' }] }), r.port, r.address);
    });
    await new Promise<void>((resolve) => upstream.bind(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    proxy = await startDnsProxy({ port: 0, upstream: [{ address: '127.0.0.1', port: silent.address().port }, { address: '127.0.0.1', port: upstream.address().port }], forwardTimeoutMs: 300, logger: silentLogger() });
    proxy.setRecords({ ttl: 30, records: [{ name: 'backend.svc.mesh.local', ips: ['241.0.0.1'] }, { name: 'db.svc.mesh.local', ips: ['241.0.0.2', '241.0.0.9'] }] });
  });
  afterAll(async () => {
    await proxy.close();
    upstream.close();
    silent.close();
  });

  it('answers mesh names with their VIPs, authoritatively, whatever their case and trailing dot', async () => {
    const a = await ask(proxy.port, 'backend.svc.mesh.local');
    expect(a.id).toBe(4242);
    expect(a.rcode).toBe('NOERROR');
    expect(a.flag_aa).toBe(true);
    expect(a.answers).toEqual([{ type: 'A', class: 'IN', name: 'backend.svc.mesh.local', ttl: 30, flush: false, data: '241.0.0.1' }]);
    expect((await ask(proxy.port, 'DB.svc.Mesh.Local.')).answers!.map((r) => r.data)).toEqual(['241.0.0.2', '241.0.0.9']);
    // No IPv6 VIPs: AAAA of a mesh name is an empty answer, not a forwarded one.
    const before = forwarded;
    const aaaa = await ask(proxy.port, 'backend.svc.mesh.local', 'AAAA');
    expect(aaaa.rcode).toBe('NOERROR');
    expect(aaaa.answers).toEqual([]);
    expect(forwarded).toBe(before);
  });

  it('forwards other names to the first resolver that answers, and follows new records', async () => {
    const other = await ask(proxy.port, 'example.org');
    expect(other.answers!.map((r) => r.data)).toEqual(['192.0.2.7']);
    proxy.setRecords({ ttl: 5, records: [{ name: 'example.org', ips: ['241.0.0.5'] }] });
    const now = await ask(proxy.port, 'example.org');
    expect(now.answers).toMatchObject([{ data: '241.0.0.5', ttl: 5 }]);
    expect((await ask(proxy.port, 'backend.svc.mesh.local')).answers!.map((r) => r.data)).toEqual(['192.0.2.7']);
  });

  it('answers SERVFAIL when no resolver answers', async () => {
    const lone = await startDnsProxy({ port: 0, upstream: [{ address: '127.0.0.1', port: silent.address().port }], forwardTimeoutMs: 200, logger: silentLogger() });
    try {
      expect((await ask(lone.port, 'example.org')).rcode).toBe('SERVFAIL');
    } finally {
      await lone.close();
    }
  });

  it("reads the system's IPv4 nameservers from resolv.conf", () => {
    const servers = systemNameservers('/etc/resolv.conf');
    expect(servers.length).toBeGreaterThan(0);
    for (const s of servers) expect(s.port).toBe(53);
    expect(systemNameservers('/nonexistent/resolv.conf')).toEqual([{ address: '127.0.0.53', port: 53 }]);
  });
});
