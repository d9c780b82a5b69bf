import { startControlPlane, type ControlPlaneProcess } from '../helpers/control-plane.ts';
import { meshctl } from '../helpers/meshctl.ts';
import { startEtcd, startRedis, type TestServer } from '../helpers/servers.ts';
import { waitFor } from '../helpers/wait.ts';

// The benchmarks' multi-zone deployment: etcd and a global CP, and zones each on their own
// Redis; separate processes, KDS over TLS with zone tokens, proxies admitted without tokens.

export interface Federation extends AsyncDisposable {
  readonly etcd: TestServer;
  readonly global: ControlPlaneProcess;
  readonly zones: { readonly name: string; readonly cp: ControlPlaneProcess; readonly redis: TestServer }[];
}

export async function startFederation(zoneCount: number): Promise<Federation> {
  const stack = new AsyncDisposableStack();
  try {
    const etcd = stack.use(await startEtcd());
    const global = stack.use(await startControlPlane({ mode: 'global', env: { MESHWORK_STORE_TYPE: 'etcd', MESHWORK_STORE_ETCD_ENDPOINTS: etcd.url, MESHWORK_LOG_LEVEL: 'warn' } }));
    const cli = meshctl();
    await cli.run(['config', 'control-planes', 'add', '--name', 'global', '--address', global.apiUrl]);
    const zones: Federation['zones'][number][] = [];
    for (let i = 1; i <= zoneCount; i++) {
      const name = `zone-${i}`;
      const redis = stack.use(await startRedis());
      const cp = stack.use(
        await startControlPlane({
          mode: 'zone',
          env: {
            ...(await cli.zoneEnv(name, global.kdsHostPort)),
            MESHWORK_STORE_TYPE: 'redis',
            MESHWORK_STORE_REDIS_URL: redis.url,
            MESHWORK_DP_SERVER_AUTH_TYPE: 'none',
            MESHWORK_LOG_LEVEL: 'warn',
          },
        }),
      );
      zones.push({ name, cp, redis });
    }
    await waitFor(async () => {
      for (const z of zones) if (((await (await fetch(`${z.cp.apiUrl}/meshes`)).json()) as { total: number }).total !== 1) return false;
      return true;
    }, { what: 'zones in sync with global' });
    const moved = stack.move();
    return { etcd, global, zones, [Symbol.asyncDispose]: () => moved.disposeAsync() };
  } catch (err) {
    await stack.disposeAsync();
    throw err;
  }
}
