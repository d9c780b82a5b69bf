import { afterAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlaneProcess } from '../helpers/control-plane.ts';
import { meshctl } from '../helpers/meshctl.ts';
import { startEtcd, startRedis, type TestServer } from '../helpers/servers.ts';
import { waitFor } from '../helpers/wait.ts';

// /ready tells a load balancer or Kubernetes whether this CP can do its job: 503, with the
// reason, while its store does not answer or while global refuses a federated zone. (A zone
// that only cannot reach global stays ready: it serves its last state.)

async function readiness(cp: ControlPlaneProcess): Promise<{ status: number; reasons: Record<string, string> }> {
  const res = await fetch(`${cp.diagnosticsUrl}/ready`);
  const text = await res.text();
  return { status: res.status, reasons: res.status === 200 ? {} : ((JSON.parse(text) as { reasons: Record<string, string> }).reasons ?? {}) };
}

describe('/ready reflects the store and the KDS session', () => {
  const cleanup: (() => PromiseLike<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });
  const keep = <T extends AsyncDisposable>(x: T) => (cleanup.push(() => x[Symbol.asyncDispose]()), x);

  /** Stops the store under a running CP, expects 503 naming it, starts it, expects 200 again. */
  async function downAndBack(cp: ControlPlaneProcess, store: TestServer, kind: string) {
    expect((await readiness(cp)).status).toBe(200);
    await store.stop();
    const down = await waitFor(async () => {
      const r = await readiness(cp);
      return r.status === 503 ? r : undefined;
    }, { what: `not ready without ${kind}` });
    expect(down.reasons.store).toMatch(new RegExp(kind));
    await store.restart();
    await waitFor(async () => (await readiness(cp)).status === 200, { what: 'ready again', timeoutMs: 60_000 });
  }

  it('global on etcd: 503 while etcd is down, 200 again when it is back', async () => {
    const etcd = keep(await startEtcd());
    await downAndBack(keep(await startControlPlane({ mode: 'global', env: { MESHWORK_STORE_TYPE: 'etcd', MESHWORK_STORE_ETCD_ENDPOINTS: etcd.url } })), etcd, 'etcd');
  });

  it('zone on Redis: 503 while Redis is down, 200 again when it is back', async () => {
    const redis = keep(await startRedis());
    await downAndBack(keep(await startControlPlane({ mode: 'zone', env: { MESHWORK_STORE_TYPE: 'redis', MESHWORK_STORE_REDIS_URL: redis.url } })), redis, 'redis');
  });

  it('a federated zone is not ready while global refuses it, and is once its token is right', async () => {
    const cli = meshctl();
    const global = keep(await startControlPlane({ mode: 'global' }));
    expect((await cli.run(['config', 'control-planes', 'add', '--name', 'global', '--address', global.apiUrl])).code).toBe(0);
    // A token issued for another zone.
    const env = { ...(await cli.zoneEnv('zone-1', global.kdsHostPort)), MESHWORK_ZONE_TOKEN_FILE: await cli.zoneTokenFile('zone-2') };
    const zone = keep(await startControlPlane({ mode: 'zone', env, ready: 'listening' }));
    const refused = await waitFor(async () => {
      const r = await readiness(zone);
      return r.reasons['kds-client'] ? r : undefined;
    }, { what: 'the refusal in /ready' });
    expect(refused.status).toBe(503);
    expect(refused.reasons['kds-client']).toMatch(/global refuses this zone: .*issued for zone "zone-2", not "zone-1"/);
    await zone.stop();
    const good = keep(await startControlPlane({ mode: 'zone', env: await cli.zoneEnv('zone-1', global.kdsHostPort) }));
    expect((await readiness(good)).status).toBe(200);
  });
});
