import type { z } from 'zod';
import type { PolicyPlugin } from '../core/plugin.ts';
import { httpConnectionManager, httpInspector, tcpProxy, tlsInspector } from '../../xds/generate/envoy-objects.ts';
import type { meshPassthroughConf } from './schema.ts';
import { PASSTHROUGH_LISTENERS } from '../../xds/generate/generators.ts';
import { addResource, resourcesOf } from '../../xds/model/resource-set.ts';

// MeshPassthrough → what the transparent outbound listener does with destinations outside
// the mesh: All passes everything through, None closes it, Matched passes only the listed
// IPs, CIDRs, TLS server names (SNI) and, for Domain matches with protocol http, http2 or
// grpc, plain-text HTTP by Host header; optionally per port. Needs transparent proxying.

type Conf = z.infer<typeof meshPassthroughConf>;
type Obj = Record<string, unknown>;
const PASSTHROUGH = PASSTHROUGH_LISTENERS.OUTBOUND;
const ORIGIN = { kind: 'passthrough', direction: 'OUTBOUND' } as const;
const BLACKHOLE = 'meshwork:blackhole';
const HTTP_PROTOCOLS = new Set(['http', 'http2', 'grpc']);

/** A listener filter predicate true on connections to these destination ports. */
function serverFirstPorts(ports: number[]): Obj {
  const rules = ports.map((p) => ({ destination_port_range: { start: p, end: p + 1 } }));
  return rules.length === 1 ? rules[0]! : { or_match: { rules } };
}

export const meshPassthroughPlugin: PolicyPlugin = {
  type: 'MeshPassthrough',
  order: 95,
  apply(_ctx, rules, out) {
    const conf = rules.single?.conf as Conf | undefined;
    const listener = resourcesOf(out, 'listener', 'passthrough').find((l) => l.origin.direction === 'OUTBOUND')?.resource;
    if (!conf || !listener) return;
    const mode = conf.passthroughMode ?? (conf.appendMatch?.length ? 'Matched' : 'All');
    addResource(out, 'cluster', PASSTHROUGH, { name: PASSTHROUGH, type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED', connect_timeout: '5s' }, ORIGIN);
    addResource(out, 'cluster', BLACKHOLE, { name: BLACKHOLE, type: 'STATIC', connect_timeout: '1s', load_assignment: { cluster_name: BLACKHOLE, endpoints: [] } }, ORIGIN);
    const closed = { filters: [tcpProxy('blackhole', BLACKHOLE)] };
    if (mode === 'All') listener.filter_chains = [{ filters: [tcpProxy(PASSTHROUGH, PASSTHROUGH)] }];
    else if (mode === 'None') listener.filter_chains = [closed];
    else {
      const matches = conf.appendMatch ?? [];
      const isHttp = (m: (typeof matches)[number]) => m.type === 'Domain' && HTTP_PROTOCOLS.has(m.protocol ?? '');
      const chains: Obj[] = matches
        .filter((m) => !isHttp(m))
        .map((m) => {
          const match: Obj = {};
          if (m.port) match.destination_port = m.port;
          if (m.type === 'IP') match.prefix_ranges = [{ address_prefix: m.value, prefix_len: m.value.includes(':') ? 128 : 32 }];
          if (m.type === 'CIDR') {
            const [ip, bits] = m.value.split('/');
            match.prefix_ranges = [{ address_prefix: ip, prefix_len: Number(bits) }];
          }
          if (m.type === 'Domain') {
            match.server_names = [m.value];
            match.transport_protocol = 'tls';
          }
          return { filter_chain_match: match, filters: [tcpProxy(PASSTHROUGH, PASSTHROUGH)] };
        });
      // Plain-text HTTP to listed hosts: one chain per port, a virtual host per domain (the
      // Host header decides); other hosts on these chains get 404 from Envoy.
      const httpByPort = new Map<number | undefined, string[]>();
      for (const m of matches.filter(isHttp)) httpByPort.set(m.port, [...(httpByPort.get(m.port) ?? []), m.value]);
      for (const [port, domains] of httpByPort) {
        const name = `passthrough_http${port ? `_${port}` : ''}`;
        const hcm = httpConnectionManager(name, { name, virtual_hosts: domains.map((d) => ({ name: d, domains: [d], routes: [{ match: { prefix: '/' }, route: { cluster: PASSTHROUGH } }] })) });
        // Hosts match with or without a port in the Host header.
        (hcm.typed_config as Obj).strip_any_host_port = true;
        chains.push({ filter_chain_match: { ...(port ? { destination_port: port } : {}), transport_protocol: 'raw_buffer', application_protocols: ['http/1.1', 'h2c'] }, filters: [hcm] });
      }
      listener.filter_chains = chains;
      listener.default_filter_chain = closed;
      // Server names need the TLS inspector; HTTP chains need it too (to tell plain text,
      // raw_buffer, from TLS) and the HTTP inspector.
      const inspectors = (listener.listener_filters as Obj[] | undefined) ?? [];
      if (httpByPort.size > 0 || matches.some((m) => m.type === 'Domain')) {
        // MySQL servers speak first: the inspectors, which wait for the client's first bytes,
        // are off on MySQL ports (a port-only match then decides).
        const mysqlPorts = [...new Set(matches.filter((m) => m.protocol === 'mysql' && m.port).map((m) => m.port!))];
        const inspector: Obj = tlsInspector();
        if (mysqlPorts.length) inspector.filter_disabled = serverFirstPorts(mysqlPorts);
        inspectors.push(inspector);
      }
      if (httpByPort.size > 0) {
        const inspector: Obj = httpInspector();
        const mysqlPorts = [...new Set(matches.filter((m) => m.protocol === 'mysql' && m.port).map((m) => m.port!))];
        if (mysqlPorts.length) inspector.filter_disabled = serverFirstPorts(mysqlPorts);
        inspectors.push(inspector);
      }
      if (inspectors.length) listener.listener_filters = inspectors;
    }
  },
};
