import { describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import type { ResourceStore } from '../store/store.ts';
import { testApiPerTest } from '../../test/helpers/api.ts';

const meshDoc = {
  type: 'Mesh',
  name: 'default',
  mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin', mode: 'STRICT', dpCert: { rotation: { expiration: '1d' } }, conf: { caCert: { RSAbits: 2048, expiration: '10y' } } }] },
};

const timeoutDoc = (overrides: Record<string, unknown> = {}) => ({
  type: 'MeshTimeout',
  mesh: 'default',
  name: 'backend-timeouts',
  spec: {
    targetRef: { kind: 'Mesh' },
    to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, default: { connectionTimeout: '2s', idleTimeout: '30s', http: { requestTimeout: '500ms' } } }],
  },
  ...overrides,
});

const setup = testApiPerTest();

/** Everything the store holds, to prove a rejected request changed nothing. */
async function snapshot(store: ResourceStore) {
  return { revision: await store.revision(), meshes: await store.list('Mesh'), timeouts: await store.list('MeshTimeout') };
}

describe('REST API: resources', () => {
  it('creates (201), updates (200) and reads back a Mesh and a MeshTimeout in Kuma shapes', async () => {
    const { app } = await setup();
    let res = await app.inject({ method: 'PUT', url: '/meshes/default', payload: meshDoc });
    expect(res.statusCode).toBe(201);
    res = await app.inject({ method: 'PUT', url: '/meshes/default', payload: meshDoc });
    expect(res.statusCode).toBe(200);
    res = await app.inject({ method: 'PUT', url: '/meshes/default/meshtimeouts/backend-timeouts', payload: timeoutDoc() });
    expect(res.statusCode).toBe(201);

    const mesh = (await app.inject({ method: 'GET', url: '/meshes/default' })).json();
    expect(mesh).toMatchObject({ ...meshDoc });
    expect(Object.keys(mesh).slice(0, 4)).toEqual(['type', 'name', 'creationTime', 'modificationTime']);
    const got = await app.inject({ method: 'GET', url: '/meshes/default/meshtimeouts/backend-timeouts' });
    expect(got.headers.etag).toMatch(/^"\d+"$/);
    const body = got.json();
    expect(body).toMatchObject(timeoutDoc());
    expect(Object.keys(body)).toEqual(['type', 'mesh', 'name', 'creationTime', 'modificationTime', 'labels', 'kri', 'spec']);
    // Kuma's computed label on global.
    expect(body.labels).toEqual({ 'kuma.io/mesh': 'default' });
    expect(body.kri).toBe('kri_mt_default___backend-timeouts_');
    // What kumactl sends back (its kri and zero times) is accepted and ignored, as by Kuma.
    const echoed = await app.inject({ method: 'PUT', url: '/meshes/default/meshtimeouts/backend-timeouts', payload: { ...body, creationTime: '0001-01-01T00:00:00Z', modificationTime: '0001-01-01T00:00:00Z' } });
    expect(echoed.statusCode).toBe(200);
    expect((await app.inject({ method: 'PUT', url: '/meshes/default', payload: { ...mesh, kri: 'kri_m____default_' } })).statusCode).toBe(200);
  });

  it('lists with {total, items, next} and pages with size/offset', async () => {
    const { app } = await setup();
    // Without Kuma's default policies (two of them MeshTimeouts), so that the page holds only these.
    await app.inject({ method: 'PUT', url: '/meshes/default', payload: { type: 'Mesh', name: 'default', skipCreatingInitialPolicies: ['*'] } });
    for (const n of ['a', 'b', 'c']) {
      await app.inject({ method: 'PUT', url: `/meshes/default/meshtimeouts/${n}`, payload: timeoutDoc({ name: n }) });
    }
    const page = (await app.inject({ method: 'GET', url: '/meshes/default/meshtimeouts?size=2' })).json();
    expect(page.total).toBe(3);
    expect(page.items.map((i: { name: string }) => i.name)).toEqual(['a', 'b']);
    expect(page.next).toMatch(/\/meshes\/default\/meshtimeouts\?size=2&offset=2$/);
    const next = new URL(page.next);
    const last = (await app.inject({ method: 'GET', url: `${next.pathname}${next.search}` })).json();
    expect(last.items.map((i: { name: string }) => i.name)).toEqual(['c']);
    expect(last.next).toBeNull();
    const all = (await app.inject({ method: 'GET', url: '/meshtimeouts?name=b' })).json();
    expect(all.items.map((i: { name: string }) => i.name)).toEqual(['b']);
    const tooBig = await app.inject({ method: 'GET', url: '/meshtimeouts?size=1001' });
    expect(tooBig.statusCode).toBe(400);
    expect(tooBig.json().invalid_parameters).toEqual([{ field: 'size', reason: 'must be at most 1000' }]);
  });

  it('filters lists by label with filter[label.KEY]=VALUE', async () => {
    const { app } = await setup();
    await app.inject({ method: 'PUT', url: '/meshes/default', payload: { type: 'Mesh', name: 'default' } });
    await app.inject({ method: 'PUT', url: '/meshes/default/meshtimeouts/a', payload: timeoutDoc({ name: 'a', labels: { team: 'x' } }) });
    await app.inject({ method: 'PUT', url: '/meshes/default/meshtimeouts/b', payload: timeoutDoc({ name: 'b', labels: { team: 'y' } }) });
    const res = (await app.inject({ method: 'GET', url: '/meshes/default/meshtimeouts?filter[label.team]=y' })).json();
    expect(res.items.map((i: { name: string }) => i.name)).toEqual(['b']);
  });

  it('accepts YAML bodies and dry runs that store nothing', async () => {
    const { app, store } = await setup();
    const yaml = 'type: Mesh\nname: yaml-mesh\n';
    const before = await snapshot(store);
    const dry = await app.inject({ method: 'PUT', url: '/meshes/yaml-mesh?dryRun=true', payload: yaml, headers: { 'content-type': 'application/yaml' } });
    expect(dry.statusCode).toBe(201);
    expect(await snapshot(store)).toEqual(before);
    const real = await app.inject({ method: 'PUT', url: '/meshes/yaml-mesh', payload: yaml, headers: { 'content-type': 'application/yaml' } });
    expect(real.statusCode).toBe(201);
    expect((await app.inject({ method: 'GET', url: '/meshes/yaml-mesh' })).statusCode).toBe(200);
  });

  it('deletes with 200 {} and cascades a mesh deletion to its policies', async () => {
    const { app } = await setup();
    await app.inject({ method: 'PUT', url: '/meshes/default', payload: { type: 'Mesh', name: 'default' } });
    await app.inject({ method: 'PUT', url: '/meshes/default/meshtimeouts/backend-timeouts', payload: timeoutDoc() });
    const del = await app.inject({ method: 'DELETE', url: '/meshes/default' });
    expect(del.statusCode).toBe(200);
    expect(del.json()).toEqual({});
    expect((await app.inject({ method: 'GET', url: '/meshtimeouts' })).json().total).toBe(0);
    const missing = await app.inject({ method: 'GET', url: '/meshes/default' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ type: '/std-errors', status: 404, title: 'Not Found', code: 'NOT_FOUND' });
  });
});

describe('REST API: bad input gets a 4xx naming the field, and the store is unchanged', () => {
  async function expectRejected(
    request: InjectOptions,
    status: number,
    field: string,
    reason?: RegExp,
  ) {
    const { app, store } = await setup();
    await app.inject({ method: 'PUT', url: '/meshes/default', payload: { type: 'Mesh', name: 'default' } });
    await app.inject({ method: 'PUT', url: '/meshes/default/meshtimeouts/backend-timeouts', payload: timeoutDoc() });
    const before = await snapshot(store);
    const res = await app.inject(request);
    expect(res.statusCode).toBe(status);
    const body = res.json();
    expect(body.type).toBe('/std-errors');
    expect(body.status).toBe(status);
    const params = body.invalid_parameters as { field: string; reason: string }[];
    const hit = params.find((p) => p.field === field);
    expect(hit, `invalid_parameters ${JSON.stringify(params)} should name ${field}`).toBeDefined();
    if (reason) expect(hit!.reason).toMatch(reason);
    expect(await snapshot(store)).toEqual(before);
    return body;
  }

  it('invalid YAML', async () => {
    await expectRejected({ method: 'PUT', url: '/meshes/default/meshtimeouts/x', payload: 'type: MeshTimeout\n  name: [broken', headers: { 'content-type': 'application/yaml' } }, 400, '', /YAML/);
  });

  it('invalid JSON', async () => {
    await expectRejected({ method: 'PUT', url: '/meshes/default/meshtimeouts/x', payload: '{"type": ', headers: { 'content-type': 'application/json' } }, 400, '', /JSON/);
  });

  it('an unknown type in the body', async () => {
    await expectRejected({ method: 'PUT', url: '/meshes/default/meshtimeouts/x', payload: timeoutDoc({ type: 'MeshTimeoutt', name: 'x' }) }, 400, 'type');
  });

  it('a policy in a mesh that does not exist', async () => {
    await expectRejected({ method: 'PUT', url: '/meshes/nope/meshtimeouts/x', payload: timeoutDoc({ mesh: 'nope', name: 'x' }) }, 400, 'mesh', /does not exist/);
  });

  it('a targetRef kind not allowed in that section', async () => {
    const doc = timeoutDoc({ name: 'x' });
    (doc.spec as { from?: unknown }).from = [{ targetRef: { kind: 'MeshService', name: 'web' }, default: { idleTimeout: '1s' } }];
    await expectRejected({ method: 'PUT', url: '/meshes/default/meshtimeouts/x', payload: doc }, 400, 'spec.from[0].targetRef.kind', /allowed kinds: Mesh$/);
  });

  it('a negative duration', async () => {
    const doc = timeoutDoc({ name: 'x' });
    (doc.spec as { to: { default: { http: { requestTimeout: string } } }[] }).to[0]!.default.http.requestTimeout = '-5s';
    await expectRejected({ method: 'PUT', url: '/meshes/default/meshtimeouts/x', payload: doc }, 400, 'spec.to[0].default.http.requestTimeout', /negative/);
  });

  it('a 1.5 MiB resource (above the 1 MiB limit), and a body above the 2 MiB body limit', async () => {
    const doc = timeoutDoc({ name: 'x' });
    (doc.spec as { to: { targetRef: { name: string } }[] }).to = Array.from({ length: 1500 }, (_, i) => ({ targetRef: { kind: 'MeshService', name: `svc-${i}-${'x'.repeat(1000)}` }, default: {} }));
    const body = await expectRejected({ method: 'PUT', url: '/meshes/default/meshtimeouts/x', payload: doc }, 413, 'spec', /above the limit of 1048576 bytes/);
    expect(body.code).toBe('RESOURCE_TOO_LARGE');
    (doc.spec as { to: unknown[] }).to.push(...(doc.spec as { to: unknown[] }).to);
    const tooBig = await expectRejected({ method: 'PUT', url: '/meshes/default/meshtimeouts/x', payload: doc }, 413, '');
    expect(tooBig.code).toBe('RESOURCE_TOO_LARGE');
  });

  it('a PUT whose name differs from the URL', async () => {
    await expectRejected({ method: 'PUT', url: '/meshes/default/meshtimeouts/backend-timeouts', payload: timeoutDoc({ name: 'other' }) }, 400, 'name', /has to be the same/);
  });

  it('a PUT whose mesh differs from the URL', async () => {
    await expectRejected({ method: 'PUT', url: '/meshes/default/meshtimeouts/backend-timeouts', payload: timeoutDoc({ mesh: 'other' }) }, 400, 'mesh', /has to be the same/);
  });

  it('a stale version on update', async () => {
    const { app, store } = await setup();
    await app.inject({ method: 'PUT', url: '/meshes/default', payload: { type: 'Mesh', name: 'default' } });
    const v1 = (await app.inject({ method: 'PUT', url: '/meshes/default/meshtimeouts/t', payload: timeoutDoc({ name: 't' }) })).headers.etag as string;
    const ok = await app.inject({ method: 'PUT', url: '/meshes/default/meshtimeouts/t', payload: timeoutDoc({ name: 't', labels: { v: '2' } }), headers: { 'if-match': v1 } });
    expect(ok.statusCode).toBe(200);
    const before = await snapshot(store);
    const stale = await app.inject({ method: 'PUT', url: '/meshes/default/meshtimeouts/t', payload: timeoutDoc({ name: 't', labels: { v: '3' } }), headers: { 'if-match': v1 } });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().invalid_parameters[0].field).toBe('version');
    expect(await snapshot(store)).toEqual(before);
  });

  it('collects every violation of one resource, each with its path', async () => {
    const doc = {
      type: 'MeshTimeout',
      mesh: 'default',
      name: 'x',
      spec: {
        targetRef: { kind: 'MeshGateway', name: 'gw' },
        to: [{ targetRef: { kind: 'Mesh' }, default: { connectionTimeout: 'soon', idleTimeout: '-1s', bogus: 1 } }],
      },
    };
    const body = await expectRejected({ method: 'PUT', url: '/meshes/default/meshtimeouts/x', payload: doc }, 400, 'spec.targetRef.kind');
    const fields = (body.invalid_parameters as { field: string }[]).map((p) => p.field).sort();
    expect(fields).toEqual(['spec.targetRef.kind', 'spec.to[0].default.bogus', 'spec.to[0].default.connectionTimeout', 'spec.to[0].default.idleTimeout']);
  });

  it('an unknown collection is a 404 in the error format', async () => {
    const { app } = await setup();
    const res = await app.inject({ method: 'PUT', url: '/meshes/default/meshtimeoutz/x', payload: timeoutDoc() });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ type: '/std-errors', status: 404, code: 'NOT_FOUND' });
  });
});

describe('REST API: read-only rules and auth', () => {
  it('refuses Dataplane writes on global with 405', async () => {
    const { app } = await setup({ role: 'global' });
    await app.inject({ method: 'PUT', url: '/meshes/default', payload: { type: 'Mesh', name: 'default' } });
    const dp = { type: 'Dataplane', mesh: 'default', name: 'dp-1', networking: { address: '127.0.0.1', inbound: [{ port: 8080, tags: { 'kuma.io/service': 'backend' } }] } };
    const res = await app.inject({ method: 'PUT', url: '/meshes/default/dataplanes/dp-1', payload: dp });
    expect(res.statusCode).toBe(405);
    expect(res.json().detail).toMatch(/read-only on the global control plane/);
  });

  it('on a federated zone, refuses Mesh writes and policies without kuma.io/origin: zone', async () => {
    const { app, store } = await setup({ role: 'federated-zone' });
    await store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
    expect((await app.inject({ method: 'PUT', url: '/meshes/other', payload: { type: 'Mesh', name: 'other' } })).statusCode).toBe(405);
    const noLabel = await app.inject({ method: 'PUT', url: '/meshes/default/meshtimeouts/t', payload: timeoutDoc({ name: 't' }) });
    expect(noLabel.statusCode).toBe(400);
    expect(noLabel.json().invalid_parameters[0].field).toBe('labels["kuma.io/origin"]');
    const zoneLocal = await app.inject({ method: 'PUT', url: '/meshes/default/meshtimeouts/t', payload: timeoutDoc({ name: 't', labels: { 'kuma.io/origin': 'zone' } }) });
    expect(zoneLocal.statusCode).toBe(201);
  });

  it('needs the admin token for writes and secret reads when localhost is not admin', async () => {
    const { app, token } = await setup({ localhostIsAdmin: false });
    const put = (headers: Record<string, string>) => app.inject({ method: 'PUT', url: '/meshes/m1', payload: { type: 'Mesh', name: 'm1' }, headers });
    expect((await put({})).statusCode).toBe(403);
    expect((await put({ authorization: 'Bearer wrong' })).statusCode).toBe(401);
    expect((await put({ authorization: `Bearer ${token}` })).statusCode).toBe(201);
    expect((await app.inject({ method: 'GET', url: '/meshes' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/global-secrets' })).statusCode).toBe(403);
    const secrets = await app.inject({ method: 'GET', url: '/global-secrets', headers: { authorization: `Bearer ${token}` } });
    expect(secrets.json().items.map((s: { name: string }) => s.name)).toContain('admin-user-token');
  });

  it('treats loopback as admin by default but a remote address as anonymous', async () => {
    const { app } = await setup();
    expect((await app.inject({ method: 'PUT', url: '/meshes/m1', payload: { type: 'Mesh', name: 'm1' } })).statusCode).toBe(201);
    const remote = await app.inject({ method: 'PUT', url: '/meshes/m2', payload: { type: 'Mesh', name: 'm2' }, remoteAddress: '192.0.2.10' });
    expect(remote.statusCode).toBe(403);
  });
});

describe('REST API: index, config, metadata and insights', () => {
  it('serves /, /config and /_resources', async () => {
    const { app } = await setup();
    expect((await app.inject({ method: 'GET', url: '/' })).json()).toMatchObject({ product: 'Kuma', version: '2.14.3', mode: 'global', meshwork: { product: 'Meshwork', version: '0.0.0-test' }, instanceId: 'test-instance' });
    expect((await app.inject({ method: 'GET', url: '/config' })).json()).toMatchObject({ mode: 'global', apiServer: { port: 5681 } });
    const types = (await app.inject({ method: 'GET', url: '/_resources' })).json().resources as { name: string; readOnly: boolean; path: string }[];
    expect(types).toHaveLength(28);
    expect(types.find((t) => t.name === 'MeshService')).toMatchObject({ readOnly: true, path: 'meshservices' });
    expect(types.find((t) => t.name === 'HostnameGenerator')).toMatchObject({ readOnly: false, path: 'hostnamegenerators' });
    expect(types.find((t) => t.name === 'MeshOpenTelemetryBackend')).toMatchObject({ readOnly: false, path: 'meshopentelemetrybackends' });
    expect(types.find((t) => t.name === 'Dataplane')).toMatchObject({ readOnly: true, path: 'dataplanes' });
    expect(types.find((t) => t.name === 'MeshLoadBalancingStrategy')).toMatchObject({ readOnly: false, path: 'meshloadbalancingstrategies' });
  });

  it('serves zone overviews with online state and the global insight', async () => {
    const { app, store } = await setup();
    await store.create({ type: 'Zone', name: 'zone-1', labels: {}, spec: { enabled: true } });
    await store.create({ type: 'ZoneInsight', name: 'zone-1', labels: {}, spec: { subscriptions: [{ id: 's1', connectTime: new Date().toISOString() }] } });
    await store.create({ type: 'Zone', name: 'zone-2', labels: {}, spec: { enabled: true } });
    const overview = (await app.inject({ method: 'GET', url: '/zones/_overview' })).json();
    expect(overview.total).toBe(2);
    expect(overview.items[0]).toMatchObject({ type: 'ZoneOverview', name: 'zone-1', zone: { enabled: true }, zoneInsight: { subscriptions: [{ id: 's1' }] } });
    expect((await app.inject({ method: 'GET', url: '/zones+insights' })).json()).toEqual(overview);
    const insight = (await app.inject({ method: 'GET', url: '/global-insight' })).json();
    expect(insight.zones.controlPlanes).toEqual({ total: 2, online: 1 });
    expect(insight.meshes.total).toBe(0);
  });

  it('serves mesh insights with policy counts', async () => {
    const { app } = await setup();
    await app.inject({ method: 'PUT', url: '/meshes/default', payload: meshDoc });
    await app.inject({ method: 'PUT', url: '/meshes/default/meshtimeouts/backend-timeouts', payload: timeoutDoc() });
    const mi = (await app.inject({ method: 'GET', url: '/mesh-insights/default' })).json();
    // The mesh's two default MeshTimeouts, its default MeshRetry and MeshCircuitBreaker, and this one.
    expect(mi).toMatchObject({ type: 'MeshInsight', name: 'default', policies: { MeshTimeout: { total: 3 }, MeshRetry: { total: 1 }, MeshCircuitBreaker: { total: 1 } }, mTLS: { enabledBackend: 'ca-1' } });
  });
});

describe('REST API: inspection', () => {
  it('computes _rules on global and answers _config with 405 there', async () => {
    const { app, store } = await setup();
    await store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
    await store.create({ type: 'Dataplane', mesh: 'default', name: 'web-1', labels: {}, spec: { networking: { address: '10.0.0.1', inbound: [{ port: 80, tags: { 'kuma.io/service': 'web' } }], outbound: [{ port: 10001, tags: { 'kuma.io/service': 'backend' } }] } } });
    await app.inject({ method: 'PUT', url: '/meshes/default/meshtimeouts/backend-timeouts', payload: timeoutDoc() });
    const rules = (await app.inject({ method: 'GET', url: '/meshes/default/dataplanes/web-1/_rules' })).json();
    expect(rules.rules).toEqual([
      {
        type: 'MeshTimeout',
        toRules: [{ destination: { 'kuma.io/service': 'backend' }, conf: { connectionTimeout: '2s', idleTimeout: '30s', http: { requestTimeout: '500ms' } }, origin: ['backend-timeouts'] }],
        inboundRule: null,
        fromRules: [],
        proxyRule: null,
      },
    ]);
    const selected = (await app.inject({ method: 'GET', url: '/meshes/default/meshtimeouts/backend-timeouts/_resources/dataplanes' })).json();
    expect(selected).toMatchObject({ total: 1, items: [{ mesh: 'default', name: 'web-1' }] });
    expect((await app.inject({ method: 'GET', url: '/meshes/default/dataplanes/web-1/_config' })).statusCode).toBe(405);
  });

  it('shows policies targeting a MeshHTTPRoute where that route applies', async () => {
    const { app, store } = await setup();
    await store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
    await store.create({ type: 'Dataplane', mesh: 'default', name: 'web-1', labels: {}, spec: { networking: { address: '10.0.0.1', inbound: [{ port: 80, tags: { 'kuma.io/service': 'web' } }], outbound: [{ port: 10001, tags: { 'kuma.io/service': 'backend' } }] } } });
    await store.create({ type: 'Dataplane', mesh: 'default', name: 'other-1', labels: {}, spec: { networking: { address: '10.0.0.2', inbound: [{ port: 80, tags: { 'kuma.io/service': 'other' } }] } } });
    const put = async (path: string, payload: object) => expect((await app.inject({ method: 'PUT', url: path, payload })).statusCode).toBeLessThan(300);
    await put('/meshes/default/meshhttproutes/reports', { type: 'MeshHTTPRoute', mesh: 'default', name: 'reports', spec: { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/reports' } }], default: { backendRefs: [{ kind: 'MeshService', name: 'backend' }] } }] }] } });
    await put('/meshes/default/meshtimeouts/reports-timeout', { type: 'MeshTimeout', mesh: 'default', name: 'reports-timeout', spec: { targetRef: { kind: 'MeshHTTPRoute', name: 'reports' }, to: [{ targetRef: { kind: 'Mesh' }, default: { http: { requestTimeout: '500ms' } } }] } });
    const rules = (await app.inject({ method: 'GET', url: '/meshes/default/dataplanes/web-1/_rules' })).json();
    expect(rules.rules.find((r: { type: string }) => r.type === 'MeshTimeout')).toEqual({ type: 'MeshTimeout', toRules: [], toRouteRules: [{ destination: { 'kuma.io/service': 'backend' }, route: 'reports', conf: { http: { requestTimeout: '500ms' } }, origin: ['reports-timeout'] }], inboundRule: null, fromRules: [], proxyRule: null });
    // A policy for one inbound of web-1 shows per port.
    await put('/meshes/default/meshtimeouts/web-80', { type: 'MeshTimeout', mesh: 'default', name: 'web-80', spec: { targetRef: { kind: 'Dataplane', name: 'web-1', sectionName: '80' }, rules: [{ default: { idleTimeout: '9s' } }] } });
    const sectioned = (await app.inject({ method: 'GET', url: '/meshes/default/dataplanes/web-1/_rules' })).json().rules.find((r: { type: string }) => r.type === 'MeshTimeout');
    expect(sectioned).toMatchObject({ inboundRule: null, inboundRulesByPort: [{ port: 80, inboundRule: { conf: { idleTimeout: '9s' }, origin: ['web-80'] }, fromRules: [] }] });
    // The route applies to web-1 (it calls backend), not to other-1.
    const selected = (await app.inject({ method: 'GET', url: '/meshes/default/meshtimeouts/reports-timeout/_resources/dataplanes' })).json();
    expect(selected).toMatchObject({ total: 1, items: [{ mesh: 'default', name: 'web-1' }] });
  });
});

