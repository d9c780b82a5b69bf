import { X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlaneProcess } from '../helpers/control-plane.ts';
import { freePort } from '../helpers/ports.ts';
import { startSidecar, webDataplane, type Sidecar } from '../helpers/sidecar.ts';
import { waitFor } from '../helpers/wait.ts';

// Builtin CA and mTLS with real Envoy: a standalone zone creates the mesh CA, issues each
// proxy a short-lived SPIFFE certificate over SDS and rotates it.

const mesh = (mode: 'STRICT' | 'PERMISSIVE') => ({
  type: 'Mesh',
  name: 'default',
  mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin', mode, dpCert: { rotation: { expiration: '4s' } } }] },
});

async function put(cp: ControlPlaneProcess, path: string, body: object) {
  const res = await fetch(`${cp.apiUrl}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`PUT ${path}: ${res.status} ${await res.text()}`);
}

async function get(url: string): Promise<string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return (await res.text()).trim();
  } catch (err) {
    return `failed: ${(err as Error).cause ? String((err as Error & { cause: Error }).cause.message ?? (err as Error).cause) : (err as Error).message}`;
  }
}

/** The SPIFFE id of the certificate Envoy currently serves, and its serial. */
async function servedCert(sidecar: Sidecar): Promise<{ san: string; serial: string } | undefined> {
  const certs = JSON.parse(await sidecar.admin('/certs')) as { certificates: { cert_chain: { serial_number: string; subject_alt_names: { uri?: string }[] }[] }[] };
  const chain = certs.certificates.flatMap((c) => c.cert_chain).find((c) => c.subject_alt_names.some((s) => s.uri?.startsWith('spiffe://default/backend')));
  return chain ? { san: chain.subject_alt_names.find((s) => s.uri)!.uri!, serial: chain.serial_number } : undefined;
}

function withTag<T extends { networking: { inbound: { tags: Record<string, string> }[] } }>(dp: T, tag: string, value: string): T {
  for (const inbound of dp.networking.inbound) inbound.tags[tag] = value;
  return dp;
}

async function remove(cp: ControlPlaneProcess, path: string) {
  const res = await fetch(`${cp.apiUrl}${path}`, { method: 'DELETE' });
  if (res.status !== 200) throw new Error(`DELETE ${path}: ${res.status}`);
}

describe('builtin CA and mTLS with real Envoy', () => {
  let zone: ControlPlaneProcess;
  let app: Server;
  let backend: Sidecar;
  let web: Sidecar;
  let outbound: string;
  let inbound: string;

  beforeAll(async () => {
    zone = await startControlPlane({ mode: 'zone' });
    await put(zone, '/meshes/default', mesh('STRICT'));
    const appPort = await freePort();
    // The app answers with the identity its sidecar saw on the caller's certificate.
    app = createServer((req, res) => res.end(`backend xfcc=${req.headers['x-forwarded-client-cert'] ?? 'none'}\n`));
    await new Promise<void>((resolve) => app.listen(appPort, '127.0.0.1', resolve));
    const inboundPort = await freePort();
    inbound = `http://127.0.3.1:${inboundPort}/`;
    backend = await startSidecar({
      cpUrl: zone.dpServerUrl,
      apiUrl: zone.apiUrl,
      dataplane: { type: 'Dataplane', mesh: 'default', name: 'backend-1', networking: { address: '127.0.3.1', inbound: [{ port: inboundPort, servicePort: appPort, tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' } }] } },
    });
    const outboundPort = await freePort();
    outbound = `http://127.0.0.1:${outboundPort}/`;
    web = await startSidecar({
      cpUrl: zone.dpServerUrl,
      apiUrl: zone.apiUrl,
      dataplane: withTag(await webDataplane('127.0.3.2', outboundPort), 'version', 'v1'),
      // web speaks delta (incremental) xDS; backend the default state of the world.
      extraArgs: ['--delta'],
    });
  });

  afterAll(async () => {
    await web?.[Symbol.asyncDispose]();
    await backend?.[Symbol.asyncDispose]();
    app?.close();
    await zone?.[Symbol.asyncDispose]();
  });

  it('creates the mesh CA as Kuma-named secrets', async () => {
    const secrets = (await (await fetch(`${zone.apiUrl}/meshes/default/secrets`)).json()) as { items: { name: string; data: string }[] };
    const names = secrets.items.map((s) => s.name).filter((n) => n.includes('ca-builtin')).sort();
    expect(names).toEqual(['default.ca-builtin-cert-ca-1', 'default.ca-builtin-key-ca-1']);
    const ca = new X509Certificate(Buffer.from(secrets.items.find((s) => s.name.includes('cert'))!.data, 'base64'));
    expect(ca.ca).toBe(true);
  });

  it('STRICT: without a MeshTrafficPermission mesh traffic is denied (as Kuma 2.x); an allow-all one lets it flow', async () => {
    // The request reaches the backend's sidecar over mTLS and is refused by its RBAC filter.
    await waitFor(async () => (await get(outbound)) === 'RBAC: access denied', { what: 'the default deny' });
    await put(zone, '/meshes/default/meshtrafficpermissions/allow-all', { type: 'MeshTrafficPermission', mesh: 'default', name: 'allow-all', spec: { targetRef: { kind: 'Mesh' }, from: [{ targetRef: { kind: 'Mesh' }, default: { action: 'Allow' } }] } });
    await waitFor(async () => (await get(outbound)).startsWith('backend'), { what: 'traffic allowed' });
  });

  it('STRICT: mesh traffic flows over mTLS and the app sees the caller\'s SPIFFE id', async () => {
    const answer = await waitFor(async () => {
      const a = await get(outbound);
      return a.startsWith('backend') ? a : undefined;
    }, { what: 'traffic through the mesh' });
    expect(answer).toMatch(/xfcc=.*URI=spiffe:\/\/default\/web/);
    const stats = await web.admin('/stats?filter=control_plane.connected_state');
    expect(stats).toMatch(/control_plane\.connected_state: 1/);
    expect(await web.admin('/config_dump?resource=dynamic_active_clusters')).toContain('"name": "backend"');
    expect(await web.admin('/config_dump?include_eds')).toMatch(/"api_type": "DELTA_GRPC"/);
    expect(await backend.admin('/config_dump')).toMatch(/"api_type": "GRPC"/);
  });

  it('MeshTrafficPermission matches callers by the kuma://<tag>/<value> URIs of their certificates', async () => {
    const sans = JSON.parse(await web.admin('/certs')) as { certificates: { cert_chain: { subject_alt_names: { uri?: string }[] }[] }[] };
    const uris = sans.certificates.flatMap((c) => c.cert_chain).flatMap((c) => c.subject_alt_names.map((s) => s.uri));
    expect(uris).toEqual(expect.arrayContaining(['spiffe://default/web', 'kuma://version/v1', 'kuma://kuma.io/protocol/http']));
    const deny = (version: string) => ({ type: 'MeshTrafficPermission', mesh: 'default', name: 'no-version', spec: { targetRef: { kind: 'MeshService', name: 'backend' }, from: [{ targetRef: { kind: 'MeshSubset', tags: { version } }, default: { action: 'Deny' } }] } });
    await put(zone, '/meshes/default/meshtrafficpermissions/no-version', deny('v1'));
    await waitFor(async () => (await get(outbound)) === 'RBAC: access denied', { what: 'web (version v1) denied' });
    await put(zone, '/meshes/default/meshtrafficpermissions/no-version', deny('v2'));
    await waitFor(async () => (await get(outbound)).startsWith('backend'), { what: 'web allowed: not version v2' });
    await remove(zone, '/meshes/default/meshtrafficpermissions/no-version');
  });

  it('MeshTrafficPermission rules (Kuma 2.12+) allow and deny callers by SPIFFE ID, deny first', async () => {
    const rules = (name: string, conf: object) => ({ type: 'MeshTrafficPermission', mesh: 'default', name, spec: { targetRef: { kind: 'MeshService', name: 'backend' }, rules: [{ default: conf }] } });
    await put(zone, '/meshes/default/meshtrafficpermissions/by-id', rules('by-id', { deny: [{ spiffeID: { type: 'Prefix', value: 'spiffe://default/we' } }] }));
    await waitFor(async () => (await get(outbound)) === 'RBAC: access denied', { what: 'web denied by a SPIFFE ID prefix' });
    // An allow list that names web, and a deny that names someone else.
    await put(zone, '/meshes/default/meshtrafficpermissions/by-id', rules('by-id', { allow: [{ spiffeID: { type: 'Exact', value: 'spiffe://default/web' } }], deny: [{ spiffeID: { type: 'Exact', value: 'spiffe://default/other' } }] }));
    await waitFor(async () => (await get(outbound)).startsWith('backend'), { what: 'web allowed by its exact SPIFFE ID' });
    await remove(zone, '/meshes/default/meshtrafficpermissions/by-id');
  });

  it('STRICT: the backend\'s inbound refuses a plain-text client', async () => {
    expect(await get(inbound)).toMatch(/^failed/);
  });

  it('serves a certificate with SAN spiffe://default/backend, and rotates it before expiry', async () => {
    const testStart = Date.now();
    const first = await waitFor(() => servedCert(backend), { what: 'the workload certificate in Envoy' });
    expect(first.san).toBe('spiffe://default/backend');
    const rotated = await waitFor(async () => {
      const now = await servedCert(backend);
      return now && now.serial !== first.serial ? now : undefined;
    }, { what: 'a rotated certificate', timeoutMs: 20_000 });
    expect(rotated.san).toBe('spiffe://default/backend');
    // DataplaneInsight records the certificate and its regenerations. Insights are flushed every
    // few seconds, so wait for one flushed during this test: it names a certificate issued during
    // this test (they live 4 s), expiring after the test started.
    const insight = await waitFor(async () => {
      const i = (await (await fetch(`${zone.apiUrl}/meshes/default/dataplane-insights/backend-1`)).json()) as { mTLS?: { certificateExpirationTime: string; certificateRegenerations: number; issuedBackend: string } };
      const m = i.mTLS;
      return m && m.certificateRegenerations >= 2 && Date.parse(m.certificateExpirationTime) > testStart ? m : undefined;
    }, { what: 'certificate regenerations in the insight, flushed during this test' });
    expect(insight!.issuedBackend).toBe('ca-1');
    expect(Date.parse(insight!.certificateExpirationTime)).toBeGreaterThan(testStart);
    // Traffic keeps flowing across rotations.
    expect(await get(outbound)).toMatch(/URI=spiffe:\/\/default\/web/);
  });

  it('PERMISSIVE: the inbound also accepts plain text, while mesh traffic stays mTLS', async () => {
    await put(zone, '/meshes/default', mesh('PERMISSIVE'));
    await waitFor(async () => (await get(inbound)).startsWith('backend'), { what: 'plain text accepted' });
    expect(await get(inbound)).toBe('backend xfcc=none');
    expect(await get(outbound)).toMatch(/URI=spiffe:\/\/default\/web/);
  });
});
