import { describe, expect, it } from 'vitest';
import type { Resource } from '../resources/resource.ts';
import type { DataplaneSpec } from '../resources/types/dataplane.ts';
import type { HostnameGeneratorSpec } from '../resources/types/hostname-generator.ts';
import type { MeshSpec } from '../resources/types/mesh.ts';
import type { MeshServiceSpec } from '../resources/types/mesh-service.ts';
import { GENERATOR_NAME, GRACE_PERIOD_LABEL, MANAGED_BY_LABEL, planGeneration } from './generate.ts';
import { planHostnames, renderHostname } from './hostnames.ts';
import { dataplaneProxies, selectedDataplanes, tlsStatus } from './proxies.ts';
import { parseCidr, VipAllocator } from './vips.ts';
import { ZONE_HOSTNAME_GENERATORS } from './default-generators.ts';

// The MeshService loop's decisions, as Kuma 2.14 makes them (generator, IPAM, hostname
// generator, status updater), on resources in memory.

let t = 0;
const at = () => new Date(Date.UTC(2026, 0, 1, 0, 0, t++)).toISOString();
const meta = () => ({ creationTime: at(), modificationTime: '', version: '1' });
const mesh = (name: string, mode?: 'Disabled' | 'Everywhere' | 'Exclusive'): Resource<MeshSpec> => ({ type: 'Mesh', name, labels: {}, spec: mode ? { meshServices: { mode } } : {}, ...meta() });
type Inbound = NonNullable<DataplaneSpec['networking']['inbound']>[number];
const dp = (name: string, inbound: Inbound[], m = 'default', labels: Record<string, string> = {}): Resource<DataplaneSpec> => ({ type: 'Dataplane', mesh: m, name, labels, spec: { networking: { address: '10.0.0.1', inbound } }, ...meta() });
const svc = (name: string, spec: MeshServiceSpec, labels: Record<string, string> = {}, status?: unknown): Resource<MeshServiceSpec> => ({ type: 'MeshService', mesh: 'default', name, labels, spec, ...(status ? { status } : {}), ...meta() });
const generated = { 'kuma.io/mesh': 'default', 'kuma.io/managed-by': 'meshservice-generator', 'kuma.io/env': 'universal', 'kuma.io/zone': 'zone-1', 'kuma.io/origin': 'zone', 'kuma.io/display-name': 'backend' };
const plan = (o: Partial<Parameters<typeof planGeneration>[0]>) => planGeneration({ meshes: [mesh('default', 'Everywhere')], dataplanes: [], meshServices: [], zone: 'zone-1', now: new Date('2026-02-01T00:00:00Z'), gracePeriodMs: 3_600_000, ...o });

describe('MeshService generation (Kuma meshservice/generate)', () => {
  it('makes one MeshService per kuma.io/service of a mesh not Disabled, ports from the inbounds, labelled as Kuma labels them', () => {
    const p = plan({
      dataplanes: [
        dp('backend-1', [{ port: 8080, servicePort: 18080, tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'HTTP' } }, { port: 9090, name: 'metrics', tags: { 'kuma.io/service': 'backend' } }, { port: 6379, tags: { 'kuma.io/service': 'redis', 'kuma.io/protocol': 'weird' } }]),
        dp('backend-2', [{ port: 8080, tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' } }, { port: 9090, name: 'metrics', tags: { 'kuma.io/service': 'backend' } }]),
        // Not a DNS-1035 label: no MeshService.
        dp('odd-1', [{ port: 80, tags: { 'kuma.io/service': 'backend_svc' } }, { port: 81, tags: { 'kuma.io/service': '00-backend' } }]),
      ],
    });
    expect(p.create.map((c) => c.name)).toEqual(['backend', 'redis']);
    expect(p.create[0]).toEqual({ type: 'MeshService', mesh: 'default', name: 'backend', labels: generated, spec: { selector: { dataplaneTags: { 'kuma.io/service': 'backend' } }, ports: [{ name: '8080', port: 8080, targetPort: 8080, appProtocol: 'http' }, { name: 'metrics', port: 9090, targetPort: 9090, appProtocol: 'tcp' }] } });
    expect(p.create[1]!.spec).toMatchObject({ ports: [{ name: '6379', port: 6379, targetPort: 6379, appProtocol: 'tcp' }] });
    expect(p.update).toEqual([]);
    expect(p.delete).toEqual([]);
    // Said once in the log: which services got none and why.
    expect(p.skipped.map((x) => [x.service, x.dataplane])).toEqual([['backend_svc', 'odd-1'], ['00-backend', 'odd-1']]);
    expect(p.skipped[0]!.reason).toMatch(/not an RFC 1035 label/);
  });

  it("takes an inbound's protocol field over its kuma.io/protocol tag (Kuma's GetProtocolFallback)", () => {
    const p = plan({ dataplanes: [dp('api-1', [{ port: 9000, protocol: 'grpc', tags: { 'kuma.io/service': 'api', 'kuma.io/protocol': 'http' } }])] });
    expect((p.create[0]!.spec as MeshServiceSpec).ports).toEqual([{ name: '9000', port: 9000, targetPort: 9000, appProtocol: 'grpc' }]);
  });

  it('generates nothing in a Disabled mesh and deletes what it generated there at once; others\' MeshServices are never touched', () => {
    const mine = svc('backend', { ports: [] }, { [MANAGED_BY_LABEL]: GENERATOR_NAME, 'kuma.io/origin': 'zone' });
    const users = svc('payments', { selector: { dataplaneTags: { app: 'payments' } } });
    const synced = svc('remote-abc', {}, { [MANAGED_BY_LABEL]: GENERATOR_NAME, 'kuma.io/origin': 'global' });
    const p = plan({ meshes: [mesh('default')], dataplanes: [dp('backend-1', [{ port: 80, tags: { 'kuma.io/service': 'backend' } }])], meshServices: [mine, users, synced] });
    expect(p.create).toEqual([]);
    expect(p.delete.map((d) => d.name)).toEqual(['backend']);
  });

  it('keeps the stored ports while some Dataplane agrees, follows when none does', () => {
    const existing = svc('backend', { selector: { dataplaneTags: { 'kuma.io/service': 'backend' } }, ports: [{ name: '80', port: 80, targetPort: 80, appProtocol: 'tcp' }] }, generated);
    const agreeing = dp('backend-1', [{ port: 80, tags: { 'kuma.io/service': 'backend' } }]);
    const other = dp('backend-2', [{ port: 81, tags: { 'kuma.io/service': 'backend' } }]);
    const kept = plan({ dataplanes: [other, agreeing], meshServices: [existing] });
    expect(kept.update).toEqual([]);
    expect(kept.skipped.map((x) => x.reason)).toEqual([expect.stringMatching(/^port conflict/)]);
    const moved = plan({ dataplanes: [other], meshServices: [existing] }).update;
    expect(moved).toHaveLength(1);
    expect(moved[0]!.input.spec).toMatchObject({ ports: [{ name: '81', port: 81, targetPort: 81, appProtocol: 'tcp' }] });
  });

  it('marks a MeshService whose last Dataplane went, deletes it after the grace period, and unmarks it when a Dataplane comes back', () => {
    const existing = svc('backend', { selector: { dataplaneTags: { 'kuma.io/service': 'backend' } }, ports: [{ name: '80', port: 80, targetPort: 80, appProtocol: 'tcp' }] }, generated);
    const marked = plan({ meshServices: [existing] }).update[0]!;
    expect(marked.input.labels[GRACE_PERIOD_LABEL]).toBe('2026-02-01T00:00:00.000Z');
    const withMark = { ...existing, labels: marked.input.labels };
    expect(plan({ meshServices: [withMark], now: new Date('2026-02-01T00:59:00Z') })).toEqual({ skipped: [], create: [], update: [], delete: [] });
    expect(plan({ meshServices: [withMark], now: new Date('2026-02-01T01:00:01Z') }).delete.map((d) => d.name)).toEqual(['backend']);
    const back = plan({ meshServices: [withMark], dataplanes: [dp('backend-1', [{ port: 80, tags: { 'kuma.io/service': 'backend' } }])], now: new Date('2026-02-01T00:30:00Z') });
    expect(back.update).toHaveLength(1);
    expect(back.update[0]!.input.labels[GRACE_PERIOD_LABEL]).toBeUndefined();
  });
});

describe('VIP allocation (Kuma IPAM)', () => {
  const holder = (key: string, vips: string[] = []) => ({ key, creationTime: at(), vips });
  it('hands out addresses from the network address up, keeps what services hold, never two services on one VIP', () => {
    const a = new VipAllocator(parseCidr('241.0.0.0/8'));
    const first = a.plan([holder('m/a'), holder('m/b')]);
    expect([...first]).toEqual([['m/a', '241.0.0.0'], ['m/b', '241.0.0.1']]);
    // Holders keep theirs; a duplicate (restored state) goes to the older one; one outside the CIDR is replaced.
    const older = holder('m/a', ['241.0.0.0']);
    const next = a.plan([older, holder('m/b', ['241.0.0.1']), holder('m/c', ['241.0.0.0']), holder('m/d', ['10.0.0.1'])]);
    expect([...next]).toEqual([['m/c', '241.0.0.2'], ['m/d', '241.0.0.3']]);
  });
  it('does not hand a freed address out again while it runs, and wraps around a full range', () => {
    const a = new VipAllocator(parseCidr('10.1.0.0/30'));
    expect([...a.plan([holder('a'), holder('b')])].map(([, ip]) => ip)).toEqual(['10.1.0.0', '10.1.0.1']);
    // b was deleted; c gets the next one, not b's.
    expect(a.plan([holder('a', ['10.1.0.0']), holder('c')]).get('c')).toBe('10.1.0.2');
    expect(a.plan([holder('a', ['10.1.0.0']), holder('c', ['10.1.0.2']), holder('d')]).get('d')).toBe('10.1.0.3');
    expect(a.plan([holder('a', ['10.1.0.0']), holder('c', ['10.1.0.2']), holder('d', ['10.1.0.3']), holder('e')]).get('e')).toBe('10.1.0.1');
    // A full range: the new one gets none (and the allocator says how many), the others keep theirs.
    expect([...a.plan([holder('a', ['10.1.0.0']), holder('c', ['10.1.0.2']), holder('d', ['10.1.0.3']), holder('e', ['10.1.0.1']), holder('f'), holder('g')])]).toEqual([]);
    expect(a.unallocated).toBe(2);
  });
  it('refuses a CIDR that is not one', () => {
    for (const bad of ['241.0.0.0', '300.0.0.0/8', '241.0.0.0/31', 'fd00::/8']) expect(() => parseCidr(bad), bad).toThrow(/is not an IPv4 CIDR/);
  });
});

describe('hostnames (Kuma hostname generator)', () => {
  const hg = (name: string, template: string, matchLabels: Record<string, string>, labels: Record<string, string> = {}): Resource<HostnameGeneratorSpec> => ({ type: 'HostnameGenerator', name, labels, spec: { selector: { meshService: { matchLabels } }, template }, ...meta() });
  it("renders Kuma's default local generator, and its fields and label function", () => {
    const backend = svc('backend', {}, { 'kuma.io/origin': 'zone', app: 'shop', 'kuma.io/display-name': 'backend' });
    const local = ZONE_HOSTNAME_GENERATORS.find((g) => g.name === 'local-universal-mesh-service')!;
    const names = planHostnames([backend], [{ ...local, ...meta() } as Resource<HostnameGeneratorSpec>], 'zone-1');
    expect(names.get('default/backend')).toEqual({
      addresses: [{ hostname: 'backend.svc.mesh.local', origin: 'HostnameGenerator', hostnameGeneratorRef: { coreName: 'local-universal-mesh-service' } }],
      hostnameGenerators: [{ hostnameGeneratorRef: { coreName: 'local-universal-mesh-service' }, conditions: [{ type: 'Generated', status: 'True', reason: 'Generated', message: '' }] }],
    });
    expect(renderHostname('{{ .DisplayName }}.{{ label "app" }}.{{ .Zone }}.{{ .Mesh }}', backend, 'zone-1')).toEqual({ hostname: 'backend.shop.zone-1.default' });
    expect(renderHostname('{{ label "team" }}.mesh', backend, 'zone-1')).toEqual({ error: 'pre evaluation of template with parameters failed with error="template: :1:3: executing "" at <label "team">: error calling label: label team not found"' });
    expect(renderHostname('{{ .DisplayName }}.MESH', backend, 'zone-1')).toMatchObject({ error: expect.stringContaining('generated hostname "backend.MESH" is not a valid DNS name') });
  });
  it('gives a hostname to the oldest service only, with a Collision condition naming the other, and a TemplateError for a missing label', () => {
    const first = svc('api-v1', {}, { app: 'api', tier: 'web' });
    const second = svc('api-v2', {}, { app: 'api' });
    const names = planHostnames([second, first], [hg('by-app', '{{ label "app" }}.mesh', {}), hg('by-tier', '{{ label "tier" }}.tier.mesh', { app: 'api' })], 'zone-1');
    expect(names.get('default/api-v1')!.addresses.map((a) => a.hostname)).toEqual(['api.mesh', 'web.tier.mesh']);
    expect(names.get('default/api-v2')!.addresses).toEqual([]);
    expect(names.get('default/api-v2')!.hostnameGenerators.map((g) => [g.hostnameGeneratorRef.coreName, g.conditions[0]!.reason, g.conditions[0]!.message])).toEqual([
      ['by-app', 'Collision', 'Hostname collision with MeshService: api-v2'],
      ['by-tier', 'TemplateError', expect.stringContaining('label tier not found')],
    ]);
  });
});

describe('status.dataplaneProxies (Kuma status updater)', () => {
  const backend1 = dp('backend-1', [{ port: 8080, name: 'http', tags: { 'kuma.io/service': 'backend' } }], 'default', { team: 'a' });
  const backend2 = dp('backend-2', [{ port: 8080, name: 'http', state: 'NotReady', tags: { 'kuma.io/service': 'backend' } }], 'default', { team: 'a' });
  const online = { subscriptions: [{ connectTime: '2026-01-01T00:00:00Z' }] };
  it('selects by dataplaneRef, dataplaneTags (one inbound holding them all) or dataplaneLabels', () => {
    expect(selectedDataplanes(svc('x', { selector: { dataplaneRef: { name: 'backend-2' } } }), [backend1, backend2]).map((d) => d.name)).toEqual(['backend-2']);
    expect(selectedDataplanes(svc('x', { selector: { dataplaneTags: { 'kuma.io/service': 'backend' } } }), [backend2, backend1]).map((d) => d.name)).toEqual(['backend-1', 'backend-2']);
    expect(selectedDataplanes(svc('x', { selector: { dataplaneLabels: { matchLabels: { team: 'a' } } } }), [backend1, backend2, dp('other', [{ port: 1, tags: { 'kuma.io/service': 'o' } }])]).map((d) => d.name)).toEqual(['backend-1', 'backend-2']);
    expect(selectedDataplanes(svc('x', {}), [backend1])).toEqual([]);
  });
  it('counts total, connected (an open subscription) and healthy (every port on a Ready inbound, by number or name), leaving zeros out', () => {
    const byName = svc('backend', { selector: { dataplaneTags: { 'kuma.io/service': 'backend' } }, ports: [{ port: 80, targetPort: 'http' }] });
    expect(dataplaneProxies(byName, selectedDataplanes(byName, [backend1, backend2]), (d) => (d.name === 'backend-1' ? online : undefined))).toEqual({ connected: 1, healthy: 1, total: 2 });
    const byNumber = svc('backend', { selector: { dataplaneTags: { 'kuma.io/service': 'backend' } }, ports: [{ port: 80, targetPort: 9999 }] });
    expect(dataplaneProxies(byNumber, selectedDataplanes(byNumber, [backend1, backend2]), () => undefined)).toEqual({ total: 2 });
  });
  it('status.tls: NotReady without mesh mTLS; Ready once every selected proxy has a certificate, and it stays Ready', () => {
    const backend = svc('backend', { selector: { dataplaneTags: { 'kuma.io/service': 'backend' } } });
    const issued = { mTLS: { issuedBackend: 'ca-1' } };
    expect(tlsStatus(selectedDataplanes(backend, [backend1, backend2]), false, () => issued, { status: 'Ready' })).toEqual({ status: 'NotReady' });
    expect(tlsStatus(selectedDataplanes(backend, [backend1, backend2]), true, (d) => (d.name === 'backend-1' ? issued : undefined), undefined)).toEqual({ status: 'NotReady' });
    expect(tlsStatus(selectedDataplanes(backend, [backend1, backend2]), true, () => issued, undefined)).toEqual({ status: 'Ready' });
    expect(tlsStatus(selectedDataplanes(backend, [backend1, backend2]), true, () => undefined, { status: 'Ready' })).toEqual({ status: 'Ready' });
  });
});
