import { readFileSync } from 'node:fs';
import type { Resource } from '../../src/resources/resource.ts';
import type { DataplaneSpec } from '../../src/resources/types/dataplane.ts';
import type { MeshSpec } from '../../src/resources/types/mesh.ts';
import { buildSnapshot } from '../../src/xds/build/build-snapshot.ts';
import type { Endpoint, ProxyContext } from '../../src/xds/generate/context.ts';
import { GENERATORS } from '../../src/xds/generate/generators.ts';
import { meshServiceDestinations } from '../../src/meshservice/destinations.ts';
import type { MeshServiceSpec } from '../../src/resources/types/mesh-service.ts';
import { inputFingerprint } from '../../src/xds/reconciler.ts';
import { startControlPlane } from '../helpers/control-plane.ts';
import { startRedis } from '../helpers/servers.ts';
import { waitFor } from '../helpers/wait.ts';
import { summarize, type ScenarioResult } from './report.ts';
import { Fleet, metric, registerFleet, type FleetShape } from './fleet.ts';
import { now } from './sim-proxy.ts';

// xDS: the cost of one proxy's snapshot (in process) and the memory each connected proxy
// costs a zone CP (simulated Envoys against a real CP process).

const meta = { labels: {}, creationTime: '', modificationTime: '', version: '1' };

/** The identity and CA of the mTLS golden files (read once: the cold runs build a context per iteration). */
const fixture = JSON.parse(readFileSync(new URL('../helpers/testdata/mtls-fixture.json', import.meta.url), 'utf8')) as { caCert: string; identity: { cert: string; key: string } };

/** A proxy calling 100 services of 5 endpoints each; `suffix` renames the services (nothing shared with other proxies). */
function proxyWith100Outbounds(mtls: boolean, suffix = ''): ProxyContext {
  const endpoints = new Map<string, Endpoint[]>();
  const outbound = [];
  for (let s = 0; s < 100; s++) {
    const service = `svc-${s}${suffix}`;
    endpoints.set(service, Array.from({ length: 5 }, (_, i) => ({ address: `10.0.${s}.${i + 1}`, port: 8080, tags: { 'kuma.io/service': service, 'kuma.io/protocol': 'http' }, dataplane: `${service}-${i}` })));
    outbound.push({ port: 10000 + s, tags: { 'kuma.io/service': service } });
  }
  const mesh: Resource<MeshSpec> = { type: 'Mesh', name: 'default', spec: mtls ? { mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin' }] } } : {}, ...meta };
  const dataplane: Resource<DataplaneSpec> = { type: 'Dataplane', mesh: 'default', name: 'web-1', spec: { networking: { address: '10.1.0.1', inbound: [{ port: 8080, servicePort: 3000, tags: { 'kuma.io/service': 'web', 'kuma.io/protocol': 'http' } }], outbound } }, ...meta };
  return { mesh, dataplane, endpoints, zone: 'zone-1', adminPort: 9901, ...(mtls ? { mtls: { mode: 'STRICT', ...fixture } } : {}) };
}

/** `services` generated-style MeshServices (by kuma.io/service) over `count` Dataplanes. */
function meshServiceFleet(services: number, count: number): { meshServices: Resource<MeshServiceSpec>[]; dataplanes: Resource<DataplaneSpec>[] } {
  const dataplanes: Resource<DataplaneSpec>[] = Array.from({ length: count }, (_, i) => ({ type: 'Dataplane', mesh: 'default', name: `dp-${i}`, ...meta, spec: { networking: { address: `10.2.${i >> 8}.${i & 255}`, inbound: [{ port: 8080, tags: { 'kuma.io/service': `svc-${i % services}`, 'kuma.io/protocol': 'http' } }] } } }));
  const meshServices: Resource<MeshServiceSpec>[] = Array.from({ length: services }, (_, i) => ({ type: 'MeshService', mesh: 'default', name: `svc-${i}`, ...meta, labels: { 'kuma.io/zone': 'zone-1' }, spec: { selector: { dataplaneTags: { 'kuma.io/service': `svc-${i}` } }, ports: [{ name: '8080', port: 8080, targetPort: 8080, appProtocol: 'http' }] }, status: { vips: [{ ip: `241.0.${i >> 8}.${i & 255}` }] } }));
  return { meshServices, dataplanes };
}

/**
 * Times `fn(input)` n times after a warm-up; the inputs are prepared outside the timer. Each
 * iteration starts on a new event-loop turn, as the reconciler's do: WeakRef targets created
 * in a turn live until its end, so a long synchronous loop would measure a growing heap.
 */
async function time<T>(n: number, prepare: (i: number) => T, fn: (input: T) => void): Promise<number[]> {
  for (let i = 0; i < Math.min(200, n); i++) fn(prepare(-1 - i));
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    await new Promise(setImmediate);
    const input = prepare(i);
    const t0 = performance.now();
    fn(input);
    out.push(performance.now() - t0);
  }
  return out;
}

export async function xdsGeneration(options: { quick: boolean; progress: (m: string) => void }): Promise<ScenarioResult> {
  options.progress('xds-generation: building snapshots in process');
  const n = options.quick ? 200 : 2000;
  // Cold: every iteration's services have new names, so no resource is shared with an
  // earlier snapshot and everything is generated, checked and encoded. Shared: another proxy
  // of the zone already calls the same services (clusters and endpoints are reused).
  const cold = summarize(await time(n, (i) => proxyWith100Outbounds(false, `-${i}`), (ctx) => buildSnapshot(ctx, GENERATORS)));
  const coldMtls = summarize(await time(n, (i) => proxyWith100Outbounds(true, `-${i}`), (ctx) => buildSnapshot(ctx, GENERATORS)));
  const plain = proxyWith100Outbounds(false);
  const kept = buildSnapshot(plain, GENERATORS);
  const shared = summarize(await time(n, () => plain, (ctx) => buildSnapshot(ctx, GENERATORS)));
  const unchanged = summarize(await time(n * 10, () => plain, (ctx) => inputFingerprint(ctx.mesh, ctx.dataplane, ctx.endpoints, ctx.adminPort, undefined)));
  if (kept.version !== buildSnapshot(plain, GENERATORS).version) throw new Error('snapshot versions are not stable');
  // A mesh's MeshService destinations and their endpoints, computed once per config generation.
  const fleet = meshServiceFleet(200, 1000);
  const destinations = summarize(await time(options.quick ? 20 : 200, () => fleet, (f) => meshServiceDestinations(f.meshServices, f.dataplanes)));
  return {
    scenario: 'xds-generation',
    description: 'One proxy with 100 outbound services (5 endpoints each): full snapshot build (generate, check against Envoy protos, encode, hash), cold (nothing shared with other proxies) and with the clusters and endpoints already encoded for another proxy; the unchanged-config check; and the MeshService destinations of a mesh (per config generation).',
    params: { outbounds: 100, endpointsPerService: 5, iterations: n },
    metrics: [
      { name: 'full snapshot, cold, p50', unit: 'ms', value: cold.p50, target: 5 },
      { name: 'full snapshot, cold, p99', unit: 'ms', value: cold.p99, target: 5 },
      { name: 'full snapshot, cold, with mTLS p50', unit: 'ms', value: coldMtls.p50 },
      { name: 'full snapshot, resources shared with another proxy, p50', unit: 'ms', value: shared.p50 },
      { name: 'full snapshot, resources shared with another proxy, p99', unit: 'ms', value: shared.p99 },
      { name: 'unchanged-config check p50', unit: 'ms', value: Math.round(unchanged.p50 * 1000) / 1000 },
      { name: 'unchanged-config check p99', unit: 'ms', value: Math.round(unchanged.p99 * 1000) / 1000, target: 0.5 },
      { name: 'MeshService destinations of a mesh (200 services, 1,000 Dataplanes) p50', unit: 'ms', value: destinations.p50 },
      { name: 'MeshService destinations of a mesh (200 services, 1,000 Dataplanes) p99', unit: 'ms', value: destinations.p99 },
    ],
  };
}

/**
 * One zone CP on Redis carrying a fleet of simulated Envoys (half SotW, half delta): its
 * memory and idle CPU once every proxy is configured (xds-scale); then it is stopped
 * (SIGTERM) and started again while they reconnect (xds-reconnect-storm).
 */
export async function xdsScale(options: { quick: boolean; progress: (m: string) => void }): Promise<ScenarioResult[]> {
  const shape: FleetShape = { count: options.quick ? 100 : 5000, services: options.quick ? 20 : 500, outbounds: 10 };
  const idleWindowMs = options.quick ? 3000 : 15_000;
  const settleMs = options.quick ? 0 : 12_000;
  options.progress(`xds-scale: a zone CP (Redis) with ${shape.count} proxies of ${shape.services} services`);
  await using redis = await startRedis();
  await using zone = await startControlPlane({ mode: 'zone', env: { MESHWORK_STORE_TYPE: 'redis', MESHWORK_STORE_REDIS_URL: redis.url, MESHWORK_DP_SERVER_AUTH_TYPE: 'none', MESHWORK_LOG_LEVEL: 'warn' } });
  await registerFleet(zone.apiUrl, shape);
  const diag = zone.diagnosticsUrl;
  const before = { rss: await metric(diag, 'meshwork_process_resident_memory_bytes'), heap: await metric(diag, 'meshwork_nodejs_heap_size_used_bytes') };
  const started = now();
  const fleet = await Fleet.start([{ dpServerUrl: zone.dpServerUrl, shape }]);
  try {
    const times = await fleet.configured();
    const firsts = times.first.map((t) => t - started);
    const configured = times.configured.map((t) => t - started);
    const allConfiguredMs = Math.max(...configured);
    await waitFor(async () => (await metric(diag, 'meshwork_xds_connected_proxies')) === shape.count, { what: 'all proxies connected' });
    // Idle: nothing changes; what the CP spends is its own housekeeping. First the counters
    // of the connection storm are written (DataplaneInsights are flushed every 10 s).
    options.progress(`xds-scale: ${shape.count} proxies configured; settling for ${settleMs / 1000} s, then idle for ${idleWindowMs / 1000} s`);
    await new Promise((r) => setTimeout(r, settleMs));
    const cpu0 = await metric(diag, 'meshwork_process_cpu_seconds_total');
    const idleFrom = performance.now();
    await new Promise((r) => setTimeout(r, idleWindowMs));
    const idleCpu = ((await metric(diag, 'meshwork_process_cpu_seconds_total')) - cpu0) / ((performance.now() - idleFrom) / 1000);
    const after = { rss: await metric(diag, 'meshwork_process_resident_memory_bytes'), heap: await metric(diag, 'meshwork_nodejs_heap_size_used_bytes') };
    const f = summarize(firsts);
    const c = summarize(configured);
    const perProxy = (bytes: number) => Math.round((bytes / shape.count / 1e6) * 1000) / 1000;
    const scale: ScenarioResult = {
      scenario: 'xds-scale',
      description: `A zone CP process (Redis store) serving ${shape.count} simulated Envoys (ADS over TLS, half SotW and half delta, ${shape.outbounds} outbounds each, every response ACKed), all connecting at once; the simulator runs on worker threads.`,
      params: { proxies: shape.count, services: shape.services, outboundsPerProxy: shape.outbounds, settleSeconds: settleMs / 1000, idleWindowSeconds: idleWindowMs / 1000 },
      metrics: [
        { name: 'zone CP RSS before proxies connect', unit: 'MB', value: Math.round(before.rss / 1e6) },
        { name: 'zone CP RSS with all proxies connected', unit: 'MB', value: Math.round(after.rss / 1e6), ...(options.quick ? {} : { target: 1500 }) },
        { name: 'marginal memory per connected proxy (RSS)', unit: 'MB', value: perProxy(after.rss - before.rss), target: 0.3 },
        // Two samples of the used heap, garbage included: with few proxies a GC in between can make it negative.
        { name: 'marginal JS heap per connected proxy', unit: 'MB', value: perProxy(after.heap - before.heap), signed: true },
        { name: 'idle CPU with all proxies connected', unit: '% of one core', value: Math.round(idleCpu * 1000) / 10, target: 5 },
        { name: 'first response p99', unit: 'ms', value: f.p99 },
        { name: 'full config (CDS+EDS+LDS) p50', unit: 'ms', value: c.p50 },
        { name: 'full config p99', unit: 'ms', value: c.p99 },
        { name: `all ${shape.count} proxies configured`, unit: 'ms', value: Math.round(allConfiguredMs) },
        { name: "clusters warmed only by Envoy's 15 s initial fetch timeout", unit: 'clusters', value: await fleet.warmTimeouts(), target: 0 },
      ],
    };

    options.progress(`xds-reconnect-storm: restart the zone CP with ${shape.count} connected proxies`);
    const killedAt = now();
    const collect = await fleet.armReconnects(killedAt);
    await zone.stop();
    await zone.start();
    const readyAt = now();
    const results = await collect();
    const waited = summarize(results.map((r) => r.waitedMs));
    const fromRestart = summarize(results.map((r) => r.configuredAt - killedAt));
    const storm: ScenarioResult = {
      scenario: 'xds-reconnect-storm',
      description: `The same zone CP with ${shape.count} connected simulated Envoys is stopped (SIGTERM) and started again; every proxy reconnects (0.2–0.7 s jitter) and ACKs a full config (its clusters warm).`,
      params: { proxies: shape.count, services: shape.services, outboundsPerProxy: shape.outbounds },
      metrics: [
        { name: 'CP down (stop until ready again)', unit: 'ms', value: Math.round(readyAt - killedAt) },
        { name: 'every proxy configured again, from the stop', unit: 'ms', value: fromRestart.max, target: 30_000 },
        { name: 'reconfigured p50, from the stop', unit: 'ms', value: fromRestart.p50 },
        { name: 'wait for the first response on the new stream p99', unit: 'ms', value: waited.p99 },
        { name: 'wait for the first response on the new stream max', unit: 'ms', value: waited.max, target: 10_000 },
        { name: "clusters warmed only by Envoy's 15 s initial fetch timeout (whole run)", unit: 'clusters', value: await fleet.warmTimeouts(), target: 0 },
      ],
    };
    return [scale, storm];
  } finally {
    await fleet.close();
  }
}
