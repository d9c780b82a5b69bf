import { waitFor } from '../helpers/wait.ts';
import { startFederation, type Federation } from './federation.ts';
import { Fleet, metric, outboundServices, registerFleet, type FleetShape } from './fleet.ts';
import { now } from './sim-proxy.ts';
import { summarize, type ScenarioResult } from './report.ts';

// A policy applied at global until every proxy of every zone has the configuration it
// changes in effect: global on etcd, two zones on Redis, simulated Envoys in each zone (half
// SotW, half delta). Each write is a MeshTimeout targeting the whole mesh with a new request
// timeout and connect timeout, which changes every proxy's outbound routes (LDS) and
// clusters (CDS); a sample is one proxy's time from the PUT at global until it ACKed the new
// listeners and its changed clusters are warm (their endpoints arrived, as Envoy waits).
// Figures are given for all proxies and for the slowest zone alone (the zone whose last
// proxy is last, per write). Then a MeshTimeout for one service of the 200: the proxies
// rebuilt must be its callers only.

const put = async (federation: Federation, name: string, spec: object) => {
  const res = await fetch(`${federation.global.apiUrl}/meshes/default/meshtimeouts/${name}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'MeshTimeout', mesh: 'default', name, spec }) });
  if (!res.ok) throw new Error(`PUT ${name}: ${res.status} ${await res.text()}`);
};

const within60s = <T>(what: string, p: Promise<T>): Promise<T> =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} within 60 s`)), 60_000).unref())]);

export async function xdsPropagation(options: { quick: boolean; progress: (m: string) => void }): Promise<ScenarioResult[]> {
  const perZone = options.quick ? 50 : 1000;
  const services = options.quick ? 20 : 200;
  const writes = options.quick ? 3 : 10;
  options.progress(`xds-propagation: global + 2 zones × ${perZone} proxies of ${services} services`);
  await using federation = await startFederation(2);
  const shapes: FleetShape[] = federation.zones.map((_, z) => ({ count: perZone, services, outbounds: 10, prefix: `z${z + 1}-`, network: z + 1 }));
  for (const [z, zone] of federation.zones.entries()) await registerFleet(zone.cp.apiUrl, shapes[z]!);
  const fleet = await Fleet.start(federation.zones.map((zone, z) => ({ dpServerUrl: zone.cp.dpServerUrl, shape: shapes[z]! })));
  const proxies = perZone * federation.zones.length;
  const zoneOf = (nodeId: string) => Number(/^default\.z(\d+)-/.exec(nodeId)![1]) - 1;
  const perZoneMetric = (name: string) => Promise.all(federation.zones.map((z) => metric(z.cp.diagnosticsUrl, name)));
  const builds = async () => (await perZoneMetric('meshwork_xds_generation_seconds_count')).reduce((a, b) => a + b, 0);
  try {
    await fleet.configured();
    for (const zone of federation.zones) await waitFor(async () => (await metric(zone.cp.diagnosticsUrl, 'meshwork_xds_connected_proxies')) === perZone, { what: `${zone.name}'s proxies connected` });
    options.progress(`xds-propagation: ${proxies} proxies configured; ${writes} policy writes at global`);

    const buildsBefore = await builds();
    const writesStarted = performance.now();
    const samples: number[] = [];
    const lastProxy: number[] = [];
    const slowestZone: number[] = [];
    for (let w = 0; w < writes; w++) {
      const collect = await fleet.armUpdates();
      const t0 = now();
      await put(federation, 'bench-timeout', { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'Mesh' }, default: { connectionTimeout: `${2 + w}s`, http: { requestTimeout: `${10 + w}s` } } }] });
      const at = await within60s(`write ${w}: not every proxy had the change in effect`, collect());
      const byZone = federation.zones.map((_, z) => at.filter((a) => zoneOf(a.nodeId) === z).map((a) => a.at - t0));
      samples.push(...byZone.flat());
      lastProxy.push(Math.max(...byZone.flat()));
      slowestZone.push(...byZone.reduce((a, b) => (Math.max(...a) >= Math.max(...b) ? a : b)));
    }
    options.progress(`xds-propagation: ${writes} writes in ${Math.round(performance.now() - writesStarted)} ms`);
    const buildsPerProxyAndWrite = ((await builds()) - buildsBefore) / proxies / writes;
    const warmTimeouts = await fleet.warmTimeouts();
    const s = summarize(samples);
    const slow = summarize(slowestZone);
    const last = summarize(lastProxy);

    // One service of the 200: its callers (the proxies with it among their outbounds) get the change, no other proxy is built.
    const target = 'svc-7';
    const callers = federation.zones.flatMap((_, z) => Array.from({ length: perZone }, (_, i) => i).filter((i) => outboundServices(i, shapes[z]!).includes(target)).map((i) => `default.${shapes[z]!.prefix}dp-${i}`));
    const oneBuildsBefore = await builds();
    const passesBefore = await perZoneMetric('meshwork_xds_reconcile_passes_total');
    const collect = await fleet.armUpdates(callers);
    const t0 = now();
    await put(federation, 'bench-one-service', { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'MeshService', name: target }, default: { connectionTimeout: '7s', http: { requestTimeout: '7s' } } }] });
    const oneAt = await within60s('the callers of one service did not all have the change', collect());
    // The pass that built them has finished in each zone (nothing else starts one meanwhile).
    await waitFor(async () => (await perZoneMetric('meshwork_xds_reconcile_passes_total')).every((n, z) => n > passesBefore[z]!), { what: 'the reconcile passes to finish' });
    const oneBuilds = (await builds()) - oneBuildsBefore;
    const one = summarize(oneAt.map((a) => a.at - t0));
    return [
      {
        scenario: 'xds-propagation',
        description: `A MeshTimeout PUT to global (etcd) until every proxy in both zones (Redis) ACKed the listeners it changes and warmed the clusters it changes; ${proxies} simulated Envoys on worker threads (half SotW, half delta, ${shapes[0]!.outbounds} outbounds each), ${writes} writes; one sample per proxy and write. "Slowest zone": the samples of the zone whose last proxy came last, per write.`,
        params: { zones: 2, proxiesPerZone: perZone, services, writes },
        metrics: [
          { name: 'PUT at global → proxy ACK, p50', unit: 'ms', value: s.p50, target: 300 },
          { name: 'PUT at global → proxy ACK, p95', unit: 'ms', value: s.p95 },
          { name: 'PUT at global → proxy ACK, p99', unit: 'ms', value: s.p99, target: 1000 },
          { name: 'PUT at global → proxy ACK, max', unit: 'ms', value: s.max },
          { name: 'slowest zone: PUT at global → proxy ACK, p50', unit: 'ms', value: slow.p50, target: 300 },
          { name: 'slowest zone: PUT at global → proxy ACK, p99', unit: 'ms', value: slow.p99, target: 1000 },
          { name: 'PUT at global → the last proxy ACKed, median of the writes', unit: 'ms', value: last.p50 },
          { name: 'snapshot builds per proxy and write (1 = no wasted passes)', unit: 'builds', value: Math.round(buildsPerProxyAndWrite * 100) / 100 },
          { name: "clusters warmed only by Envoy's 15 s initial fetch timeout", unit: 'clusters', value: warmTimeouts, target: 0 },
        ],
      },
      {
        scenario: 'xds-propagation-one-service',
        description: `A MeshTimeout for one service of ${services} (to: MeshService ${target}, top-level Mesh) PUT to global, with the same ${proxies} proxies: the proxies built are counted (the zone CPs' meshwork_xds_generation_seconds_count, once their reconcile pass finished) against the service's callers, the proxies whose build reads it.`,
        params: { zones: 2, proxiesPerZone: perZone, services, callers: callers.length },
        metrics: [
          { name: 'proxies rebuilt', unit: 'proxies', value: oneBuilds, target: callers.length },
          { name: 'PUT at global → every caller ACKed, p50', unit: 'ms', value: one.p50 },
          { name: 'PUT at global → every caller ACKed, max', unit: 'ms', value: one.max },
        ],
      },
    ];
  } finally {
    await fleet.close();
  }
}
