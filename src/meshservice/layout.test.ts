import { describe, expect, it } from 'vitest';
import { testApiPerTest } from '../../test/helpers/api.ts';
import type { Resource } from '../resources/resource.ts';
import type { DataplaneSpec } from '../resources/types/dataplane.ts';
import type { MeshServiceSpec } from '../resources/types/mesh-service.ts';
import { dataplaneLayout } from './layout.ts';

// Kuma 2.12+'s Dataplane networking layout: which destinations a proxy reaches, by kri
// (the semantics of Kuma's _layout endpoint tests, written as our own cases).

const meta = { creationTime: '', modificationTime: '', version: '1' };
const zoneLabels = { 'kuma.io/zone': 'zone-1' };
const dp = (networking: DataplaneSpec['networking']): Resource<DataplaneSpec> => ({ type: 'Dataplane', mesh: 'default', name: 'dp-1', labels: zoneLabels, spec: { networking }, ...meta });
const ms = (name: string, ports: MeshServiceSpec['ports'], labels: Record<string, string> = {}): Resource<MeshServiceSpec> => ({ type: 'MeshService', mesh: 'default', name, labels: { ...zoneLabels, 'kuma.io/display-name': name, ...labels }, spec: { selector: { dataplaneTags: { 'kuma.io/service': name } }, ports }, ...meta });
const services = [ms('api', [{ port: 80, name: 'http', appProtocol: 'http' }, { port: 9090, appProtocol: 'grpc' }], { team: 'core' }), ms('db', [{ port: 5432 }]), { ...ms('other-mesh', [{ port: 1 }]), mesh: 'elsewhere' }];
const kris = (l: ReturnType<typeof dataplaneLayout>) => l.outbounds.map((o) => `${o.kri} ${o.port} ${o.protocol}`);

describe('the networking layout of a Dataplane (_layout)', () => {
  it('lists its inbounds by section name, and every MeshService port of its mesh when it names none', () => {
    const layout = dataplaneLayout(dp({ address: '10.0.0.1', inbound: [{ port: 8080, name: 'main', protocol: 'http', tags: { 'kuma.io/service': 'web' } }, { port: 8081, tags: { 'kuma.io/service': 'web', 'kuma.io/protocol': 'tcp' } }] }), services);
    expect(layout.kri).toBe('kri_dp_default_zone-1__dp-1_');
    expect(layout.labels).toEqual(zoneLabels);
    expect(layout.inbounds).toEqual([
      { kri: 'kri_dp_default_zone-1__dp-1_main', port: 8080, protocol: 'http', proxyResourceName: 'self_inbound_dp_main' },
      { kri: 'kri_dp_default_zone-1__dp-1_8081', port: 8081, protocol: 'tcp', proxyResourceName: 'self_inbound_dp_8081' },
    ]);
    expect(kris(layout)).toEqual(['kri_msvc_default_zone-1__api_9090 9090 grpc', 'kri_msvc_default_zone-1__api_http 80 http', 'kri_msvc_default_zone-1__db_5432 5432 tcp']);
    expect(layout.outbounds[0]!.proxyResourceName).toBe(layout.outbounds[0]!.kri);
    expect(layout.listeners).toEqual([]);
  });

  it('with backendRef outbounds: only the ports they name, by display name or labels; a MeshService that does not exist is no outbound', () => {
    const synced = { ...ms('api', [{ port: 80, name: 'http', appProtocol: 'http' }]), name: 'api-5f2b9d' };
    expect(kris(dataplaneLayout(dp({ address: '10.0.0.1', outbound: [{ port: 10001, backendRef: { kind: 'MeshService', name: 'api', port: 80 } }] }), [synced, services[1]!]))).toEqual(['kri_msvc_default_zone-1__api_http 80 http']);
    expect(kris(dataplaneLayout(dp({ address: '10.0.0.1', outbound: [{ port: 10001, backendRef: { kind: 'MeshService', labels: { team: 'core' }, port: 9090 } }] }), services))).toEqual(['kri_msvc_default_zone-1__api_9090 9090 grpc']);
    expect(dataplaneLayout(dp({ address: '10.0.0.1', outbound: [{ port: 10001, backendRef: { kind: 'MeshService', name: 'missing', port: 80 } }] }), services).outbounds).toEqual([]);
  });

  it('with transparentProxying.reachableBackends: the refs (every port of a ref without one); none at all with an empty list', () => {
    const tp = (refs: { kind: string; name?: string; port?: number }[]) => dp({ address: '10.0.0.1', transparentProxying: { redirectPortInbound: 15006, redirectPortOutbound: 15001, reachableBackends: { refs } } });
    expect(kris(dataplaneLayout(tp([{ kind: 'MeshService', name: 'api' }, { kind: 'MeshService', name: 'db', port: 5432 }]), services))).toEqual(['kri_msvc_default_zone-1__api_9090 9090 grpc', 'kri_msvc_default_zone-1__api_http 80 http', 'kri_msvc_default_zone-1__db_5432 5432 tcp']);
    expect(kris(dataplaneLayout(tp([{ kind: 'MeshService', name: 'api', port: 80 }]), services))).toEqual(['kri_msvc_default_zone-1__api_http 80 http']);
    expect(dataplaneLayout(tp([]), services).outbounds).toEqual([]);
  });

  it('lists Kuma 3.0 zone proxy listeners', () => {
    const layout = dataplaneLayout(dp({ address: '10.0.0.1', listeners: [{ address: '10.0.0.1', name: 'zi-main', port: 10001, type: 'ZoneIngress' }, { address: '10.0.0.1', port: 10002, type: 'ZoneEgress' }] }), []);
    expect(layout.listeners).toEqual([
      { kri: 'kri_dp_default_zone-1__dp-1_zi-main', type: 'ZoneIngress', port: 10001, proxyResourceName: 'self_zoneingress_dp_zi-main' },
      { kri: 'kri_dp_default_zone-1__dp-1_10002', type: 'ZoneEgress', port: 10002, proxyResourceName: 'self_zoneegress_dp_10002' },
    ]);
  });
});

describe('GET /meshes/{mesh}/dataplanes/{name}/_layout', () => {
  const setup = testApiPerTest();
  it('answers for a mesh in mode Exclusive, and refuses as Kuma does otherwise', async () => {
    const { app } = await setup({ role: 'standalone' });
    const put = (url: string, payload: object) => app.inject({ method: 'PUT', url, payload });
    expect((await put('/meshes/default', { type: 'Mesh', name: 'default' })).statusCode).toBe(201);
    expect((await put('/meshes/default/dataplanes/dp-1', { type: 'Dataplane', mesh: 'default', name: 'dp-1', networking: { address: '127.0.0.1', inbound: [{ port: 8080, tags: { 'kuma.io/service': 'web' } }] } })).statusCode).toBe(201);
    expect((await put('/meshes/default/meshservices/api', { type: 'MeshService', mesh: 'default', name: 'api', spec: { ports: [{ port: 80, appProtocol: 'http' }] } })).statusCode).toBe(201);
    const refused = await app.inject({ method: 'GET', url: '/meshes/default/dataplanes/dp-1/_layout' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().detail).toMatch(/can't use _layout endpoint without meshService enabled/);
    expect((await put('/meshes/default', { type: 'Mesh', name: 'default', meshServices: { mode: 'Exclusive' } })).statusCode).toBe(200);
    const layout = (await app.inject({ method: 'GET', url: '/meshes/default/dataplanes/dp-1/_layout' })).json();
    expect(layout.outbounds.map((o: { kri: string }) => o.kri)).toEqual([expect.stringMatching(/^kri_msvc_default_.*_api_80$/)]);
    expect(layout.inbounds).toHaveLength(1);
    expect((await app.inject({ method: 'GET', url: '/meshes/default/dataplanes/nope/_layout' })).statusCode).toBe(404);
  });
});
