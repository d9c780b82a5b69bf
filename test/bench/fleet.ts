import { putDataplanes } from './seed.ts';
import { simProxy, type SimProxy } from './sim-proxy.ts';

// A synthetic zone for the xDS benchmarks: `count` dataplanes named `<prefix>dp-<i>`, each
// with one inbound of svc-(i mod services) and `outbounds` outbounds to the next services,
// and a simulated Envoy per dataplane — every other one on delta xDS, the rest SotW.

export interface FleetShape {
  count: number;
  services: number;
  outbounds: number;
  /** Prefix of dataplane names (distinct per zone: zones' dataplanes meet at global). */
  prefix?: string;
  /** Second octet of the dataplanes' addresses (distinct per zone). */
  network?: number;
}

const serviceOf = (i: number, shape: FleetShape) => `svc-${i % shape.services}`;
const outboundServices = (i: number, shape: FleetShape) => Array.from({ length: shape.outbounds }, (_, k) => `svc-${(i + k + 1) % shape.services}`);

export function fleetDataplane(i: number, shape: FleetShape) {
  return {
    type: 'Dataplane',
    mesh: 'default',
    name: `${shape.prefix ?? ''}dp-${i}`,
    networking: {
      address: `10.${shape.network ?? 0}.${Math.floor(i / 250)}.${(i % 250) + 1}`,
      inbound: [{ port: 8080, tags: { 'kuma.io/service': serviceOf(i, shape), 'kuma.io/protocol': 'http' } }],
      outbound: outboundServices(i, shape).map((service, k) => ({ port: 10000 + k, tags: { 'kuma.io/service': service } })),
    },
  };
}

/** Registers the fleet's dataplanes with a zone CP's API. */
export const registerFleet = (apiUrl: string, shape: FleetShape) => putDataplanes(apiUrl, shape.count, (i) => fleetDataplane(i, shape));

/** Connects a simulated Envoy per dataplane to a zone CP's DP server (`https://host:port`). */
export function connectFleet(dpServerUrl: string, shape: FleetShape): SimProxy[] {
  const target = dpServerUrl.replace('https://', '');
  return Array.from({ length: shape.count }, (_, i) => simProxy(target, `default.${shape.prefix ?? ''}dp-${i}`, outboundServices(i, shape), { delta: i % 2 === 1 }));
}

/** A sample of a Prometheus metric without labels, from a CP's diagnostics /metrics. */
export async function metric(diagnosticsUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${diagnosticsUrl}/metrics`)).text();
  const m = new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text);
  if (!m) throw new Error(`${name} is not in ${diagnosticsUrl}/metrics`);
  return Number(m[1]);
}
