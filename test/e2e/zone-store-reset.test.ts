import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlaneProcess } from '../helpers/control-plane.ts';
import { meshctl } from '../helpers/meshctl.ts';
import { freePort } from '../helpers/ports.ts';
import { startRedis, type TestServer } from '../helpers/servers.ts';
import { startEchoApp, startSidecar, type Sidecar } from '../helpers/sidecar.ts';
import { waitFor } from '../helpers/wait.ts';

// A zone's Redis comes back empty (restarted without its data) while the zone CP runs and a
// real Envoy is connected. The zone used to stay Online with its watch on an old revision:
// global's new policies were NACKed (mesh "default" does not exist) and new registrations
// never reached global. It must notice, resync from global, register the connected proxy
// again, and say so in its log, without global ever losing the proxy's Dataplane.

type Dp = { name: string; creationTime: string; labels: Record<string, string> };

describe('a zone whose Redis comes back empty', () => {
  let global: ControlPlaneProcess;
  let zone: ControlPlaneProcess;
  let redis: TestServer;
  const cli = meshctl();
  const disposables: AsyncDisposable[] = [];
  let backend: Sidecar;

  beforeAll(async () => {
    global = await startControlPlane({ mode: 'global' });
    expect((await cli.run(['config', 'control-planes', 'add', '--name', 'global', '--address', global.apiUrl])).code).toBe(0);
    redis = await startRedis();
    zone = await startControlPlane({ mode: 'zone', env: { ...(await cli.zoneEnv('zone-1', global.kdsHostPort)), MESHWORK_STORE_TYPE: 'redis', MESHWORK_STORE_REDIS_URL: redis.url } });
    await waitFor(async () => (await fetch(`${zone.apiUrl}/meshes/default`)).status === 200, { what: 'the default mesh in zone-1' });
    const app = await startEchoApp('backend-1');
    disposables.push(app);
    backend = await startSidecar({ cpUrl: zone.dpServerUrl, apiUrl: global.apiUrl, dataplane: { type: 'Dataplane', mesh: 'default', name: 'backend-1', networking: { address: '127.0.5.1', inbound: [{ port: await freePort(), servicePort: app.port, tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' } }] } } });
    disposables.push(backend);
  });
  afterAll(async () => {
    for (const d of disposables.reverse()) await d[Symbol.asyncDispose]();
    await zone?.[Symbol.asyncDispose]();
    await global?.[Symbol.asyncDispose]();
    await redis?.[Symbol.asyncDispose]();
  });

  const globalDataplanes = async () => ((await (await fetch(`${global.apiUrl}/meshes/default/dataplanes`)).json()) as { items: Dp[] }).items;

  it('notices, resyncs from global, registers the connected proxy again, and global never loses it', async () => {
    const before = await waitFor(async () => (await globalDataplanes()).find((d) => d.labels['kuma.io/display-name'] === 'backend-1'), { what: 'backend-1 at global' });
    // Watch global while the zone recovers: the Dataplane must be there at every look.
    let missingAtGlobal = 0;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        if (!(await globalDataplanes()).some((d) => d.name === before.name && d.creationTime === before.creationTime)) missingAtGlobal++;
        await new Promise((r) => setTimeout(r, 25));
      }
    })();

    try {
      const resetAt = performance.now();
      await redis.restart({ empty: true });
      await waitFor(() => /the store lost its data/.test(zone.output()), { what: 'the zone to log the reset', timeoutMs: 20_000 });
      // Global's state is back in the zone, and the connected proxy's Dataplane with it.
      await waitFor(async () => (await fetch(`${zone.apiUrl}/meshes/default`)).status === 200, { what: 'the mesh resynced from global', timeoutMs: 30_000 });
      await waitFor(async () => (await fetch(`${zone.apiUrl}/meshes/default/dataplanes/backend-1`)).status === 200, { what: 'backend-1 registered again', timeoutMs: 30_000 });
      // The log line follows the write, so it may come a moment after the Dataplane is readable.
      await waitFor(() => /registered every connected proxy again/.test(zone.output()), { what: 'the zone to log the re-registration' });
      console.log(`Redis back empty → backend-1 registered again in the zone: ${Math.round(performance.now() - resetAt)} ms`);

      // A new policy at global reaches the zone (it was NACKed: mesh "default" does not exist).
      const put = await fetch(`${global.apiUrl}/meshes/default/meshtimeouts/after-reset`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'MeshTimeout', mesh: 'default', name: 'after-reset', spec: { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '7s' } }] } }) });
      expect(put.status).toBe(201);
      await waitFor(async () => ((await (await fetch(`${zone.apiUrl}/meshes/default/meshtimeouts`)).json()) as { items: Dp[] }).items.some((p) => p.labels['kuma.io/display-name'] === 'after-reset'), { what: 'the new policy in the zone' });
      // A new registration in the zone reaches global.
      const dp = { type: 'Dataplane', mesh: 'default', name: 'web-9', networking: { address: '127.0.5.9', inbound: [{ port: 8080, tags: { 'kuma.io/service': 'web' } }] } };
      expect((await fetch(`${zone.apiUrl}/meshes/default/dataplanes/web-9`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(dp) })).status).toBe(201);
      await waitFor(async () => (await globalDataplanes()).some((d) => d.labels['kuma.io/display-name'] === 'web-9'), { what: 'the new registration at global' });
      // Envoy kept its config and its traffic path throughout: it is still connected and serving.
      expect((await backend.admin('/ready')).trim()).toBe('LIVE');
    } finally {
      // Stop the watcher before anything else, so it never looks at a global that afterAll stopped.
      watching = false;
      await watcher.catch(() => undefined);
    }
    expect(missingAtGlobal, "times global did not have backend-1's Dataplane").toBe(0);
  });
});
