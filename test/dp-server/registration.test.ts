import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../../src/resources/all.ts';
import { RedisStore } from '../../src/store/redis-store.ts';
import { startControlPlane, type ControlPlaneProcess } from '../helpers/control-plane.ts';
import { adsFirstResponse, bootstrap, nodeMetadata } from '../helpers/dp-client.ts';
import { startRedis, type TestServer } from '../helpers/servers.ts';
import { waitFor } from '../helpers/wait.ts';

// What a proxy may register on a zone CP, tried by a proxy that misbehaves: a dataplane
// token bound to tags (Kuma's validateTags), and registrations that never open a stream.

const dataplane = (name: string, service: string, port = 8080) => ({ type: 'Dataplane', mesh: 'default', name, networking: { address: '127.0.3.1', inbound: [{ port, tags: { 'kuma.io/service': service } }] } });

describe('DP server: what a proxy may register', () => {
  let redis: TestServer;
  let zone: ControlPlaneProcess;
  const status = async (name: string) => (await fetch(`${zone.apiUrl}/meshes/default/dataplanes/${name}`)).status;
  const token = async (claims: object) => (await (await fetch(`${zone.apiUrl}/tokens/dataplane`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mesh: 'default', validFor: '1h', ...claims }) })).text());

  beforeAll(async () => {
    redis = await startRedis();
    zone = await startControlPlane({ mode: 'zone', env: { MESHWORK_STORE_TYPE: 'redis', MESHWORK_STORE_REDIS_URL: redis.url, MESHWORK_DP_SERVER_DATAPLANE_GRACE_PERIOD_MS: '300', MESHWORK_DP_SERVER_RECONNECT_ALLOWANCE_MS: '300' } });
  });
  afterAll(async () => {
    await zone?.[Symbol.asyncDispose]();
    await redis?.[Symbol.asyncDispose]();
  });

  it('a token issued for kuma.io/service web never registers, nor is served, a backend', async () => {
    const web = await token({ tags: { 'kuma.io/service': ['web'] } });
    // By bootstrap (meshwork-dp's way).
    const spoof = await bootstrap(zone.dpServerUrl, { mesh: 'default', name: 'spoof-1', dataplane: dataplane('spoof-1', 'backend'), dataplaneToken: web, adminPort: 9901 });
    expect(spoof.status).toBe(403);
    expect(spoof.body.detail).toBe('dataplane contains tag "kuma.io/service" with value "backend" which is not allowed with this token. Allowed values in token are ["web"]');
    expect(await status('spoof-1')).toBe(404);
    const legit = await bootstrap(zone.dpServerUrl, { mesh: 'default', name: 'web-1', dataplane: dataplane('web-1', 'web'), dataplaneToken: web, adminPort: 9901 });
    expect(legit.status).toBe(200);
    // By ADS alone, the Dataplane in the node metadata (as a CP restarted on a memory store would take it).
    const viaAds = adsFirstResponse(zone.dpServerUrl, { id: 'default.spoof-2', metadata: nodeMetadata({ 'meshwork.io/dataplane': JSON.stringify(dataplane('spoof-2', 'backend')) }) }, web);
    await expect(viaAds).rejects.toMatchObject({ code: 7, details: expect.stringContaining('value "backend" which is not allowed') });
    expect(await status('spoof-2')).toBe(404);
    // A backend Dataplane that exists already is not served (nor its identity issued) to a web token.
    const put = await fetch(`${zone.apiUrl}/meshes/default/dataplanes/backend-9`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(dataplane('backend-9', 'backend', 8081)) });
    expect(put.status).toBe(201);
    await expect(adsFirstResponse(zone.dpServerUrl, { id: 'default.backend-9' }, web)).rejects.toMatchObject({ code: 7 });
    await expect(adsFirstResponse(zone.dpServerUrl, { id: 'default.backend-9' }, await token({ tags: { 'kuma.io/service': ['backend'] } }))).resolves.toBe('type.googleapis.com/envoy.config.cluster.v3.Cluster');
  });

  it('a malformed node id is refused with a short error that does not echo it', async () => {
    const id = `default.${'x'.repeat(10_000)}`;
    const err = (await adsFirstResponse(zone.dpServerUrl, { id }).then(() => undefined, (e: unknown) => e)) as { code: number; details: string };
    expect(err.code).toBe(3);
    expect(err.details).toMatch(/node\.id must be "<mesh>\.<name>".*got 10008 characters/);
    expect(err.details.length).toBeLessThan(300);
    expect(zone.output()).not.toContain('x'.repeat(600));
    await expect(adsFirstResponse(zone.dpServerUrl, { id: 'default.web 1' })).rejects.toMatchObject({ code: 3 });
  });

  it('a registration whose proxy never opens a stream expires, and so does one found when the CP starts; what users applied stays', async () => {
    const named = await token({ name: 'orphan-1' });
    expect((await bootstrap(zone.dpServerUrl, { mesh: 'default', name: 'orphan-1', dataplane: dataplane('orphan-1', 'orphan', 8082), dataplaneToken: named, adminPort: 9901 })).status).toBe(200);
    expect(await status('orphan-1')).toBe(200);
    await waitFor(async () => (await status('orphan-1')) === 404, { what: 'the registration without a stream to expire' });
    // Its proxy turning up later is admitted anyway: it brings its Dataplane in its node metadata.
    await expect(adsFirstResponse(zone.dpServerUrl, { id: 'default.orphan-1', metadata: nodeMetadata({ 'meshwork.io/dataplane': JSON.stringify(dataplane('orphan-1', 'orphan', 8082)) }) }, named)).resolves.toBe('type.googleapis.com/envoy.config.cluster.v3.Cluster');

    // Registered by a proxy while this CP was down (or before a crash): found at start-up.
    await zone.stop('SIGKILL');
    const store = new RedisStore({ registry, url: redis.url, prefix: 'meshwork:', maxResourceBytes: 1 << 20 });
    await store.create({ type: 'Dataplane', mesh: 'default', name: 'orphan-2', labels: { 'meshwork.io/lifecycle': 'dp' }, spec: { networking: dataplane('orphan-2', 'orphan', 8083).networking } });
    await store.close();
    await zone.start();
    await waitFor(async () => (await status('orphan-2')) === 404, { what: 'the registration found at start-up to expire' });
    // Applied by a user (no lifecycle label): never removed by the DP server.
    expect(await status('backend-9')).toBe(200);
  });
});
