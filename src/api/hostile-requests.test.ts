import { describe, expect, it } from 'vitest';
import { testApiPerTest } from '../../test/helpers/api.ts';
import { waitFor } from '../../test/helpers/wait.ts';
import { YamlBodyParser } from './body/yaml-parser.ts';

// What a hostile or careless caller sends to the REST API, and what it must get back: a
// clear Kuma-shaped error, nothing leaked, nothing changed, and the server still answering.

const setup = testApiPerTest();

const PRIVATE_KEY = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSECRET\n-----END PRIVATE KEY-----';

describe('REST API: key material', () => {
  it('serves a proxy config dump to admins only, with its private keys redacted', async () => {
    const dump = {
      cluster: [],
      endpoint: [],
      listener: [],
      route: [],
      secret: [{ name: 'identity_cert:secret:default', tls_certificate: { certificate_chain: { inline_string: 'CERT' }, private_key: { inline_string: PRIVATE_KEY } } }],
    };
    const { app, store, token } = await setup({ role: 'standalone', localhostIsAdmin: false, deps: { proxyConfig: (id) => (id === 'default.web-1' ? dump : undefined) } });
    await store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
    await store.create({ type: 'Dataplane', mesh: 'default', name: 'web-1', labels: {}, spec: { networking: { address: '10.0.0.1', inbound: [{ port: 80, tags: { 'kuma.io/service': 'web' } }] } } });
    const url = '/meshes/default/dataplanes/web-1/_config';

    const anonymous = await app.inject({ method: 'GET', url });
    expect(anonymous.statusCode).toBe(403);
    expect(anonymous.body).not.toContain('PRIVATE KEY');
    expect(anonymous.json()).toMatchObject({ type: '/std-errors', status: 403, code: 'FORBIDDEN' });

    const admin = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
    expect(admin.statusCode).toBe(200);
    expect(admin.body).not.toContain('PRIVATE KEY');
    type Dump = { configs: { '@type': string; dynamic_active_secrets?: { secret: { tls_certificate: unknown } }[] }[] };
    const secrets = (dump: Dump) => dump.configs.find((c) => c['@type'].endsWith('SecretsConfigDump'))!.dynamic_active_secrets!;
    // Kuma's shape: {xds: <Envoy config dump>}.
    expect(secrets((admin.json() as { xds: Dump }).xds)[0]!.secret.tls_certificate).toEqual({ certificate_chain: { inline_string: 'CERT' }, private_key: { inline_string: '[redacted]' } });
    // kumactl's inspect dataplane --type=config-dump reads the proxy's own Envoy (test/e2e/envoy-admin.test.ts), never this dump.
    const xds = await app.inject({ method: 'GET', url: '/meshes/default/dataplanes/web-1/xds', headers: { authorization: `Bearer ${token}` } });
    expect(xds.statusCode).toBe(405);
    expect(xds.body).not.toContain('PRIVATE KEY');
    // The dump handed to the route is not modified: the proxy keeps its key.
    expect(dump.secret[0]!.tls_certificate.private_key.inline_string).toBe(PRIVATE_KEY);
  });
});

/** Sends the request line and headers only (the body never comes) and resolves with the answer. */
async function headersOnly(port: number, head: string): Promise<string> {
  const { connect } = await import('node:net');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    let answer = '';
    socket.on('data', (d) => {
      answer += d.toString();
      if (answer.includes('\r\n\r\n') && /\}\s*$/.test(answer)) {
        socket.destroy();
        resolve(answer);
      }
    });
    socket.on('error', reject);
  });
}

/** A YAML document of about `bytes` bytes, slow for the yaml library (seconds per few MB). */
function bigYaml(bytes: number): string {
  let s = 'type: Mesh\nname: big\nconstraints:\n  dataplaneProxy:\n    requirements:\n';
  while (s.length < bytes) s += `      - tags: {kuma.io/service: svc-${s.length}, team: "core"}\n`;
  return s;
}

describe('REST API: no request can stall the control plane', () => {
  it('answers an anonymous write, and any body on a method that takes none, before reading the body', async () => {
    const { app } = await setup({ localhostIsAdmin: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    const big = 'content-type: application/yaml\r\ncontent-length: 6000000\r\n';
    const put = await headersOnly(port, `PUT /meshes/m1 HTTP/1.1\r\nhost: x\r\n${big}\r\n`);
    expect(put).toMatch(/^HTTP\/1\.1 403/);
    expect(put).toContain('"code":"FORBIDDEN"');
    for (const method of ['OPTIONS', 'GET', 'DELETE', 'PROPFIND']) {
      const answer = await headersOnly(port, `${method} /meshes HTTP/1.1\r\nhost: x\r\n${big}\r\n`);
      expect(answer, method).toMatch(/^HTTP\/1\.1 4\d\d/);
      expect(answer, method).toContain('"type":"/std-errors"');
    }
    const unknown = await headersOnly(port, `POST /no/such/endpoint HTTP/1.1\r\nhost: x\r\nauthorization: Bearer x\r\n${big}\r\n`);
    expect(unknown).toMatch(/^HTTP\/1\.1 (401|404)/);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
  });

  it('parses YAML bodies off the event loop: the API answers while a large document is being parsed', async () => {
    const yamlParser = new YamlBodyParser({ timeoutMs: 60_000 });
    const { app } = await setup({ deps: { yamlParser } });
    const put = app.inject({ method: 'PUT', url: '/meshes/big', headers: { 'content-type': 'application/yaml' }, payload: bigYaml(1_500_000) });
    await waitFor(() => yamlParser.pending === 1, { what: 'the YAML body to be in the parser' });
    const index = await app.inject({ method: 'GET', url: '/' });
    expect(index.statusCode).toBe(200);
    expect(yamlParser.pending, 'the large document is still being parsed').toBe(1);
    const res = await put;
    expect([201, 413]).toContain(res.statusCode);
  });

  it('refuses deep JSON with a 400 naming the field, not a 500', async () => {
    const { app, store } = await setup();
    const before = await store.revision();
    const res = await app.inject({ method: 'PUT', url: '/meshes/m5', headers: { 'content-type': 'application/json' }, payload: `{"type":"Mesh","name":"m5","mtls":${'['.repeat(50_000)}${']'.repeat(50_000)}}` });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ type: '/std-errors', status: 400, code: 'INVALID_RESOURCE', invalid_parameters: [{ field: expect.stringMatching(/^mtls\[0\]/), reason: expect.stringMatching(/nested more than \d+ levels/) }] });
    expect(await store.revision()).toBe(before);
  });
});

describe('REST API: small things get a clear Kuma-shaped answer', () => {
  it('a trailing slash on a list path lists, as in Kuma', async () => {
    const { app } = await setup();
    await app.inject({ method: 'PUT', url: '/meshes/m1', payload: { type: 'Mesh', name: 'm1' } });
    const res = await app.inject({ method: 'GET', url: '/meshes/' });
    expect(res.statusCode).toBe(200);
    expect(res.json().items.map((m: { name: string }) => m.name)).toContain('m1');
    expect((await app.inject({ method: 'GET', url: '/meshes/m1/meshtimeouts/' })).json()).toEqual((await app.inject({ method: 'GET', url: '/meshes/m1/meshtimeouts' })).json());
  });

  it('a JSON body sent as text/plain is a 415 naming the content type', async () => {
    const { app, store } = await setup();
    const before = await store.revision();
    const res = await app.inject({ method: 'PUT', url: '/meshes/m1', headers: { 'content-type': 'text/plain' }, payload: JSON.stringify({ type: 'Mesh', name: 'm1' }) });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ type: '/std-errors', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', invalid_parameters: [{ field: 'content-type' }] });
    expect(await store.revision()).toBe(before);
  });

  it('a __proto__ key, in JSON or YAML, is refused naming the field', async () => {
    const { app, store } = await setup();
    await app.inject({ method: 'PUT', url: '/meshes/default', payload: { type: 'Mesh', name: 'default' } });
    const before = await store.revision();
    const dp = (tags: string) => `{"type":"Dataplane","mesh":"default","name":"dp","networking":{"address":"10.0.0.1","inbound":[{"port":80,"tags":${tags}}]}}`;
    const json = await app.inject({ method: 'PUT', url: '/meshes/default/dataplanes/dp', headers: { 'content-type': 'application/json' }, payload: dp('{"kuma.io/service":"web","__proto__":{"polluted":"yes"}}') });
    expect(json.statusCode).toBe(400);
    expect(json.json().invalid_parameters).toEqual([{ field: 'networking.inbound[0].tags["__proto__"]', reason: 'is not an allowed field name' }]);
    const yaml = await app.inject({ method: 'PUT', url: '/meshes/m2', headers: { 'content-type': 'application/yaml' }, payload: 'type: Mesh\nname: m2\n__proto__:\n  polluted: yes\n' });
    expect(yaml.statusCode).toBe(400);
    expect(yaml.json().invalid_parameters).toEqual([{ field: '__proto__', reason: 'is not an allowed field name' }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await store.revision()).toBe(before);
  });

  it('every name the schema accepts can be created, read and deleted; longer ones get a 400 in the error format', async () => {
    const { app } = await setup();
    await app.inject({ method: 'PUT', url: '/meshes/default', payload: { type: 'Mesh', name: 'default' } });
    for (const length of [101, 200, 253]) {
      const name = `a${'b'.repeat(length - 2)}c`;
      const url = `/meshes/default/meshtimeouts/${name}`;
      expect((await app.inject({ method: 'PUT', url, payload: { type: 'MeshTimeout', mesh: 'default', name, spec: { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '1s' } }] } } })).statusCode, `PUT ${length}`).toBe(201);
      expect((await app.inject({ method: 'GET', url })).statusCode, `GET ${length}`).toBe(200);
      expect((await app.inject({ method: 'DELETE', url })).statusCode, `DELETE ${length}`).toBe(200);
    }
    const tooLong = await app.inject({ method: 'GET', url: `/meshes/default/meshtimeouts/${'x'.repeat(2000)}` });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json()).toMatchObject({ type: '/std-errors', status: 400, code: 'BAD_REQUEST' });
    expect(tooLong.body).not.toContain('x'.repeat(100));
  });
});

describe('REST API: meshes are not lost by accident', () => {
  it('refuses to delete a Mesh with Dataplanes attached, on global and on a standalone zone, as Kuma', async () => {
    for (const role of ['global', 'standalone'] as const) {
      const { app, store } = await setup({ role });
      await app.inject({ method: 'PUT', url: '/meshes/payments', payload: { type: 'Mesh', name: 'payments' } });
      // On global, Dataplanes come from zones (written by KDS, not the API).
      await store.create({ type: 'Dataplane', mesh: 'payments', name: 'web-1', labels: {}, spec: { networking: { address: '10.0.0.1', inbound: [{ port: 80, tags: { 'kuma.io/service': 'web' } }] } } });
      const before = await store.revision();
      const res = await app.inject({ method: 'DELETE', url: '/meshes/payments' });
      expect(res.statusCode, role).toBe(400);
      expect(res.json()).toMatchObject({ type: '/std-errors', status: 400, invalid_parameters: [{ field: 'mesh', reason: 'unable to delete mesh, there are still some dataplanes attached' }] });
      expect(await store.revision(), 'nothing deleted').toBe(before);
      await store.delete({ type: 'Dataplane', mesh: 'payments', name: 'web-1' });
      expect((await app.inject({ method: 'DELETE', url: '/meshes/payments' })).statusCode).toBe(200);
      await app.close();
    }
  });

  it('new Mesh names must be RFC 1035 labels (a dot would break <mesh>.<name> node ids); existing meshes keep theirs', async () => {
    const { app, store } = await setup();
    for (const name of ['team.a', 'Payments', '1mesh', 'a_b', `m${'x'.repeat(63)}`]) {
      const res = await app.inject({ method: 'PUT', url: `/meshes/${name}`, payload: { type: 'Mesh', name } });
      expect(res.statusCode, name).toBe(400);
      expect(res.json().invalid_parameters, name).toEqual([{ field: 'name', reason: expect.stringMatching(/RFC 1035 label|longer than 63/) }]);
      expect((await app.inject({ method: 'PUT', url: `/meshes/${name}?dryRun=true`, payload: { type: 'Mesh', name } })).statusCode, `${name} dry run`).toBe(400);
    }
    expect((await store.list('Mesh')).total).toBe(0);
    // A mesh created before the rule is read and updated as before.
    await store.create({ type: 'Mesh', name: 'legacy.mesh', labels: {}, spec: {} });
    expect((await app.inject({ method: 'GET', url: '/meshes/legacy.mesh' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'PUT', url: '/meshes/legacy.mesh', payload: { type: 'Mesh', name: 'legacy.mesh', routing: { zoneEgress: false } } })).statusCode).toBe(200);
  });
});
