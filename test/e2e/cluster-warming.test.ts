import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlaneProcess } from '../helpers/control-plane.ts';
import { freePort } from '../helpers/ports.ts';
import { startEchoApp, startSidecar, webDataplane, type Sidecar } from '../helpers/sidecar.ts';
import { waitFor } from '../helpers/wait.ts';

// A changed cluster, in real Envoy: Envoy warms it until it gets its ClusterLoadAssignment,
// and asks for it again with the version it already has. Unanswered, every cluster change
// took Envoy's initial fetch timeout (15 s) to apply, in SotW and in delta xDS.

type Dump = { configs: { '@type': string; dynamic_active_clusters?: { cluster: { name: string; circuit_breakers?: { thresholds?: { max_connections?: number }[] } } }[]; dynamic_warming_clusters?: unknown[] }[] };

async function maxConnections(sidecar: Sidecar): Promise<{ active?: number; warming: number }> {
  const dump = JSON.parse(await sidecar.admin('/config_dump?resource=')) as Dump;
  const clusters = dump.configs.find((c) => c['@type'].endsWith('ClustersConfigDump'))!;
  const backend = clusters.dynamic_active_clusters?.find((c) => c.cluster.name === 'backend');
  return { active: backend?.cluster.circuit_breakers?.thresholds?.[0]?.max_connections, warming: clusters.dynamic_warming_clusters?.length ?? 0 };
}

async function stat(sidecar: Sidecar, name: string): Promise<number> {
  const text = await sidecar.admin(`/stats?filter=${encodeURIComponent(`^${name}$`)}`);
  return Number(/: (\d+)/.exec(text)?.[1] ?? 'NaN');
}

describe('cluster changes reach real Envoy without waiting for the initial fetch timeout', () => {
  let zone: ControlPlaneProcess;
  const sidecars: Record<'sotw' | 'delta', Sidecar | undefined> = { sotw: undefined, delta: undefined };
  const disposables: AsyncDisposable[] = [];

  beforeAll(async () => {
    zone = await startControlPlane({ mode: 'zone', env: { MESHWORK_DP_SERVER_AUTH_TYPE: 'none' } });
    const app = await startEchoApp('backend-1');
    disposables.push(app);
    disposables.push(await startSidecar({ cpUrl: zone.dpServerUrl, dataplane: { type: 'Dataplane', mesh: 'default', name: 'backend-1', networking: { address: '127.0.4.1', inbound: [{ port: await freePort(), servicePort: app.port, tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' } }] } } }));
    for (const [i, mode] of (['sotw', 'delta'] as const).entries()) {
      const dp = await webDataplane(`127.0.4.${10 + i}`, await freePort());
      sidecars[mode] = await startSidecar({ cpUrl: zone.dpServerUrl, dataplane: { ...dp, name: `web-${mode}` }, extraArgs: mode === 'delta' ? ['--delta'] : [] });
      disposables.push(sidecars[mode]);
    }
  });
  afterAll(async () => {
    for (const d of disposables.reverse()) await d[Symbol.asyncDispose]();
    await zone?.[Symbol.asyncDispose]();
  });

  it('a MeshCircuitBreaker change is active in Envoy (SotW and delta) within seconds, without an EDS fetch timeout', async () => {
    for (const sidecar of Object.values(sidecars)) await waitFor(async () => (await maxConnections(sidecar!)).active !== undefined, { what: `${sidecar!.name} to have the backend cluster` });
    const figures: Record<string, number[]> = { sotw: [], delta: [] };
    for (const limit of [111, 222, 333]) {
      const body = { type: 'MeshCircuitBreaker', mesh: 'default', name: 'limits', spec: { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'Mesh' }, default: { connectionLimits: { maxConnections: limit } } }] } };
      const t0 = performance.now();
      const res = await fetch(`${zone.apiUrl}/meshes/default/meshcircuitbreakers/limits`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBeLessThan(300);
      await Promise.all(
        (['sotw', 'delta'] as const).map(async (mode) => {
          // Well below the 15 s of Envoy's initial fetch timeout, which the defect waited for.
          await waitFor(async () => {
            const c = await maxConnections(sidecars[mode]!);
            return c.active === limit && c.warming === 0;
          }, { what: `${mode}: max_connections ${limit} active`, timeoutMs: 5000, intervalMs: 20 });
          figures[mode]!.push(Math.round(performance.now() - t0));
        }),
      );
    }
    for (const mode of ['sotw', 'delta'] as const) expect(await stat(sidecars[mode]!, 'cluster.backend.init_fetch_timeout'), `${mode}: EDS fetches that timed out`).toBe(0);
    console.log(`PUT → new cluster active in Envoy (ms): ${JSON.stringify(figures)}`);
  });
});
