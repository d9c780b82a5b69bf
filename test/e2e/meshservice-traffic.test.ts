import { createSocket } from 'node:dgram';
import { createServer, type Server } from 'node:http';
import * as packet from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlaneProcess } from '../helpers/control-plane.ts';
import { freePort } from '../helpers/ports.ts';
import { startSidecar, type Sidecar } from '../helpers/sidecar.ts';
import { waitFor } from '../helpers/wait.ts';

// Real-resource outbounds through real Envoy (Kuma 2.14's MeshService model on Universal): a
// client's backendRef outbounds reach a generated MeshService by name and a user's MeshService
// by labels (another name than its Dataplanes' kuma.io/service, its port on a named
// targetPort), over STRICT mTLS with the SNI and identities of the MeshService; a MeshTimeout
// naming the MeshService changes only that service's traffic. Tag outbounds keep working
// beside them in the same mesh. With transparent proxying, VIP listeners, and meshwork-dp's
// DNS proxy answers the MeshService's hostname with its VIP.

const mesh = { type: 'Mesh', name: 'default', meshServices: { mode: 'Everywhere' }, mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin', mode: 'STRICT' }] } };
const ALLOW_ALL = { type: 'MeshTrafficPermission', mesh: 'default', name: 'allow-all', spec: { targetRef: { kind: 'Mesh' }, from: [{ targetRef: { kind: 'Mesh' }, default: { action: 'Allow' } }] } };

async function put(cp: ControlPlaneProcess, path: string, doc: object): Promise<void> {
  const res = await fetch(`${cp.apiUrl}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(doc) });
  if (res.status >= 300) throw new Error(`PUT ${path}: ${res.status} ${await res.text()}`);
}

/** The A records a DNS server on the loopback gives for `name` (undefined: no answer in 2 s). */
async function resolve4(port: number, name: string): Promise<string[] | undefined> {
  const s = createSocket('udp4');
  try {
    return await new Promise<string[] | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), 2000);
      s.on('message', (m) => {
        clearTimeout(timer);
        resolve((packet.decode(m).answers ?? []).filter((a) => a.type === 'A').map((a) => String((a as { data?: unknown }).data)));
      });
      s.send(packet.encode({ type: 'query', id: 1, flags: packet.RECURSION_DESIRED, questions: [{ type: 'A', name }] }), port, '127.0.0.1');
    });
  } finally {
    s.close();
  }
}

async function call(url: string): Promise<{ status: number; body: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    return { status: res.status, body: (await res.text()).trim() };
  } catch {
    return { status: 0, body: '' };
  }
}

/** An app answering its name, and /slow after 1.5 s. */
async function app(name: string): Promise<{ port: number; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url === '/slow') return void setTimeout(() => res.end(`${name}\n`), 1500);
    res.end(`${name}\n`);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { port, server };
}

describe('MeshService outbounds through Envoy', () => {
  let zone: ControlPlaneProcess;
  const servers: Server[] = [];
  const sidecars: Sidecar[] = [];
  let backendPort: number;
  const urls = { backend: '', database: '', legacy: '' };

  beforeAll(async () => {
    zone = await startControlPlane({ mode: 'zone', env: { MESHWORK_ZONE_NAME: 'zone-1' } });
    await put(zone, '/meshes/default', mesh);
    await put(zone, '/meshes/default/meshtrafficpermissions/allow-all', ALLOW_ALL);
    const backend = await app('backend');
    const db = await app('database');
    servers.push(backend.server, db.server);
    backendPort = await freePort();
    sidecars.push(
      await startSidecar({ cpUrl: zone.dpServerUrl, apiUrl: zone.apiUrl, dataplane: { type: 'Dataplane', mesh: 'default', name: 'backend-1', networking: { address: '127.0.9.1', inbound: [{ port: backendPort, servicePort: backend.port, tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' } }] } } }),
      // Its kuma.io/service is not what callers name: they reach it through the user's MeshService.
      await startSidecar({ cpUrl: zone.dpServerUrl, apiUrl: zone.apiUrl, dataplane: { type: 'Dataplane', mesh: 'default', name: 'pg-1', labels: { app: 'pg' }, networking: { address: '127.0.9.2', inbound: [{ port: await freePort(), name: 'main', servicePort: db.port, tags: { 'kuma.io/service': 'pg-legacy', 'kuma.io/protocol': 'http' } }] } } }),
    );
    await put(zone, '/meshes/default/meshservices/database', { type: 'MeshService', mesh: 'default', name: 'database', labels: { team: 'data' }, spec: { selector: { dataplaneLabels: { matchLabels: { app: 'pg' } } }, ports: [{ name: 'http', port: 7000, targetPort: 'main', appProtocol: 'http' }] } });
    const ports = { backend: await freePort(), database: await freePort(), legacy: await freePort() };
    urls.backend = `http://127.0.0.1:${ports.backend}`;
    urls.database = `http://127.0.0.1:${ports.database}`;
    urls.legacy = `http://127.0.0.1:${ports.legacy}`;
    sidecars.push(
      await startSidecar({
        cpUrl: zone.dpServerUrl,
        apiUrl: zone.apiUrl,
        dataplane: {
          type: 'Dataplane',
          mesh: 'default',
          name: 'web-1',
          networking: {
            address: '127.0.9.9',
            inbound: [{ port: await freePort(), servicePort: await freePort(), tags: { 'kuma.io/service': 'web', 'kuma.io/protocol': 'http' } }],
            outbound: [
              // The generated MeshService of kuma.io/service backend, by name; its port is the inbound's.
              { port: ports.backend, backendRef: { kind: 'MeshService', name: 'backend', port: backendPort } },
              { port: ports.database, backendRef: { kind: 'MeshService', labels: { team: 'data' }, port: 7000 } },
              { port: ports.legacy, tags: { 'kuma.io/service': 'backend' } },
            ],
          },
        },
      }),
    );
  });

  afterAll(async () => {
    for (const s of sidecars.reverse()) await s[Symbol.asyncDispose]();
    for (const s of servers) s.close();
    await zone?.[Symbol.asyncDispose]();
  });

  it('reaches a generated MeshService by name and a user-written one by labels, beside a tag outbound', async () => {
    await waitFor(async () => (await call(`${urls.backend}/`)).body === 'backend', { what: 'backend through its MeshService' });
    await waitFor(async () => (await call(`${urls.database}/`)).body === 'database', { what: 'the database MeshService by labels' });
    expect((await call(`${urls.legacy}/`)).body).toBe('backend');
    // Envoy's clusters are the MeshService ports', with mTLS to their SNI.
    const web = sidecars.find((c) => c.name === 'web-1')!;
    const dump = await web.admin('/config_dump?resource=dynamic_active_clusters');
    expect(dump).toContain('"default_database__zone-1_msvc_7000"');
    expect(dump).toContain(`"default_backend__zone-1_msvc_${backendPort}"`);
    expect(dump).toMatch(/"sni": "a[0-9a-f]{16}\.database\.7000\.default\.ms"/);
    // Requests went over mTLS: the database's sidecar saw TLS handshakes on its inbound.
    const pg = sidecars.find((c) => c.name === 'pg-1')!;
    const inboundPort = (await (await fetch(`${zone.apiUrl}/meshes/default/dataplanes/pg-1`)).json() as { networking: { inbound: { port: number }[] } }).networking.inbound[0]!.port;
    expect(Number((await pg.admin('/stats?filter=ssl.handshake')).match(new RegExp(`listener\\.127\\.0\\.9\\.2_${inboundPort}\\.ssl\\.handshake: (\\d+)`))?.[1] ?? 0)).toBeGreaterThan(0);
  });

  it('a MeshTimeout naming the MeshService changes only its traffic', async () => {
    expect((await call(`${urls.database}/slow`)).status).toBe(200);
    await put(zone, '/meshes/default/meshtimeouts/database-timeout', { type: 'MeshTimeout', mesh: 'default', name: 'database-timeout', spec: { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'MeshService', name: 'database' }, default: { http: { requestTimeout: '300ms' } } }] } });
    await waitFor(async () => (await call(`${urls.database}/slow`)).status === 504, { what: 'the database request timeout' });
    expect(await call(`${urls.backend}/slow`)).toEqual({ status: 200, body: 'backend' });
    // `_rules` shows it as Kuma does for real resources: a toResourceRule of the MeshService port.
    const rules = (await (await fetch(`${zone.apiUrl}/meshes/default/dataplanes/web-1/_rules`)).json()) as { rules: { type: string; toRules: { destination: object }[]; toResourceRules?: { resourceMeta: { name: string }; resourceSectionName: string; conf: object[]; origin: { resourceMeta: { name: string } }[] }[] }[] };
    const timeouts = rules.rules.find((r) => r.type === 'MeshTimeout')!;
    const database = timeouts.toResourceRules!.find((r) => r.resourceMeta.name === 'database')!;
    expect(database.resourceSectionName).toBe('http');
    expect(database.conf[0]).toMatchObject({ http: { requestTimeout: '300ms' } });
    expect(database.origin.map((o) => o.resourceMeta.name)).toContain('database-timeout');
    // The tag outbound's rule stays a toRule.
    expect(timeouts.toRules.map((r) => r.destination)).toContainEqual({ 'kuma.io/service': 'backend' });
    const res = await fetch(`${zone.apiUrl}/meshes/default/meshtimeouts/database-timeout`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    await waitFor(async () => (await call(`${urls.database}/slow`)).status === 200, { what: 'the default timeout again' });
  });

  it("with transparent proxying, a listener on the MeshService's VIP, and meshwork-dp's DNS proxy resolves its hostname to the VIP", async () => {
    const dnsPort = await freePort();
    // A HostnameGenerator of the user's: its name lands in the status and is resolved too.
    await put(zone, '/hostnamegenerators/team-data', { type: 'HostnameGenerator', name: 'team-data', spec: { selector: { meshService: { matchLabels: { team: 'data' } } }, template: '{{ .DisplayName }}.{{ label "team" }}.internal' } });
    await waitFor(async () => {
      const ms = (await (await fetch(`${zone.apiUrl}/meshes/default/meshservices/database`)).json()) as { status: { addresses?: { hostname: string }[] } };
      return ms.status.addresses?.some((a) => a.hostname === 'database.data.internal');
    }, { what: "the HostnameGenerator's name in the MeshService's status" });
    const tp = await startSidecar({
      cpUrl: zone.dpServerUrl,
      apiUrl: zone.apiUrl,
      dataplane: {
        type: 'Dataplane',
        mesh: 'default',
        name: 'tp-1',
        networking: {
          address: '127.0.9.10',
          inbound: [{ port: await freePort(), servicePort: await freePort(), tags: { 'kuma.io/service': 'tp', 'kuma.io/protocol': 'http' } }],
          transparentProxying: { redirectPortInbound: await freePort(), redirectPortOutbound: await freePort(), reachableBackends: { refs: [{ kind: 'MeshService', name: 'database' }] } },
        },
      },
      // The DNS proxy runs by default with transparent proxying.
      extraArgs: ['--dns-proxy-port', String(dnsPort), '--dynamic-config-refresh-interval', '300ms'],
    });
    sidecars.push(tp);
    const database = (await (await fetch(`${zone.apiUrl}/meshes/default/meshservices/database`)).json()) as { status: { vips: { ip: string }[]; addresses: { hostname: string }[] } };
    const vip = database.status.vips[0]!.ip;
    expect(database.status.addresses.map((a) => a.hostname)).toContain('database.svc.mesh.local');
    const resolved = await waitFor(async () => {
      const answers = (await resolve4(dnsPort, 'database.svc.mesh.local')) ?? [];
      return answers.length ? answers : undefined;
    }, { what: "the DNS proxy to answer the database's hostname" });
    expect(resolved).toEqual([vip]);
    const named = await waitFor(async () => {
      const answers = (await resolve4(dnsPort, 'database.data.internal')) ?? [];
      return answers.length ? answers : undefined;
    }, { what: "the generated name's record" });
    expect(named).toEqual([vip]);
    // backend is not among its reachable backends: no mesh name for it (forwarded, so not its VIP), no listener.
    const backendVip = ((await (await fetch(`${zone.apiUrl}/meshes/default/meshservices/backend`)).json()) as { status: { vips: { ip: string }[] } }).status.vips[0]!.ip;
    expect(await resolve4(dnsPort, 'backend.svc.mesh.local')).not.toContain(backendVip);
    const listeners = await tp.admin('/config_dump?resource=dynamic_listeners');
    expect(listeners).toContain(`"outbound:${vip}:7000"`);
    expect(listeners).not.toContain(`"outbound:${backendVip}:`);
  });

  it('the same Dataplanes work in a Disabled mesh beside one switched to Exclusive, and the switch fails no request', async () => {
    // A legacy mesh (meshServices Disabled, the default) with the same Dataplanes as default's.
    await put(zone, '/meshes/legacy', { type: 'Mesh', name: 'legacy' });
    const backend = await app('legacy-backend');
    servers.push(backend.server);
    const port = await freePort();
    const legacyBackend = { type: 'Dataplane', mesh: 'legacy', name: 'backend-1', networking: { address: '127.0.9.21', inbound: [{ port, servicePort: backend.port, tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' } }] } };
    const ports = { tag: await freePort(), ref: await freePort() };
    const legacyWeb = { type: 'Dataplane', mesh: 'legacy', name: 'web-1', networking: { address: '127.0.9.22', inbound: [{ port: await freePort(), servicePort: await freePort(), tags: { 'kuma.io/service': 'web', 'kuma.io/protocol': 'http' } }], outbound: [{ port: ports.tag, tags: { 'kuma.io/service': 'backend' } }, { port: ports.ref, backendRef: { kind: 'MeshService', name: 'backend', port } }] } };
    sidecars.push(await startSidecar({ cpUrl: zone.dpServerUrl, apiUrl: zone.apiUrl, dataplane: legacyBackend }));
    const legacyWebSidecar = await startSidecar({ cpUrl: zone.dpServerUrl, apiUrl: zone.apiUrl, dataplane: legacyWeb });
    sidecars.push(legacyWebSidecar);
    await waitFor(async () => (await call(`http://127.0.0.1:${ports.tag}/`)).body === 'legacy-backend', { what: "the legacy mesh's tag outbound" });

    // Switch default to Exclusive while its web calls backend through the MeshService: a bounded loop, every request answered.
    const mesh = (await (await fetch(`${zone.apiUrl}/meshes/default`)).json()) as object;
    const layout = () => fetch(`${zone.apiUrl}/meshes/default/dataplanes/web-1/_layout`).then((r) => r.status);
    expect(await layout()).toBe(400);
    const failures: number[] = [];
    let switched = false;
    let after = 0;
    const load = (async () => {
      for (let i = 0; i < 2000 && after < 30; i++) {
        const r = await call(`${urls.backend}/`);
        if (r.body !== 'backend') failures.push(r.status);
        if (switched) after++;
      }
    })();
    await put(zone, '/meshes/default', { ...mesh, meshServices: { mode: 'Exclusive' } });
    await waitFor(async () => (await layout()) === 200, { what: 'the mesh to be Exclusive' });
    switched = true;
    await load;
    expect(after).toBe(30);
    expect(failures).toEqual([]);
    // In Exclusive, tag outbounds of Universal Dataplanes keep working (as in Kuma), and the MeshService ones.
    expect((await call(`${urls.legacy}/`)).body).toBe('backend');
    expect((await call(`${urls.database}/`)).body).toBe('database');

    // The legacy mesh: no MeshService was generated, so its backendRef outbound has no listener, and its tag outbound works.
    expect(((await (await fetch(`${zone.apiUrl}/meshes/legacy/meshservices`)).json()) as { items: unknown[] }).items).toEqual([]);
    expect((await call(`http://127.0.0.1:${ports.tag}/`)).body).toBe('legacy-backend');
    const listeners = await legacyWebSidecar.admin('/config_dump?resource=dynamic_listeners');
    expect(listeners).toContain(`"outbound:127.0.0.1:${ports.tag}"`);
    expect(listeners).not.toContain(`"outbound:127.0.0.1:${ports.ref}"`);
  });
});
