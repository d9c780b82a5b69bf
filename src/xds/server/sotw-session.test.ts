import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import type { Resource } from '../../resources/resource.ts';
import type { DataplaneSpec } from '../../resources/types/dataplane.ts';
import type { MeshSpec } from '../../resources/types/mesh.ts';
import { snapshotOf, type XdsSnapshot } from '../cache/snapshot.ts';
import { buildSnapshot } from '../build/build-snapshot.ts';
import { emptyResourceSet } from '../generate/generators.ts';
import { typeUrl } from '../envoy/protos.ts';
import type { Endpoint } from '../generate/context.ts';
import { GENERATORS } from '../generate/generators.ts';
import { SotwSession, type DiscoveryResponse } from './sotw-session.ts';

const meta = { labels: {}, creationTime: '', modificationTime: '', version: '1' };
const mesh: Resource<MeshSpec> = { type: 'Mesh', name: 'default', spec: {}, ...meta };
const dataplane: Resource<DataplaneSpec> = {
  type: 'Dataplane',
  mesh: 'default',
  name: 'web-1',
  spec: { networking: { address: '10.0.0.1', inbound: [{ port: 8080, tags: { 'kuma.io/service': 'web' } }], outbound: [{ port: 10001, tags: { 'kuma.io/service': 'a' } }, { port: 10002, tags: { 'kuma.io/service': 'b' } }] } },
  ...meta,
};
const snapshot = (addressOfA: string): XdsSnapshot => {
  const endpoints = new Map<string, Endpoint[]>([
    ['a', [{ address: addressOfA, port: 80, tags: { 'kuma.io/service': 'a' }, dataplane: 'a-1' }]],
    ['b', [{ address: '10.0.0.3', port: 80, tags: { 'kuma.io/service': 'b' }, dataplane: 'b-1' }]],
  ]);
  return buildSnapshot({ mesh, dataplane, endpoints, zone: 'z', adminPort: 9901 }, GENERATORS);
};

function session() {
  const sent: DiscoveryResponse[] = [];
  const events: string[] = [];
  const s = new SotwSession({
    send: (r) => sent.push(r),
    logger: silentLogger(),
    events: { acked: (k) => events.push(`ack ${k}`), nacked: (k) => events.push(`nack ${k}`) },
  });
  return { s, sent, events };
}

const CDS = typeUrl('cluster');
const EDS = typeUrl('endpoint');
const LDS = typeUrl('listener');

describe('SotW ADS session', () => {
  it('answers subscriptions, sends every CDS/LDS resource and only the requested EDS ones', () => {
    const { s, sent } = session();
    s.setSnapshot(snapshot('10.0.0.2'));
    s.handleRequest({ type_url: CDS, node: { id: 'default.web-1' } });
    s.handleRequest({ type_url: EDS, resource_names: ['a'] });
    s.handleRequest({ type_url: LDS });
    expect(sent.map((r) => r.type_url)).toEqual([CDS, EDS, LDS]);
    expect(sent[0]!.resources.length).toBe(snapshot('10.0.0.2').resources.cluster.size);
    expect(sent[1]!.resources).toHaveLength(1);
  });

  it('answers a changed subscription even at the same version, but not a plain ACK', () => {
    const { s, sent, events } = session();
    s.setSnapshot(snapshot('10.0.0.2'));
    s.handleRequest({ type_url: EDS, resource_names: ['a'] });
    s.handleRequest({ type_url: EDS, resource_names: ['a'], response_nonce: sent[0]!.nonce, version_info: sent[0]!.version_info });
    expect(sent).toHaveLength(1);
    expect(events).toEqual([`ack endpoint`]);
    s.handleRequest({ type_url: EDS, resource_names: ['a', 'b'], response_nonce: sent[0]!.nonce });
    expect(sent).toHaveLength(2);
    expect(sent[1]!.resources).toHaveLength(2);
  });

  it('pushes snapshot changes in CDS, EDS, LDS order, only for types that changed', () => {
    const { s, sent } = session();
    s.setSnapshot(snapshot('10.0.0.2'));
    for (const t of [LDS, EDS, CDS]) s.handleRequest({ type_url: t, resource_names: t === EDS ? ['a', 'b'] : [] });
    sent.length = 0;
    s.setSnapshot(snapshot('10.0.0.9')); // only endpoints of a changed
    expect(sent.map((r) => r.type_url)).toEqual([EDS]);
  });

  it('does not resend a NACKed version, but sends the next one', () => {
    const { s, sent, events } = session();
    s.setSnapshot(snapshot('10.0.0.2'));
    s.handleRequest({ type_url: EDS, resource_names: ['a'] });
    s.setSnapshot(snapshot('10.0.0.4'));
    const bad = sent.at(-1)!;
    s.handleRequest({ type_url: EDS, resource_names: ['a'], response_nonce: bad.nonce, error_detail: { code: 3, message: 'rejected' } });
    expect(events).toEqual(['nack endpoint']);
    const count = sent.length;
    s.setSnapshot(snapshot('10.0.0.4')); // the NACKed content again: not sent
    expect(sent).toHaveLength(count);
    s.setSnapshot(snapshot('10.0.0.5'));
    expect(sent).toHaveLength(count + 1);
  });

  it('ignores an answer to an older response', () => {
    const { s, sent, events } = session();
    s.setSnapshot(snapshot('10.0.0.2'));
    s.handleRequest({ type_url: EDS, resource_names: ['a'] });
    s.setSnapshot(snapshot('10.0.0.3'));
    s.handleRequest({ type_url: EDS, resource_names: ['a'], response_nonce: sent[0]!.nonce, error_detail: { code: 3, message: 'late' } });
    expect(events).toEqual([]);
  });

  it('answers the EDS request of a warming cluster: after a changed CDS, the next EDS request is answered even if nothing changed', () => {
    const withTimeout = (connectTimeout: string): XdsSnapshot => {
      const set = emptyResourceSet();
      set.cluster.set('a', { name: 'a', type: 'EDS', connect_timeout: connectTimeout, eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } } });
      set.endpoint.set('a', { cluster_name: 'a', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '10.0.0.2', port_value: 80 } } } }] }] });
      return snapshotOf(set, 'default.web-1');
    };
    const { s, sent } = session();
    s.setSnapshot(withTimeout('5s'));
    s.handleRequest({ type_url: CDS, node: { id: 'default.web-1' } });
    s.handleRequest({ type_url: EDS, resource_names: ['a'] });
    const [cds, eds] = sent;
    s.handleRequest({ type_url: CDS, response_nonce: cds!.nonce, version_info: cds!.version_info });
    s.handleRequest({ type_url: EDS, resource_names: ['a'], response_nonce: eds!.nonce, version_info: eds!.version_info });
    expect(sent).toHaveLength(2);
    // The cluster changes, its endpoints do not: only CDS is pushed.
    s.setSnapshot(withTimeout('2s'));
    expect(sent.map((r) => r.type_url)).toEqual([CDS, EDS, CDS]);
    s.handleRequest({ type_url: CDS, response_nonce: sent[2]!.nonce, version_info: sent[2]!.version_info });
    // Envoy, warming the new cluster, asks for its endpoints again with what it already has.
    s.handleRequest({ type_url: EDS, resource_names: ['a'], response_nonce: eds!.nonce, version_info: eds!.version_info });
    expect(sent.map((r) => r.type_url)).toEqual([CDS, EDS, CDS, EDS]);
    expect(sent[3]!.version_info).toBe(eds!.version_info);
    // Its ACK of that answer is only an ACK.
    s.handleRequest({ type_url: EDS, resource_names: ['a'], response_nonce: sent[3]!.nonce, version_info: sent[3]!.version_info });
    expect(sent).toHaveLength(4);
  });
});
