import { waitFor } from '../helpers/wait.ts';
import { startFederation } from './federation.ts';
import { Fleet, metric, registerFleet, type FleetShape } from './fleet.ts';
import { now } from './sim-proxy.ts';
import { summarize, type ScenarioResult } from './report.ts';

// A policy applied at global until every proxy of every zone has the configuration it
// changes in effect: global on etcd, two zones on Redis, simulated Envoys in each zone (half
// SotW, half delta). Each write is a MeshTimeout targeting the whole mesh with a new request
// timeout and connect timeout, which changes every proxy's outbound routes (LDS) and
// clusters (CDS); a sample is one proxy's time from the PUT at global until it ACKed the new
// listeners and its changed clusters are warm (their endpoints arrived, as Envoy waits).

export async function xdsPropagation(options: { quick: boolean; progress: (m: string) => void }): Promise<ScenarioResult> {
  const perZone = options.quick ? 50 : 1000;
  const services = options.quick ? 20 : 200;
  const writes = options.quick ? 3 : 10;
  options.progress(`xds-propagation: global + 2 zones × ${perZone} proxies of ${services} services`);
  await using federation = await startFederation(2);
  const shapes: FleetShape[] = federation.zones.map((_, z) => ({ count: perZone, services, outbounds: 10, prefix: `z${z + 1}-`, network: z + 1 }));
  for (const [z, zone] of federation.zones.entries()) await registerFleet(zone.cp.apiUrl, shapes[z]!);
  const fleet = await Fleet.start(federation.zones.map((zone, z) => ({ dpServerUrl: zone.cp.dpServerUrl, shape: shapes[z]! })));
  const proxies = perZone * federation.zones.length;
  try {
    await fleet.configured();
    for (const zone of federation.zones) await waitFor(async () => (await metric(zone.cp.diagnosticsUrl, 'meshwork_xds_connected_proxies')) === perZone, { what: `${zone.name}'s proxies connected` });
    options.progress(`xds-propagation: ${proxies} proxies configured; ${writes} policy writes at global`);

    const builds = async () => (await Promise.all(federation.zones.map((z) => metric(z.cp.diagnosticsUrl, 'meshwork_xds_generation_seconds_count')))).reduce((a, b) => a + b, 0);
    const buildsBefore = await builds();
    const writesStarted = performance.now();
    const samples: number[] = [];
    const lastProxy: number[] = [];
    for (let w = 0; w < writes; w++) {
      const collect = await fleet.armUpdates();
      const t0 = now();
      const body = { type: 'MeshTimeout', mesh: 'default', name: 'bench-timeout', spec: { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'Mesh' }, default: { connectionTimeout: `${2 + w}s`, http: { requestTimeout: `${10 + w}s` } } }] } };
      const res = await fetch(`${federation.global.apiUrl}/meshes/default/meshtimeouts/bench-timeout`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`PUT bench-timeout: ${res.status} ${await res.text()}`);
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`write ${w}: not every proxy had the change in effect within 60 s`)), 60_000).unref());
      const at = await Promise.race([collect(), timeout]);
      const latencies = at.map((t) => t - t0);
      samples.push(...latencies);
      lastProxy.push(Math.max(...latencies));
    }
    options.progress(`xds-propagation: ${writes} writes in ${Math.round(performance.now() - writesStarted)} ms`);
    const buildsPerProxyAndWrite = ((await builds()) - buildsBefore) / proxies / writes;
    const warmTimeouts = await fleet.warmTimeouts();
    const s = summarize(samples);
    const last = summarize(lastProxy);
    return {
      scenario: 'xds-propagation',
      description: `A MeshTimeout PUT to global (etcd) until every proxy in both zones (Redis) ACKed the listeners it changes and warmed the clusters it changes; ${proxies} simulated Envoys on worker threads (half SotW, half delta, ${shapes[0]!.outbounds} outbounds each), ${writes} writes; one sample per proxy and write.`,
      params: { zones: 2, proxiesPerZone: perZone, services, writes },
      metrics: [
        { name: 'PUT at global → proxy ACK, p50', unit: 'ms', value: s.p50, target: 300 },
        { name: 'PUT at global → proxy ACK, p95', unit: 'ms', value: s.p95 },
        { name: 'PUT at global → proxy ACK, p99', unit: 'ms', value: s.p99, target: 1000 },
        { name: 'PUT at global → proxy ACK, max', unit: 'ms', value: s.max },
        { name: 'PUT at global → the last proxy ACKed, median of the writes', unit: 'ms', value: last.p50 },
        { name: 'snapshot builds per proxy and write (1 = no wasted passes)', unit: 'builds', value: Math.round(buildsPerProxyAndWrite * 100) / 100 },
        { name: "clusters warmed only by Envoy's 15 s initial fetch timeout", unit: 'clusters', value: warmTimeouts, target: 0 },
      ],
    };
  } finally {
    await fleet.close();
  }
}
