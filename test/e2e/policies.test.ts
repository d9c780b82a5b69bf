import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlaneProcess } from '../helpers/control-plane.ts';
import { freePort } from '../helpers/ports.ts';
import { meshctl } from '../helpers/meshctl.ts';
import { startSidecar, type Sidecar } from '../helpers/sidecar.ts';
import { waitFor } from '../helpers/wait.ts';

// Policies enforced by real Envoy, applied through the API and removed again, without
// restarting any proxy. A standalone zone with a STRICT mTLS mesh; web calls backend.

const mesh = { type: 'Mesh', name: 'default', mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin', mode: 'STRICT' }] } };

async function apply(cp: ControlPlaneProcess, doc: { type: string; name: string; mesh?: string }, collection: string) {
  const path = doc.mesh ? `/meshes/${doc.mesh}/${collection}/${doc.name}` : `/${collection}/${doc.name}`;
  const res = await fetch(`${cp.apiUrl}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(doc) });
  if (res.status >= 300) throw new Error(`PUT ${path}: ${res.status} ${await res.text()}`);
}

async function remove(cp: ControlPlaneProcess, path: string) {
  const res = await fetch(`${cp.apiUrl}${path}`, { method: 'DELETE' });
  if (res.status !== 200) throw new Error(`DELETE ${path}: ${res.status}`);
}

/** Status and elapsed time of a request through web's outbound. */
async function call(url: string): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    await res.text();
    return { status: res.status, ms: performance.now() - t0 };
  } catch {
    return { status: 0, ms: performance.now() - t0 };
  }
}

describe('policies enforced by Envoy', () => {
  let zone: ControlPlaneProcess;
  let app: Server;
  const sidecars: Sidecar[] = [];
  let outbound: string;

  beforeAll(async () => {
    zone = await startControlPlane({ mode: 'zone' });
    await apply(zone, mesh, 'meshes');
    const appPort = await freePort();
    // /slow answers after 1.5 s; everything else at once.
    app = createServer((req, res) => {
      if (req.url === '/slow') setTimeout(() => res.end('slow\n'), 1500);
      else res.end('ok\n');
    });
    await new Promise<void>((resolve) => app.listen(appPort, '127.0.0.1', resolve));
    sidecars.push(
      await startSidecar({
        cpUrl: zone.dpServerUrl,
        apiUrl: zone.apiUrl,
        dataplane: { type: 'Dataplane', mesh: 'default', name: 'backend-1', networking: { address: '127.0.4.1', inbound: [{ port: await freePort(), servicePort: appPort, tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' } }] } },
      }),
    );
    const outboundPort = await freePort();
    outbound = `http://127.0.0.1:${outboundPort}`;
    sidecars.push(
      await startSidecar({
        cpUrl: zone.dpServerUrl,
        apiUrl: zone.apiUrl,
        dataplane: {
          type: 'Dataplane',
          mesh: 'default',
          name: 'web-1',
          networking: { address: '127.0.4.2', inbound: [{ port: await freePort(), tags: { 'kuma.io/service': 'web', 'kuma.io/protocol': 'http' } }], outbound: [{ port: outboundPort, tags: { 'kuma.io/service': 'backend' } }] },
        },
      }),
    );
    await waitFor(async () => (await call(`${outbound}/`)).status === 200, { what: 'mesh traffic' });
  });

  afterAll(async () => {
    for (const s of sidecars) await s[Symbol.asyncDispose]();
    app?.close();
    await zone?.[Symbol.asyncDispose]();
  });

  it('MeshTrafficPermission: deny gives 403, allow restores 200', async () => {
    await apply(zone, { type: 'MeshTrafficPermission', mesh: 'default', name: 'backend-access', spec: { targetRef: { kind: 'MeshService', name: 'backend' }, from: [{ targetRef: { kind: 'MeshService', name: 'web' }, default: { action: 'Deny' } }] } } as never, 'meshtrafficpermissions');
    await waitFor(async () => (await call(`${outbound}/`)).status === 403, { what: 'requests from web denied' });
    await apply(zone, { type: 'MeshTrafficPermission', mesh: 'default', name: 'backend-access', spec: { targetRef: { kind: 'MeshService', name: 'backend' }, from: [{ targetRef: { kind: 'MeshService', name: 'web' }, default: { action: 'Allow' } }] } } as never, 'meshtrafficpermissions');
    await waitFor(async () => (await call(`${outbound}/`)).status === 200, { what: 'requests from web allowed again' });
    // A Mesh-wide deny with web allowed still lets web through.
    await apply(zone, { type: 'MeshTrafficPermission', mesh: 'default', name: 'deny-all', spec: { targetRef: { kind: 'Mesh' }, from: [{ targetRef: { kind: 'Mesh' }, default: { action: 'Deny' } }] } } as never, 'meshtrafficpermissions');
    await waitFor(async () => (await call(`${outbound}/`)).status === 200, { what: 'web allowed under a mesh-wide deny' });
    // Removing the allow leaves the mesh-wide deny.
    await remove(zone, '/meshes/default/meshtrafficpermissions/backend-access');
    await waitFor(async () => (await call(`${outbound}/`)).status === 403, { what: 'the mesh-wide deny alone' });
    await remove(zone, '/meshes/default/meshtrafficpermissions/deny-all');
    await waitFor(async () => (await call(`${outbound}/`)).status === 200, { what: 'no policy: allowed' });
  });

  it('MeshTimeout: a slow backend gives 504 after the configured time, and removing the policy restores it', async () => {
    expect((await call(`${outbound}/slow`)).status).toBe(200);
    await apply(zone, { type: 'MeshTimeout', mesh: 'default', name: 'web-to-backend', spec: { targetRef: { kind: 'MeshService', name: 'web' }, to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, default: { http: { requestTimeout: '300ms' } } }] } } as never, 'meshtimeouts');
    const timedOut = await waitFor(async () => {
      const r = await call(`${outbound}/slow`);
      return r.status === 504 ? r : undefined;
    }, { what: 'the request timeout' });
    expect(timedOut.ms).toBeGreaterThanOrEqual(250);
    expect(timedOut.ms).toBeLessThan(1500);
    expect((await call(`${outbound}/`)).status).toBe(200);
    await remove(zone, '/meshes/default/meshtimeouts/web-to-backend');
    await waitFor(async () => (await call(`${outbound}/slow`)).status === 200, { what: 'the default timeout again' });
  });

  it('inspects the rules of a dataplane, the dataplanes of a policy, and the generated config', async () => {
    await apply(zone, { type: 'MeshTimeout', mesh: 'default', name: 'inspected', spec: { targetRef: { kind: 'MeshService', name: 'web' }, to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, default: { http: { requestTimeout: '9s' } } }] } } as never, 'meshtimeouts');
    const cli = meshctl();
    expect((await cli.run(['config', 'control-planes', 'add', '--name', 'zone', '--address', zone.apiUrl])).code).toBe(0);
    const rules = await cli.run(['inspect', 'dataplane', 'web-1', '--type=rules', '-o', 'json']);
    expect(rules.code).toBe(0);
    const timeout = (JSON.parse(rules.stdout) as { rules: { type: string; toRules: { destination: Record<string, string>; conf: unknown; origin: string[] }[] }[] }).rules.find((r) => r.type === 'MeshTimeout')!;
    expect(timeout.toRules).toEqual([{ destination: { 'kuma.io/service': 'backend' }, conf: { http: { requestTimeout: '9s' } }, origin: ['inspected'] }]);
    const selected = await cli.run(['inspect', 'meshtimeout', 'inspected']);
    expect(selected.stdout).toMatch(/^MESH\s+DATAPLANE\ndefault\s+web-1\n$/);
    const config = await cli.run(['inspect', 'dataplane', 'web-1', '--type=config-dump']);
    expect(config.stdout).toMatch(/timeout: 9s/);
    await remove(zone, '/meshes/default/meshtimeouts/inspected');
  });
});
