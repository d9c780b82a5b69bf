import { EventEmitter } from 'node:events';
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.ts';
import { waitFor } from '../../test/helpers/wait.ts';
import { isMeshworkError } from '../core/errors.ts';
import { registry } from '../resources/all.ts';
import { MemoryStore } from '../store/memory-store.ts';
import { adminRequest, adminResponse, answerOf, parseAdminRequest, type AdminRequestMessage } from '../kds/envoy-admin-streams.ts';
import { EnvoyAdminForwarder, GlobalEnvoyAdmin } from '../kds/global/envoy-admin-forwarder.ts';
import { toZone } from '../kds/directions.ts';
import { ENVOY_ADMIN_CA_SECRET, ENVOY_ADMIN_CLIENT_SAN, EnvoyAdminTls } from './tls.ts';
import { sanitizeConfigDump } from './access.ts';
import { EnvoyAdminClient } from './client.ts';
import { freePort } from '../../test/helpers/ports.ts';

const newStore = () => new MemoryStore({ registry, maxResourceBytes: 1 << 20 });

const codeOf = async (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (err: unknown) => (isMeshworkError(err) ? err.code : String(err)),
  );

describe('Envoy admin certificates', () => {
  it("one CA per zone store, shared by its instances, never sent to other zones; proxies' server certificates and the CP's client certificate chain to it", async () => {
    const store = newStore();
    const a = new EnvoyAdminTls(store);
    const b = new EnvoyAdminTls(store);
    const [caA, caB] = await Promise.all([a.ca(), b.ca()]);
    expect(caA.cert).toBe(caB.cert);
    const secret = await store.get({ type: 'GlobalSecret', name: ENVOY_ADMIN_CA_SECRET });
    expect(Buffer.from((secret.spec as { data: string }).data, 'base64').toString()).toContain('BEGIN CERTIFICATE');
    expect(toZone(registry.get('GlobalSecret'), secret, 'zone-2', new Set(['zone-2']))).toBeUndefined();

    const ca = new X509Certificate(caA.cert);
    const server = await a.serverCert(['127.0.6.1', 'backend.example']);
    const serverX509 = new X509Certificate(server.cert);
    expect(serverX509.verify(ca.publicKey)).toBe(true);
    expect(serverX509.subjectAltName).toBe('IP Address:127.0.6.1, DNS:backend.example');
    expect(serverX509.checkHost('backend.example')).toBe('backend.example');
    expect(server.caCert).toBe(caA.cert);
    // Cached: a proxy's configuration does not change from one build to the next.
    expect((await a.serverCert(['127.0.6.1', 'backend.example'])).cert).toBe(server.cert);

    const client = await b.client();
    const clientX509 = new X509Certificate(client.cert);
    expect(clientX509.verify(ca.publicKey)).toBe(true);
    expect(clientX509.subjectAltName).toBe(`DNS:${ENVOY_ADMIN_CLIENT_SAN}`);
    expect(clientX509.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(serverX509.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
  });
});

describe('config dumps', () => {
  it("hide the proxy's token, which Envoy itself prints", () => {
    const token = 'eyJhbGciOi.secret-token.sig';
    const dump = { configs: [{ '@type': 'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump', bootstrap: { dynamic_resources: { ads_config: { grpc_services: [{ initial_metadata: [{ key: 'authorization', value: token }] }] } } } }, { '@type': 'x.ListenersConfigDump', note: `copied ${token}` }] };
    const out = sanitizeConfigDump(Buffer.from(JSON.stringify(dump))).toString();
    expect(out).not.toContain(token);
    expect(JSON.parse(out).configs[0].bootstrap.dynamic_resources.ads_config.grpc_services[0].initial_metadata[0]).toEqual({ key: 'authorization', value: '[redacted]' });
    expect(() => sanitizeConfigDump(Buffer.from('<html>'))).toThrow(/not JSON/);
  });
});

describe('KDS Envoy admin messages', () => {
  it('a malformed request from global is refused naming the field', () => {
    const ok = adminRequest('stats', 'r1', { type: 'Dataplane', mesh: 'default', name: 'web-1' }, { format: 'json' });
    expect(parseAdminRequest('stats', ok)).toEqual({ proxy: { type: 'Dataplane', mesh: 'default', name: 'web-1' }, query: { format: 'json', usedOnly: true } });
    expect(() => parseAdminRequest('stats', { ...ok, resource_type: 'Mesh' })).toThrow(/^resource_type: /);
    expect(() => parseAdminRequest('stats', { ...ok, resource_name: '' })).toThrow(/^resource_name: /);
    expect(() => parseAdminRequest('xds', { ...ok, resource_mesh: '' })).toThrow(/^resource_mesh: /);
    expect(parseAdminRequest('clusters', { ...ok, resource_type: 'ZoneIngress', resource_mesh: '' }).proxy).toEqual({ type: 'ZoneIngress', name: 'web-1' });
  });

  it("a zone's error comes back with its code; an unknown code is INTERNAL", () => {
    const res = adminResponse('xds', 'r1', { error: Object.assign(new Error('no such dataplane'), {}) });
    expect(res.error_code).toBe('INTERNAL');
    expect(() => answerOf('xds', {}, { request_id: 'r1', error: 'gone', error_code: 'NOT_FOUND' })).toThrow(expect.objectContaining({ code: 'NOT_FOUND', message: 'gone' }));
    expect(() => answerOf('xds', {}, { request_id: 'r1', error: 'x', error_code: 'WHATEVER' })).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    expect(answerOf('stats', { format: 'json' }, { request_id: 'r1', stats: Buffer.from('{}') })).toEqual({ contentType: 'application/json', body: Buffer.from('{}') });
  });
});

/** A zone's admin stream as global's gRPC server holds it: requests written, answers emitted. */
function fakeStream() {
  const call = new EventEmitter() as EventEmitter & { written: AdminRequestMessage[]; write(m: AdminRequestMessage): boolean; end(): void };
  call.written = [];
  call.write = (m) => (call.written.push(m), true);
  call.end = () => {};
  return call;
}

describe('global forwarding to zones', () => {
  it('answers from the zone the proxy is in; an unconnected zone is 503, a silent one 504, a zone that drops its stream 503', async () => {
    const store = newStore();
    const forwarder = new EnvoyAdminForwarder({ logger: silentLogger(), timeoutMs: 200 });
    const access = new GlobalEnvoyAdmin({ store, forwarder });
    await store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
    await store.create({ type: 'Dataplane', mesh: 'default', name: 'web-1-abc', labels: { 'kuma.io/zone': 'zone-1', 'kuma.io/display-name': 'web-1', 'kuma.io/origin': 'zone' }, spec: { networking: { address: '10.0.0.1', inbound: [{ port: 80, tags: { 'kuma.io/service': 'web' } }] } } });
    const proxy = { type: 'Dataplane' as const, mesh: 'default', name: 'web-1-abc' };

    expect(await codeOf(access.inspect(proxy, 'stats', {}))).toBe('ZONE_UNREACHABLE');
    expect(await codeOf(access.inspect({ ...proxy, name: 'nobody' }, 'stats', {}))).toBe('NOT_FOUND');

    const stream = fakeStream();
    forwarder.register('stats', 'zone-1', stream as never);
    expect(forwarder.zones('stats')).toEqual(['zone-1']);
    const asked = access.inspect(proxy, 'stats', { usedOnly: false });
    await waitFor(() => stream.written.length === 1, { what: 'the request on the stream' });
    expect(stream.written[0]).toMatchObject({ resource_type: 'Dataplane', resource_name: 'web-1', resource_mesh: 'default', format: 'TEXT', used_only: false });
    // An answer to no request in flight is dropped; the right one resolves.
    stream.emit('data', { request_id: 'unknown', stats: Buffer.from('nope') });
    stream.emit('data', { request_id: stream.written[0]!.request_id, stats: Buffer.from('server.live: 1\n') });
    expect((await asked).body.toString()).toBe('server.live: 1\n');

    expect(await codeOf(access.inspect(proxy, 'stats', {}))).toBe('UPSTREAM_TIMEOUT');
    const dropped = access.inspect(proxy, 'stats', {});
    await waitFor(() => stream.written.length === 3, { what: 'the third request on the stream' });
    stream.emit('close');
    expect(await codeOf(dropped)).toBe('ZONE_UNREACHABLE');
    expect(forwarder.zones('stats')).toEqual([]);
  });
});

describe('the Envoy admin client', () => {
  it('a proxy whose admin does not answer is PROXY_UNREACHABLE, naming the proxy and address', async () => {
    const port = await freePort();
    const client = new EnvoyAdminClient(new EnvoyAdminTls(newStore()), { timeoutMs: 1000 });
    const err = await client.get({ describe: 'dataplane default/web-1', address: '127.0.9.9', adminPort: port }, 'stats').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PROXY_UNREACHABLE', message: expect.stringContaining(`dataplane default/web-1 at 127.0.9.9:${port}`) });
  });
});
