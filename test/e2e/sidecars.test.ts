import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../../src/resources/all.ts';
import { RedisStore } from '../../src/store/redis-store.ts';
import { startControlPlane, type ControlPlaneProcess } from '../helpers/control-plane.ts';
import { startRedis, type TestServer } from '../helpers/servers.ts';
import { freePort } from '../helpers/ports.ts';
import { dataplaneTokenFile, runDp, startEchoApp, startSidecar, webDataplane, type Sidecar } from '../helpers/sidecar.ts';
import { waitFor } from '../helpers/wait.ts';

// Real Envoy sidecars configured by a zone CP: two `backend` instances behind sidecars and
// a `web` sidecar whose outbound points at backend. Dataplanes use their own loopback
// addresses (127.0.2.x) so that every proxy can listen on the same ports.

const backend = (i: number, servicePort: number, inboundPort: number) => ({
  type: 'Dataplane',
  mesh: 'default',
  name: `backend-${i}`,
  networking: { address: `127.0.2.${i}`, inbound: [{ port: inboundPort, servicePort, tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' } }] },
});

async function get(url: string): Promise<string | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return res.ok ? (await res.text()).trim() : `HTTP ${res.status}`;
  } catch {
    return undefined;
  }
}

/** Sends `n` requests; returns how many each answer got. */
async function spread(url: string, n: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const answer = (await get(url)) ?? 'failed';
    counts[answer] = (counts[answer] ?? 0) + 1;
  }
  return counts;
}

describe('Envoy sidecars configured by a zone control plane on Redis, with dataplane tokens', () => {
  let zone: ControlPlaneProcess;
  let redis: TestServer;
  const apps: AsyncDisposable[] = [];
  const sidecars: Sidecar[] = [];
  let outbound: string;

  beforeAll(async () => {
    redis = await startRedis();
    zone = await startControlPlane({ mode: 'zone', env: { MESHWORK_STORE_TYPE: 'redis', MESHWORK_STORE_REDIS_URL: redis.url, MESHWORK_DP_SERVER_DATAPLANE_GRACE_PERIOD_MS: '300' } });
    const inboundPort = await freePort();
    for (const i of [1, 2]) {
      const app = await startEchoApp(`backend-${i}`);
      apps.push(app);
      sidecars.push(await startSidecar({ cpUrl: zone.dpServerUrl, apiUrl: zone.apiUrl, dataplane: backend(i, app.port, inboundPort) }));
    }
    const outboundPort = await freePort();
    outbound = `http://127.0.0.1:${outboundPort}/`;
    sidecars.push(
      await startSidecar({
        cpUrl: zone.dpServerUrl,
        apiUrl: zone.apiUrl,
        dataplane: await webDataplane('127.0.2.9', outboundPort, { servicePort: await freePort() }),
      }),
    );
  });

  afterAll(async () => {
    for (const s of sidecars) await s[Symbol.asyncDispose]();
    for (const a of apps) await a[Symbol.asyncDispose]();
    await zone?.[Symbol.asyncDispose]();
    await redis?.[Symbol.asyncDispose]();
  });

  it('routes requests through web\'s outbound to both backend instances', async () => {
    await waitFor(async () => (await get(outbound)) !== undefined, { what: 'the outbound to answer' });
    const counts = await spread(outbound, 20);
    expect(Object.keys(counts).sort()).toEqual(['backend-1', 'backend-2']);
    // Dataplanes were registered by their proxies, and show in the API.
    const dps = (await (await fetch(`${zone.apiUrl}/meshes/default/dataplanes`)).json()) as { items: { name: string; labels: Record<string, string> }[] };
    expect(dps.items.map((d) => d.name).sort()).toEqual(['backend-1', 'backend-2', 'web-1']);
  });

  it('records each proxy\'s connection and ACKs per xDS type in DataplaneInsight, and counts them in /metrics', async () => {
    type Overview = { items: { name: string; dataplaneInsight: { subscriptions?: { connectTime: string; disconnectTime?: string; status: { total: { responsesAcknowledged: number }; cds?: { responsesAcknowledged: number }; lds?: { responsesAcknowledged: number } } }[] } }[] };
    const overview = await waitFor(async () => {
      const o = (await (await fetch(`${zone.apiUrl}/meshes/default/dataplanes/_overview`)).json()) as Overview;
      return o.items.every((i) => (i.dataplaneInsight.subscriptions?.at(-1)?.status.lds?.responsesAcknowledged ?? 0) >= 1) ? o : undefined;
    }, { what: 'insights with ACKs' });
    for (const item of overview.items) {
      const sub = item.dataplaneInsight.subscriptions!.at(-1)!;
      expect(sub.disconnectTime).toBeUndefined();
      expect(sub.status.cds!.responsesAcknowledged).toBeGreaterThanOrEqual(1);
    }
    const metrics = await (await fetch(`${zone.diagnosticsUrl}/metrics`)).text();
    expect(metrics).toMatch(/^meshwork_xds_connected_proxies 3$/m);
    expect(metrics).toMatch(/^meshwork_xds_responses_total\{type_url="type\.googleapis\.com\/envoy\.config\.listener\.v3\.Listener",result="acked"\} [1-9]/m);
    expect(metrics).toMatch(/^meshwork_xds_generation_seconds_count [1-9]/m);
    // Change → ACK, per type, for every proxy that got config.
    expect(metrics).toMatch(/^meshwork_xds_delivery_seconds_count\{type_url="type\.googleapis\.com\/envoy\.config\.cluster\.v3\.Cluster"\} [1-9]/m);
  });

  it('keeps traffic flowing on the last config while the CP is down, and re-converges after its restart', async () => {
    expect(await zone.stop('SIGKILL')).toBe(-1);
    expect(Object.keys(await spread(outbound, 10)).sort()).toEqual(['backend-1', 'backend-2']);
    // While the CP is down, web-1's registration is lost; the proxy brings it back on reconnect.
    const store = new RedisStore({ registry, url: redis.url, prefix: 'meshwork:', maxResourceBytes: 1 << 20 });
    await store.delete({ type: 'Dataplane', mesh: 'default', name: 'web-1' });
    await store.close();
    await zone.start();
    await waitFor(async () => ((await (await fetch(`${zone.apiUrl}/meshes/default/dataplanes`)).json()) as { total: number }).total === 3, { what: 'web-1 to re-register from its node metadata' });
    // A change after the restart reaches web: a third backend instance joins the rotation.
    const app = await startEchoApp('backend-3');
    apps.push(app);
    const inboundPort = Number((await (await fetch(`${zone.apiUrl}/meshes/default/dataplanes/backend-1`)).json() as { networking: { inbound: { port: number }[] } }).networking.inbound[0]!.port);
    sidecars.push(await startSidecar({ cpUrl: zone.dpServerUrl, apiUrl: zone.apiUrl, dataplane: backend(3, app.port, inboundPort) }));
    await waitFor(async () => (await get(outbound)) === 'backend-3', { what: 'backend-3 in web\'s rotation', intervalMs: 20 });
  });

  it('a zone CP with connected proxies exits cleanly on SIGTERM, and every proxy reconnects to its next run', async () => {
    // Connected Envoys never close their streams: the CP must end them rather than wait
    // (it used to hang until SIGKILL, which stop() reports as -1).
    expect(await zone.stop('SIGTERM')).toBe(0);
    await zone.start();
    await waitFor(async () => /^meshwork_xds_connected_proxies (\d+)/m.exec(await (await fetch(`${zone.diagnosticsUrl}/metrics`)).text())?.[1] === String(sidecars.length), { what: 'every proxy to reconnect' });
    expect(Object.keys(await spread(outbound, 10)).sort()).toEqual(['backend-1', 'backend-2', 'backend-3']);
  });

  it('forwards SIGTERM to Envoy, exits with its status, and the dataplane goes away after the grace period', async () => {
    const last = sidecars.pop()!;
    expect(await last.stop()).toBe(0);
    expect(last.process.output()).toMatch(/caught ENVOY_SIGTERM/);
    await waitFor(async () => (await fetch(`${zone.apiUrl}/meshes/default/dataplanes/backend-3`)).status === 404, { what: 'backend-3 removed' });
    await waitFor(async () => !Object.keys(await spread(outbound, 6)).includes('backend-3'), { what: 'backend-3 out of the rotation' });
  });

  it('refuses bad dataplanes with a clear error and disturbs nothing else', async () => {
    const unknownMesh = await runDp(zone.dpServerUrl, { ...backend(7, 1234, 8080), mesh: 'nope' });
    expect(unknownMesh.code).toBe(1);
    expect(unknownMesh.stderr).toMatch(/mesh "nope" does not exist/);
    const duplicate = await runDp(
      zone.dpServerUrl,
      {
        type: 'Dataplane',
        mesh: 'default',
        name: 'dup',
        networking: { address: '127.0.2.8', inbound: [{ port: 9000, tags: { 'kuma.io/service': 'a' } }, { port: 9000, tags: { 'kuma.io/service': 'b' } }] },
      },
      ['--dataplane-token-file', await dataplaneTokenFile(zone.apiUrl, 'default', 'dup')],
    );
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toMatch(/\* dataplane\.networking\.inbound\[1\]\.port: duplicate inbound port 9000/);
    expect((await fetch(`${zone.apiUrl}/meshes/default/dataplanes/dup`)).status).toBe(404);
    // Tokens: none, or one issued for another dataplane, is refused before anything is registered.
    const noToken = await runDp(zone.dpServerUrl, backend(5, 1234, 8080));
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/sent no dataplane token/);
    const wrongToken = await runDp(zone.dpServerUrl, backend(6, 1234, 8080), ['--dataplane-token-file', await dataplaneTokenFile(zone.apiUrl, 'default', 'backend-1')]);
    expect(wrongToken.code).toBe(1);
    expect(wrongToken.stderr).toMatch(/the dataplane token is for dataplane "backend-1", not "backend-6" \(FORBIDDEN\)/);
    for (const name of ['backend-5', 'backend-6']) expect((await fetch(`${zone.apiUrl}/meshes/default/dataplanes/${name}`)).status).toBe(404);
    expect(Object.keys(await spread(outbound, 6)).sort()).toEqual(['backend-1', 'backend-2']);
  });
});
