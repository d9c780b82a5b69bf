import { describe, expect, it } from 'vitest';
import { testApiPerTest } from '../../test/helpers/api.ts';
import { MemoryStore } from '../store/memory-store.ts';
import { registry } from './all.ts';

// Kuma's computed labels (pkg/core/resources/labels Compute) on what the API stores, and its
// label rules on writes: origin on global, immutable origin/zone/display name on update.

const setup = testApiPerTest();
const timeout = (labels: Record<string, string> = {}) => ({
  type: 'MeshTimeout',
  mesh: 'default',
  name: 'tm',
  labels,
  spec: { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '1s' } }] },
});
const dataplane = { type: 'Dataplane', mesh: 'default', name: 'dp-1', networking: { address: '127.0.0.1', inbound: [{ port: 8080, tags: { 'kuma.io/service': 'web' } }] } };
const mesh = { type: 'Mesh', name: 'default' };

describe("Kuma's computed labels", () => {
  it('on global: kuma.io/mesh on mesh-scoped resources, nothing on a Mesh; an origin other than global is refused', async () => {
    const { app } = await setup({ role: 'global' });
    expect((await app.inject({ method: 'PUT', url: '/meshes/default', payload: mesh })).statusCode).toBe(201);
    expect((await app.inject({ method: 'PUT', url: '/meshes/default/meshtimeouts/tm', payload: timeout() })).statusCode).toBe(201);
    expect((await app.inject({ method: 'GET', url: '/meshes/default/meshtimeouts/tm' })).json().labels).toEqual({ 'kuma.io/mesh': 'default' });
    expect((await app.inject({ method: 'GET', url: '/meshes/default' })).json().labels).toBeUndefined();
    const zoneOrigin = await app.inject({ method: 'PUT', url: '/meshes/default/meshtimeouts/tm', payload: timeout({ 'kuma.io/origin': 'zone' }) });
    expect(zoneOrigin.statusCode).toBe(400);
    expect(zoneOrigin.json().invalid_parameters).toEqual([{ field: 'labels["kuma.io/origin"]', reason: "the origin label must be set to 'global'" }]);
  });

  it('on a zone: origin, zone, env and mesh on what the zone creates; proxy type and a kri with the zone on Dataplanes', async () => {
    const store = new MemoryStore({ registry, maxResourceBytes: 1024 * 1024 });
    await store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
    const { app } = await setup({ role: 'federated-zone', zone: 'zone-1', store });
    const zoneLabels = { 'kuma.io/mesh': 'default', 'kuma.io/origin': 'zone', 'kuma.io/zone': 'zone-1', 'kuma.io/env': 'universal' };

    expect((await app.inject({ method: 'PUT', url: '/meshes/default/dataplanes/dp-1', payload: dataplane })).statusCode).toBe(201);
    const dp = (await app.inject({ method: 'GET', url: '/meshes/default/dataplanes/dp-1' })).json();
    expect(dp.labels).toEqual({ ...zoneLabels, 'kuma.io/proxy-type': 'sidecar' });
    expect(dp.kri).toBe('kri_dp_default_zone-1__dp-1_');

    // A zone-local policy needs the origin label as given (Kuma's validateOriginForWrite), then gets the rest.
    expect((await app.inject({ method: 'PUT', url: '/meshes/default/meshtimeouts/tm', payload: timeout() })).statusCode).toBe(400);
    expect((await app.inject({ method: 'PUT', url: '/meshes/default/meshtimeouts/tm', payload: timeout({ 'kuma.io/origin': 'zone', team: 'a' }) })).statusCode).toBe(201);
    expect((await app.inject({ method: 'GET', url: '/meshes/default/meshtimeouts/tm' })).json().labels).toEqual({ ...zoneLabels, team: 'a' });

    // Labels a user sets are kept; an update may not change the computed zone (immutable, as in Kuma).
    const moved = await app.inject({ method: 'PUT', url: '/meshes/default/meshtimeouts/tm', payload: timeout({ 'kuma.io/origin': 'zone', 'kuma.io/zone': 'zone-2' }) });
    expect(moved.statusCode).toBe(400);
    expect(moved.json().invalid_parameters).toEqual([{ field: 'labels["kuma.io/zone"]', reason: 'is immutable, cannot be changed from "zone-1" to "zone-2"' }]);
    expect((await app.inject({ method: 'GET', url: '/meshes/default/meshtimeouts/tm' })).json().labels['kuma.io/zone']).toBe('zone-1');
    // Writing it again without the computed labels recomputes them: an update, not a change.
    expect((await app.inject({ method: 'PUT', url: '/meshes/default/meshtimeouts/tm', payload: timeout({ 'kuma.io/origin': 'zone' }) })).statusCode).toBe(200);
  });

  it("on a zone connected to global, a MeshService or HostnameGenerator needs kuma.io/origin: zone (Kuma's IsPluginOriginated); kumactl's computed snis are accepted and shown", async () => {
    const store = new MemoryStore({ registry, maxResourceBytes: 1024 * 1024 });
    await store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
    const { app } = await setup({ role: 'federated-zone', zone: 'zone-1', store });
    const ms = (labels: Record<string, string>) => ({ type: 'MeshService', mesh: 'default', name: 'payments', labels, snis: [{ port: 6379, sni: 'sni.msvc.default.payments.6379' }], spec: { ports: [{ port: 6379, name: 'redis' }, { port: 80 }] }, status: { tls: {} } });
    const refused = await app.inject({ method: 'PUT', url: '/meshes/default/meshservices/payments', payload: ms({}) });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().invalid_parameters).toEqual([{ field: 'labels["kuma.io/origin"]', reason: `must be "zone": the origin label must be set to 'zone' (Kuma)` }]);
    expect((await app.inject({ method: 'PUT', url: '/meshes/default/meshservices/payments', payload: ms({ 'kuma.io/origin': 'zone' }) })).statusCode).toBe(201);
    const read = (await app.inject({ method: 'GET', url: '/meshes/default/meshservices/payments' })).json();
    // By port, as Kuma sorts them.
    expect(read.snis).toEqual([{ port: 80, sni: 'sni.msvc.default.zone-1.payments.80' }, { port: 6379, sni: 'sni.msvc.default.zone-1.payments.redis' }]);
    expect(read.status).toEqual({});
    const hg = { type: 'HostnameGenerator', name: 'by-team', spec: { selector: { meshService: {} }, template: '{{ .Name }}.mesh' } };
    expect((await app.inject({ method: 'PUT', url: '/hostnamegenerators/by-team', payload: hg })).statusCode).toBe(400);
    expect((await app.inject({ method: 'PUT', url: '/hostnamegenerators/by-team', payload: { ...hg, labels: { 'kuma.io/origin': 'zone' } } })).statusCode).toBe(201);
  });

  it('an origin that is neither global nor zone is refused everywhere', async () => {
    const { app } = await setup({ role: 'standalone' });
    await app.inject({ method: 'PUT', url: '/meshes/default', payload: mesh });
    const res = await app.inject({ method: 'PUT', url: '/meshes/default/meshtimeouts/tm', payload: timeout({ 'kuma.io/origin': 'elsewhere' }) });
    expect(res.statusCode).toBe(400);
    expect(res.json().invalid_parameters).toEqual([{ field: 'labels["kuma.io/origin"]', reason: 'unknown resource origin "elsewhere"' }]);
  });
});
