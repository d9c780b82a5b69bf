import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlaneProcess } from '../helpers/control-plane.ts';
import { freePort } from '../helpers/ports.ts';
import { meshctl } from '../helpers/meshctl.ts';
import { startOtlpCollector } from '../helpers/otlp-collector.ts';
import { selfSignedServerCert } from '../../src/tokens/x509.ts';
import { startSidecar, webDataplane, type Sidecar } from '../helpers/sidecar.ts';
import { waitFor } from '../helpers/wait.ts';

// Policies enforced by real Envoy, applied through the API and removed again, without
// restarting any proxy. A standalone zone with a STRICT mTLS mesh; web calls backend.

const mesh = { type: 'Mesh', name: 'default', mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin', mode: 'STRICT' }] } };

const ALLOW_ALL = { type: 'MeshTrafficPermission', mesh: 'default', name: 'allow-all', spec: { targetRef: { kind: 'Mesh' }, from: [{ targetRef: { kind: 'Mesh' }, default: { action: 'Allow' } }] } };

async function apply(cp: ControlPlaneProcess, doc: { type: string; name: string; mesh?: string }, collection: string) {
  const path = doc.mesh ? `/meshes/${doc.mesh}/${collection}/${doc.name}` : `/${collection}/${doc.name}`;
  const res = await fetch(`${cp.apiUrl}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(doc) });
  if (res.status >= 300) throw new Error(`PUT ${path}: ${res.status} ${await res.text()}`);
}

async function remove(cp: ControlPlaneProcess, path: string) {
  const res = await fetch(`${cp.apiUrl}${path}`, { method: 'DELETE' });
  if (res.status !== 200) throw new Error(`DELETE ${path}: ${res.status}`);
}

/** Status and elapsed time of a request through web's outbound. */
async function call(url: string): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    await res.text();
    return { status: res.status, ms: performance.now() - t0 };
  } catch {
    return { status: 0, ms: performance.now() - t0 };
  }
}

/** True when `n` requests in a row get `status`: a change has reached every backend instance. */
async function settled(url: string, status: number, n = 6): Promise<boolean> {
  for (let i = 0; i < n; i++) if ((await call(url)).status !== status) return false;
  return true;
}

describe('policies enforced by Envoy', () => {
  let zone: ControlPlaneProcess;
  const apps: Server[] = [];
  const sidecars: Sidecar[] = [];
  let outbound: string;
  let metricsTls: { cert: string; key: string; ca: string };
  const inboundPorts: Record<string, number> = {};
  const healthy: Record<string, boolean> = { 'backend-1': true, 'backend-2': true };
  /** Attempts seen per x-request-id, across instances (for retries). */
  const attempts = new Map<string, number>();

  beforeAll(async () => {
    zone = await startControlPlane({ mode: 'zone' });
    await apply(zone, mesh, 'meshes');
    // With mTLS, Kuma 2.x denies what no MeshTrafficPermission allows: allow the mesh first.
    await apply(zone, ALLOW_ALL, 'meshtrafficpermissions');
    for (const [i, name] of ['backend-1', 'backend-2'].entries()) {
      const appPort = await freePort();
      // /slow answers after 1.5 s; /flaky fails the first two attempts of a request;
      // /health follows the instance's health flag; anything else answers the instance name.
      const app = createServer((req, res) => {
        res.setHeader('x-instance', name);
        if (req.url === '/slow') return void setTimeout(() => res.end(`${name}\n`), 1500);
        if (req.url === '/health') {
          res.statusCode = healthy[name] ? 200 : 503;
          return void res.end();
        }
        if (req.url === '/flaky') {
          const id = String(req.headers['x-request-id']);
          const n = (attempts.get(id) ?? 0) + 1;
          attempts.set(id, n);
          // 500: not a gateway error, so the mesh's default MeshRetry leaves it alone.
          res.statusCode = n < 3 ? 500 : 200;
          return void res.end(`attempt ${n}\n`);
        }
        res.end(`${name}\n`);
      });
      apps.push(app);
      await new Promise<void>((resolve) => app.listen(appPort, '127.0.0.1', resolve));
      sidecars.push(
        await startSidecar({
          cpUrl: zone.dpServerUrl,
          apiUrl: zone.apiUrl,
          dataplane: { type: 'Dataplane', mesh: 'default', name, networking: { address: `127.0.4.${i + 1}`, inbound: [{ port: (inboundPorts[name] = await freePort()), servicePort: appPort, tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' } }] } },
        }),
      );
    }
    const outboundPort = await freePort();
    outbound = `http://127.0.0.1:${outboundPort}`;
    const pem = await selfSignedServerCert({ commonName: 'web-1', hostnames: ['127.0.4.9'], validDays: 1 });
    const tlsDir = mkdtempSync(join(tmpdir(), 'metrics-tls-'));
    metricsTls = { cert: join(tlsDir, 'cert.pem'), key: join(tlsDir, 'key.pem'), ca: pem.cert };
    writeFileSync(metricsTls.cert, pem.cert);
    writeFileSync(metricsTls.key, pem.key);
    sidecars.push(
      await startSidecar({
        cpUrl: zone.dpServerUrl,
        apiUrl: zone.apiUrl,
        dataplane: await webDataplane('127.0.4.9', outboundPort),
        // meshwork-dp reads its MeshMetric config from Envoy every 500 ms instead of 10 s,
        // and has a certificate for a ProvidedTLS Prometheus endpoint.
        extraArgs: ['--dynamic-config-refresh-interval', '500ms', '--metrics-cert-path', metricsTls.cert, '--metrics-key-path', metricsTls.key],
      }),
    );
    await waitFor(() => settled(`${outbound}/`, 200), { what: 'mesh traffic' });
  });

  afterAll(async () => {
    for (const s of sidecars) await s[Symbol.asyncDispose]();
    for (const a of apps) a.close();
    await zone?.[Symbol.asyncDispose]();
  });

  it('MeshTrafficPermission: deny gives 403, allow restores 200, AllowWithShadowDeny allows and counts shadow denials', async () => {
    await apply(zone, { type: 'MeshTrafficPermission', mesh: 'default', name: 'backend-access', spec: { targetRef: { kind: 'MeshService', name: 'backend' }, from: [{ targetRef: { kind: 'MeshService', name: 'web' }, default: { action: 'Deny' } }] } } as never, 'meshtrafficpermissions');
    await waitFor(() => settled(`${outbound}/`, 403), { what: 'requests from web denied' });
    await apply(zone, { type: 'MeshTrafficPermission', mesh: 'default', name: 'backend-access', spec: { targetRef: { kind: 'MeshService', name: 'backend' }, from: [{ targetRef: { kind: 'MeshService', name: 'web' }, default: { action: 'Allow' } }] } } as never, 'meshtrafficpermissions');
    await waitFor(() => settled(`${outbound}/`, 200), { what: 'requests from web allowed again' });
    // AllowWithShadowDeny lets web through and counts the denial it would have been.
    const shadowDenied = async () => {
      let total = 0;
      for (const s of sidecars.slice(0, 2)) for (const m of (await s.admin('/stats?filter=shadow_denied')).matchAll(/rbac\.meshwork_mtp\.shadow_denied: (\d+)/g)) total += Number(m[1]);
      return total;
    };
    expect(await shadowDenied()).toBe(0);
    await apply(zone, { type: 'MeshTrafficPermission', mesh: 'default', name: 'backend-access', spec: { targetRef: { kind: 'MeshService', name: 'backend' }, from: [{ targetRef: { kind: 'MeshService', name: 'web' }, default: { action: 'AllowWithShadowDeny' } }] } } as never, 'meshtrafficpermissions');
    await waitFor(async () => (await settled(`${outbound}/`, 200)) && (await shadowDenied()) > 0, { what: 'web allowed, its requests counted as shadow denials' });
    // A Mesh-wide deny with web allowed still lets web through.
    await apply(zone, { type: 'MeshTrafficPermission', mesh: 'default', name: 'deny-all', spec: { targetRef: { kind: 'Mesh' }, from: [{ targetRef: { kind: 'Mesh' }, default: { action: 'Deny' } }] } } as never, 'meshtrafficpermissions');
    await waitFor(() => settled(`${outbound}/`, 200), { what: 'web allowed under a mesh-wide deny' });
    // Removing both allows leaves the mesh-wide deny (allow-all would win over deny-all:
    // same kind, and the smaller name is applied last).
    await remove(zone, '/meshes/default/meshtrafficpermissions/backend-access');
    await remove(zone, '/meshes/default/meshtrafficpermissions/allow-all');
    await waitFor(() => settled(`${outbound}/`, 403), { what: 'the mesh-wide deny alone' });
    // No policy at all: still denied (Kuma's default with mTLS); allow-all restores traffic.
    await remove(zone, '/meshes/default/meshtrafficpermissions/deny-all');
    // (backend's RBAC is the same as under deny-all: an allow list with nobody on it.)
    expect(await settled(`${outbound}/`, 403)).toBe(true);
    await apply(zone, ALLOW_ALL, 'meshtrafficpermissions');
    await waitFor(() => settled(`${outbound}/`, 200), { what: 'allow-all: allowed' });
  });

  it('MeshTimeout: a slow backend gives 504 after the configured time, and removing the policy restores it', async () => {
    expect((await call(`${outbound}/slow`)).status).toBe(200);
    await apply(zone, { type: 'MeshTimeout', mesh: 'default', name: 'web-to-backend', spec: { targetRef: { kind: 'MeshService', name: 'web' }, to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, default: { http: { requestTimeout: '300ms' } } }] } } as never, 'meshtimeouts');
    const timedOut = await waitFor(async () => {
      const r = await call(`${outbound}/slow`);
      return r.status === 504 ? r : undefined;
    }, { what: 'the request timeout' });
    expect(timedOut.ms).toBeGreaterThanOrEqual(250);
    expect(timedOut.ms).toBeLessThan(1500);
    expect((await call(`${outbound}/`)).status).toBe(200);
    await remove(zone, '/meshes/default/meshtimeouts/web-to-backend');
    await waitFor(() => settled(`${outbound}/slow`, 200), { what: 'the default timeout again' });
  });

  it('MeshTimeout targeting a MeshHTTPRoute: only the requests of that route time out', async () => {
    const slowWith = async (headers: Record<string, string>) => {
      const t0 = performance.now();
      try {
        const res = await fetch(`${outbound}/slow`, { headers, signal: AbortSignal.timeout(10_000) });
        await res.text();
        return { status: res.status, ms: performance.now() - t0 };
      } catch {
        return { status: 0, ms: performance.now() - t0 };
      }
    };
    await policy('MeshHTTPRoute', 'meshhttproutes', 'impatient', { targetRef: { kind: 'MeshService', name: 'web' }, to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/slow' }, headers: [{ type: 'Exact', name: 'x-impatient', value: 'yes' }] }], default: { backendRefs: [{ kind: 'MeshService', name: 'backend' }] } }] }] });
    await policy('MeshTimeout', 'meshtimeouts', 'impatient-timeout', { targetRef: { kind: 'MeshHTTPRoute', name: 'impatient' }, to: [{ targetRef: { kind: 'Mesh' }, default: { http: { requestTimeout: '300ms' } } }] });
    const timedOut = await waitFor(async () => {
      const r = await slowWith({ 'x-impatient': 'yes' });
      return r.status === 504 ? r : undefined;
    }, { what: 'the route\'s timeout' });
    expect(timedOut.ms).toBeLessThan(1500);
    // The same path outside the route keeps the default timeout. (A connection that Envoy
    // closes while draining the replaced listener is retried: status 0 is not an answer.)
    const outside = await waitFor(async () => {
      const r = await slowWith({});
      return r.status ? r : undefined;
    }, { what: 'an answer outside the route' });
    expect(outside.status).toBe(200);
    expect(outside.ms).toBeGreaterThan(1000);
    await remove(zone, '/meshes/default/meshtimeouts/impatient-timeout');
    await waitFor(async () => (await slowWith({ 'x-impatient': 'yes' })).status === 200, { what: 'the route without its timeout' });
    await remove(zone, '/meshes/default/meshhttproutes/impatient');
  });

  it('inspects the rules of a dataplane, the dataplanes of a policy, and the generated config', async () => {
    await apply(zone, { type: 'MeshTimeout', mesh: 'default', name: 'inspected', spec: { targetRef: { kind: 'MeshService', name: 'web' }, to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, default: { http: { requestTimeout: '9s' } } }] } } as never, 'meshtimeouts');
    const cli = meshctl();
    expect((await cli.run(['config', 'control-planes', 'add', '--name', 'zone', '--address', zone.apiUrl])).code).toBe(0);
    const rules = await cli.run(['inspect', 'dataplane', 'web-1', '--type=rules', '-o', 'json']);
    expect(rules.code).toBe(0);
    const timeout = (JSON.parse(rules.stdout) as { rules: { type: string; toRules: { destination: Record<string, string>; conf: unknown; origin: string[] }[] }[] }).rules.find((r) => r.type === 'MeshTimeout')!;
    // Folded over the mesh's default MeshTimeout (top-level Mesh, so it comes first and loses on requestTimeout).
    expect(timeout.toRules).toEqual([
      { destination: { 'kuma.io/service': 'backend' }, conf: { connectionTimeout: '5s', idleTimeout: '1h', http: { requestTimeout: '9s', streamIdleTimeout: '30m' } }, origin: ['mesh-timeout-all-default', 'inspected'] },
    ]);
    const selected = await cli.run(['inspect', 'meshtimeout', 'inspected']);
    expect(selected.stdout).toMatch(/^MESH\s+DATAPLANE\ndefault\s+web-1\n$/);
    // What the zone generated, and what web-1's Envoy holds (its own config dump, read by the zone).
    const config = await cli.run(['inspect', 'dataplane', 'web-1', '--type=config', '-o', 'yaml']);
    expect(config.stdout).toMatch(/timeout: 9s/);
    await waitFor(async () => /"timeout": "9s"/.test((await cli.run(['inspect', 'dataplane', 'web-1', '--type=config-dump'])).stdout), { what: "web-1's Envoy to hold the 9 s route timeout" });
    await remove(zone, '/meshes/default/meshtimeouts/inspected');
  });

  const policy = (type: string, collection: string, name: string, spec: object) => apply(zone, { type, mesh: 'default', name, spec } as never, collection);
  const toBackend = (conf: object) => ({ targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, default: conf }] });

  it('MeshRetry: a flaky backend succeeds', async () => {
    expect((await call(`${outbound}/flaky`)).status).toBe(500);
    await policy('MeshRetry', 'meshretries', 'retry-backend', toBackend({ http: { numRetries: 3, retryOn: ['5xx'], backOff: { baseInterval: '10ms', maxInterval: '50ms' } } }));
    await waitFor(() => settled(`${outbound}/flaky`, 200), { what: 'retries to make /flaky succeed' });
    await remove(zone, '/meshes/default/meshretries/retry-backend');
    await waitFor(() => settled(`${outbound}/flaky`, 500), { what: 'no retries again' });
  });

  it('MeshFaultInjection: an abort returns the configured status', async () => {
    await policy('MeshFaultInjection', 'meshfaultinjections', 'abort-backend', toBackend({ http: [{ abort: { httpStatus: 418, percentage: 100 } }] }));
    await waitFor(() => settled(`${outbound}/`, 418), { what: 'the injected abort' });
    await remove(zone, '/meshes/default/meshfaultinjections/abort-backend');
    await waitFor(() => settled(`${outbound}/`, 200), { what: 'no fault again' });
  });

  it('MeshFaultInjection from one caller: backend aborts web\'s requests (x-kuma-tags), not another caller\'s', async () => {
    const fromCaller = (service: string) => ({ targetRef: { kind: 'MeshService', name: 'backend' }, from: [{ targetRef: { kind: 'MeshService', name: service }, default: { http: [{ abort: { httpStatus: 418, percentage: 100 } }] } }] });
    await policy('MeshFaultInjection', 'meshfaultinjections', 'from-caller', fromCaller('other'));
    // Applied (the inbound has the filter), but web is not "other".
    await waitFor(async () => (await sidecars[0]!.admin('/config_dump?resource=dynamic_listeners')).includes('fault.from'), { what: 'the per-caller fault on backend' });
    expect(await settled(`${outbound}/`, 200)).toBe(true);
    await policy('MeshFaultInjection', 'meshfaultinjections', 'from-caller', fromCaller('web'));
    await waitFor(() => settled(`${outbound}/`, 418), { what: 'web\'s requests aborted' });
    await remove(zone, '/meshes/default/meshfaultinjections/from-caller');
    await waitFor(() => settled(`${outbound}/`, 200), { what: 'no fault again' });
  });

  it('a policy for one inbound (sectionName): only backend-1\'s inbound aborts', async () => {
    await policy('MeshFaultInjection', 'meshfaultinjections', 'one-inbound', { targetRef: { kind: 'Dataplane', name: 'backend-1', sectionName: String(inboundPorts['backend-1']) }, from: [{ targetRef: { kind: 'Mesh' }, default: { http: [{ abort: { httpStatus: 418, percentage: 100 } }] } }] });
    const answer = async () => {
      const res = await fetch(`${outbound}/`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
      return res ? `${res.status} ${(await res.text()).trim()}` : 'failed';
    };
    try {
      // In effect once backend-1's old listener has drained (connections web's Envoy opened
      // before the change still reach it for a moment): then, over 12 requests, backend-1
      // only aborts and backend-2 still answers.
      const answers = await waitFor(async () => {
        const seen = new Set<string>();
        for (let i = 0; i < 12; i++) seen.add(await answer());
        return seen.has('200 backend-2') && [...seen].some((a) => a.startsWith('418')) && !seen.has('200 backend-1') ? seen : undefined;
      }, { what: 'aborts from backend-1 only' });
      expect([...answers].filter((a) => a !== '200 backend-2' && !a.startsWith('418'))).toEqual([]);
    } finally {
      await remove(zone, '/meshes/default/meshfaultinjections/one-inbound');
    }
    await waitFor(() => settled(`${outbound}/`, 200), { what: 'no aborts' });
  });

  it('MeshRateLimit: requests past the rate get 429', async () => {
    await policy('MeshRateLimit', 'meshratelimits', 'limit-backend', { targetRef: { kind: 'MeshService', name: 'backend' }, from: [{ targetRef: { kind: 'Mesh' }, default: { local: { http: { requestRate: { num: 2, interval: '1m' } } } } }] });
    await waitFor(async () => {
      const statuses = [];
      for (let i = 0; i < 8; i++) statuses.push((await call(`${outbound}/`)).status);
      return statuses.includes(429);
    }, { what: '429 past the rate' });
    await remove(zone, '/meshes/default/meshratelimits/limit-backend');
    await waitFor(() => settled(`${outbound}/`, 200), { what: 'no limit again' });
  });

  it('MeshCircuitBreaker: requests over the connection limits are rejected', async () => {
    await policy('MeshCircuitBreaker', 'meshcircuitbreakers', 'break-backend', toBackend({ connectionLimits: { maxConnections: 1, maxPendingRequests: 1, maxRequests: 1 } }));
    await waitFor(async () => {
      const results = await Promise.all(Array.from({ length: 8 }, () => call(`${outbound}/slow`)));
      return results.some((r) => r.status === 503) && results.some((r) => r.status === 200);
    }, { what: 'overflow rejected while some requests pass' });
    await remove(zone, '/meshes/default/meshcircuitbreakers/break-backend');
    await waitFor(async () => (await Promise.all(Array.from({ length: 4 }, () => call(`${outbound}/slow`)))).every((r) => r.status === 200), { what: 'no limits again' });
  });

  it('MeshHealthCheck: a failing endpoint leaves the rotation and comes back', async () => {
    const seen = async (n: number) => {
      const names = new Set<string>();
      for (let i = 0; i < n; i++) {
        const res = await fetch(`${outbound}/`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
        if (res) names.add((await res.text()).trim());
      }
      return [...names].sort();
    };
    await policy('MeshHealthCheck', 'meshhealthchecks', 'check-backend', toBackend({ interval: '100ms', timeout: '500ms', unhealthyThreshold: 1, healthyThreshold: 1, http: { path: '/health' } }));
    await waitFor(async () => JSON.stringify(await seen(8)) === '["backend-1","backend-2"]', { what: 'both healthy' });
    healthy['backend-2'] = false;
    await waitFor(async () => JSON.stringify(await seen(8)) === '["backend-1"]', { what: 'backend-2 out of the rotation' });
    healthy['backend-2'] = true;
    await waitFor(async () => JSON.stringify(await seen(8)) === '["backend-1","backend-2"]', { what: 'backend-2 back' });
    await remove(zone, '/meshes/default/meshhealthchecks/check-backend');
  });

  it('MeshLoadBalancingStrategy: RingHash on a header sends the same header to the same backend', async () => {
    await policy('MeshLoadBalancingStrategy', 'meshloadbalancingstrategies', 'ring-backend', toBackend({ loadBalancer: { type: 'RingHash', ringHash: { hashPolicies: [{ type: 'Header', header: { name: 'x-user' } }] } } }));
    const backendsFor = async (user: string) => {
      const names = new Set<string>();
      for (let i = 0; i < 8; i++) names.add((await (await fetch(`${outbound}/`, { headers: { 'x-user': user }, signal: AbortSignal.timeout(10_000) })).text()).trim());
      return names;
    };
    // Clusters and listeners are updated apart: both the ring and the route's hash policy must be in.
    await waitFor(async () => {
      const clusters = await sidecars.at(-1)!.admin('/config_dump?resource=dynamic_active_clusters');
      const listeners = await sidecars.at(-1)!.admin('/config_dump?resource=dynamic_listeners');
      return clusters.includes('RING_HASH') && listeners.includes('x-user');
    }, { what: 'the ring hash and its hash policy in web\'s config' });
    // Connections opened before the change keep the old listener while it drains: wait until
    // every request is routed by the new one, then every user sticks to one backend.
    await waitFor(async () => {
      for (const user of ['alice', 'bob', 'carol']) if ((await backendsFor(user)).size !== 1) return false;
      return true;
    }, { what: 'each user always on the same backend', timeoutMs: 20_000 });
    await remove(zone, '/meshes/default/meshloadbalancingstrategies/ring-backend');
  });

  it('MeshAccessLog: requests are written to the log file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'access-log-')), 'access.log');
    await policy('MeshAccessLog', 'meshaccesslogs', 'log-backend', toBackend({ backends: [{ file: { path: file, format: { type: 'Plain', plain: 'meshwork %RESPONSE_CODE% %REQ(:PATH)%' } } }] }));
    await waitFor(async () => {
      await call(`${outbound}/logged`);
      return existsSync(file) && readFileSync(file, 'utf8').includes('meshwork 200 /logged');
    }, { what: 'a line in the access log' });
    await remove(zone, '/meshes/default/meshaccesslogs/log-backend');
  });

  it('MeshAccessLog: an OpenTelemetry backend receives log records over OTLP/gRPC, with Kuma\'s variables filled in', async () => {
    await using collector = await startOtlpCollector();
    await policy(
      'MeshAccessLog',
      'meshaccesslogs',
      'otel-backend',
      toBackend({
        backends: [
          {
            type: 'OpenTelemetry',
            openTelemetry: {
              endpoint: collector.endpoint,
              body: { kvlistValue: { values: [{ key: 'path', value: { stringValue: '%REQ(:PATH)%' } }, { key: 'route', value: { stringValue: '%KUMA_SOURCE_SERVICE%->%KUMA_DESTINATION_SERVICE%' } }] } },
              attributes: [{ key: 'status', value: '%RESPONSE_CODE%' }, { key: 'mesh', value: '%KUMA_MESH%' }],
            },
          },
        ],
      }),
    );
    const record = await waitFor(async () => {
      await call(`${outbound}/otel`);
      return collector.logs.find((l) => (l.body as { path?: string } | undefined)?.path === '/otel');
    }, { what: 'a log record at the OTLP collector' });
    expect(record.body).toEqual({ path: '/otel', route: 'web->backend' });
    expect(record.attributes).toMatchObject({ status: '200', mesh: 'default' });
    await remove(zone, '/meshes/default/meshaccesslogs/otel-backend');
  });

  it('MeshTrace: spans reach an OpenTelemetry collector, then a Zipkin one, with the custom tags', async () => {
    await using collector = await startOtlpCollector();
    await policy('MeshTrace', 'meshtraces', 'tracing', { targetRef: { kind: 'Mesh' }, default: { backends: [{ type: 'OpenTelemetry', openTelemetry: { endpoint: collector.endpoint } }], sampling: { overall: 100 }, tags: [{ name: 'team', literal: 'core' }] } });
    const span = await waitFor(async () => {
      await call(`${outbound}/traced`);
      return collector.spans.find((sp) => sp.attributes['http.url'] !== undefined && String(sp.attributes['http.url']).endsWith('/traced'));
    }, { what: 'a span at the OTLP collector' });
    expect(span.attributes.team).toBe('core');
    expect(['web', 'backend']).toContain(span.resource['service.name']);
    // The same policy switched to Zipkin (JSON v2 over HTTP).
    const zipkinSpans: { name?: string; tags?: Record<string, string> }[] = [];
    const zipkin = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (req.url === '/api/v2/spans') zipkinSpans.push(...(JSON.parse(body) as typeof zipkinSpans));
        res.writeHead(202).end();
      });
    });
    const zipkinPort = await freePort();
    await new Promise<void>((resolve) => zipkin.listen(zipkinPort, '127.0.0.1', resolve));
    try {
      await policy('MeshTrace', 'meshtraces', 'tracing', { targetRef: { kind: 'Mesh' }, default: { backends: [{ type: 'Zipkin', zipkin: { url: `http://127.0.0.1:${zipkinPort}/api/v2/spans` } }], sampling: { overall: 100 }, tags: [{ name: 'team', literal: 'core' }] } });
      const zspan = await waitFor(async () => {
        await call(`${outbound}/zipkin`);
        return zipkinSpans.find((sp) => String(sp.tags?.['http.url'] ?? '').endsWith('/zipkin'));
      }, { what: 'a span at the Zipkin collector' });
      expect(zspan.tags?.team).toBe('core');
    } finally {
      await remove(zone, '/meshes/default/meshtraces/tracing');
      zipkin.close();
    }
  });

  it('MeshOpenTelemetryBackend: MeshTrace and MeshAccessLog export to the collector their backendRef names, and follow it when it moves', async () => {
    await using first = await startOtlpCollector();
    await using second = await startOtlpCollector();
    const backend = (endpoint: string) => {
      const [address, port] = [endpoint.slice(0, endpoint.lastIndexOf(':')), Number(endpoint.slice(endpoint.lastIndexOf(':') + 1))];
      return apply(zone, { type: 'MeshOpenTelemetryBackend', mesh: 'default', name: 'collector', labels: { team: 'obs' }, spec: { endpoint: { address, port } } } as never, 'meshopentelemetrybackends');
    };
    const ref = { type: 'OpenTelemetry', openTelemetry: { backendRef: { kind: 'MeshOpenTelemetryBackend', labels: { team: 'obs' } } } };
    await backend(first.endpoint);
    await policy('MeshTrace', 'meshtraces', 'tracing-ref', { targetRef: { kind: 'Mesh' }, default: { backends: [ref], sampling: { overall: 100 } } });
    await policy('MeshAccessLog', 'meshaccesslogs', 'log-ref', toBackend({ backends: [ref] }));
    try {
      await waitFor(async () => {
        await call(`${outbound}/motb-1`);
        return first.spans.some((sp) => String(sp.attributes['http.url'] ?? '').endsWith('/motb-1')) && first.logs.length > 0;
      }, { what: 'a span and a log record at the collector the MeshOpenTelemetryBackend names' });
      // The backend moves to another collector: the proxies follow.
      await backend(second.endpoint);
      await waitFor(async () => {
        await call(`${outbound}/motb-2`);
        return second.spans.some((sp) => String(sp.attributes['http.url'] ?? '').endsWith('/motb-2')) && second.logs.length > 0;
      }, { what: 'spans and logs at the second collector' });
    } finally {
      await remove(zone, '/meshes/default/meshtraces/tracing-ref');
      await remove(zone, '/meshes/default/meshaccesslogs/log-ref');
      await remove(zone, '/meshes/default/meshopentelemetrybackends/collector');
    }
  });

  it('MeshMetric: the Prometheus endpoint merges the applications\' metrics with Envoy\'s, through meshwork-dp', async () => {
    const appPort = await freePort();
    const app = createServer((_req, res) => res.end('# TYPE app_requests_total counter\napp_requests_total 42\n'));
    await new Promise<void>((resolve) => app.listen(appPort, '127.0.0.1', resolve));
    const promPort = await freePort();
    try {
      await apply(zone, { type: 'MeshMetric', mesh: 'default', name: 'with-apps', spec: { targetRef: { kind: 'MeshService', name: 'backend' }, default: { applications: [{ name: 'app', port: appPort }], backends: [{ type: 'Prometheus', prometheus: { port: promPort, path: '/metrics' } }] } } } as never, 'meshmetrics');
      const scraped = await waitFor(async () => {
        const text = await (await fetch(`http://127.0.4.1:${promPort}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
        return text.includes('app_requests_total 42') && /^envoy_\w+/m.test(text) ? text : undefined;
      }, { what: 'merged metrics on the Prometheus port' });
      expect(scraped.indexOf('envoy_')).toBeLessThan(scraped.indexOf('app_requests_total 42'));
      // Kuma's Basic profile by default: the proxy's own clusters (ADS, admin; Envoy writes
      // meshwork:ads as meshwork_ads) are left out.
      expect(scraped).not.toContain('envoy_cluster_name="meshwork_');
      expect(scraped).toMatch(/^envoy_cluster_upstream_rq_total\{envoy_cluster_name="(?!meshwork:)[^"]+"\}/m);
      // The All profile, excluding a family by prefix.
      await apply(zone, { type: 'MeshMetric', mesh: 'default', name: 'with-apps', spec: { targetRef: { kind: 'MeshService', name: 'backend' }, default: { sidecar: { profiles: { appendProfiles: [{ name: 'All' }], exclude: [{ type: 'Prefix', match: 'envoy_server_' }] } }, applications: [{ name: 'app', port: appPort }], backends: [{ type: 'Prometheus', prometheus: { port: promPort, path: '/metrics' } }] } } } as never, 'meshmetrics');
      await waitFor(async () => {
        const text = await (await fetch(`http://127.0.4.1:${promPort}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
        return text.includes('envoy_cluster_name="meshwork_ads"') && !/^envoy_server_/m.test(text) && text.includes('app_requests_total 42');
      }, { what: 'every metric but envoy_server_*' });
      await remove(zone, '/meshes/default/meshmetrics/with-apps');
    } finally {
      app.close();
    }
  });

  it('MeshMetric: ProvidedTLS serves the Prometheus endpoint over TLS with the certificate given to meshwork-dp', async () => {
    const promPort = await freePort();
    await apply(zone, { type: 'MeshMetric', mesh: 'default', name: 'tls-metrics', spec: { targetRef: { kind: 'MeshService', name: 'web' }, default: { backends: [{ type: 'Prometheus', prometheus: { port: promPort, path: '/metrics', tls: { mode: 'ProvidedTLS' } } }] } } } as never, 'meshmetrics');
    const scrape = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const req = httpsGet({ host: '127.0.4.9', port: promPort, path: '/metrics', ca: metricsTls.ca, timeout: 5000 }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`))));
        });
        req.on('timeout', () => req.destroy(new Error('timed out')));
        req.on('error', reject);
      });
    const text = await waitFor(() => scrape().then((t) => (/^envoy_server_live/m.test(t) ? t : undefined)), { what: 'metrics over TLS, verified against the certificate' });
    expect(text).toMatch(/^envoy_/m);
    // Plain HTTP is not served there.
    await expect(fetch(`http://127.0.4.9:${promPort}/metrics`, { signal: AbortSignal.timeout(5000) })).rejects.toThrow();
    await remove(zone, '/meshes/default/meshmetrics/tls-metrics');
  });

  it('MeshMetric: an OpenTelemetry backend receives Envoy\'s and the applications\' metrics over OTLP/gRPC, pushed by meshwork-dp', async () => {
    await using collector = await startOtlpCollector();
    const appPort = await freePort();
    const app = createServer((_req, res) => res.end('# TYPE app_requests_total counter\napp_requests_total 42\n'));
    await new Promise<void>((resolve) => app.listen(appPort, '127.0.0.1', resolve));
    try {
      await apply(zone, { type: 'MeshMetric', mesh: 'default', name: 'otel-metrics', spec: { targetRef: { kind: 'MeshService', name: 'web' }, default: { applications: [{ name: 'app', port: appPort }], backends: [{ type: 'OpenTelemetry', openTelemetry: { endpoint: collector.endpoint, refreshInterval: '500ms' } }] } } } as never, 'meshmetrics');
      await call(`${outbound}/counted`);
      const rq = await waitFor(() => collector.metrics.find((m) => m.name === 'envoy_cluster_upstream_rq_total' && m.points.some((p) => p.attributes.envoy_cluster_name === 'backend' && p.value > 0)), { what: 'Envoy\'s request counter at the OTLP collector' });
      expect(rq.resource).toMatchObject({ 'service.name': 'web', 'service.instance.id': 'web-1', 'kuma.io/mesh': 'default' });
      expect(rq.scope).toBe('meshwork-dp');
      const appMetric = await waitFor(() => collector.metrics.find((m) => m.name === 'app_requests_total'), { what: 'the application\'s metric at the OTLP collector' });
      expect(appMetric.points.map((p) => p.value)).toEqual([42]);
      // Each application's metrics in a scope named after it, as kuma-dp does.
      expect(appMetric.scope).toBe('app');
      await remove(zone, '/meshes/default/meshmetrics/otel-metrics');
      // The dynamic configuration listener stays (its socket is never rebound) and answers 404.
      await waitFor(async () => {
        const dump = await sidecars.at(-1)!.admin('/config_dump?resource=dynamic_listeners');
        return dump.includes('meshwork:dynamicconfig') && !dump.includes(collector.endpoint);
      }, { what: 'the config without the collector' });
      // Applied again, to another collector: meshwork-dp moves its pushes there; the first
      // collector gets no more.
      await using second = await startOtlpCollector();
      await apply(zone, { type: 'MeshMetric', mesh: 'default', name: 'otel-metrics', spec: { targetRef: { kind: 'MeshService', name: 'web' }, default: { backends: [{ type: 'OpenTelemetry', openTelemetry: { endpoint: second.endpoint, refreshInterval: '500ms' } }] } } } as never, 'meshmetrics');
      const pushes = (c: typeof collector) => c.metrics.filter((m) => m.name === 'envoy_server_live').length;
      // Two pushes there: an export to the first one still in flight at the switch has landed.
      await waitFor(() => pushes(second) >= 2, { what: 'pushes to the second collector' });
      const firstCount = pushes(collector);
      await waitFor(() => pushes(second) >= 5, { what: 'three more pushes to the second collector' });
      expect(pushes(collector)).toBe(firstCount);
      await remove(zone, '/meshes/default/meshmetrics/otel-metrics');
    } finally {
      app.close();
    }
  });

  it('MeshAccessLog: a tcp backend receives the lines (plain and JSON), through meshwork-dp', async () => {
    const received: string[] = [];
    const collector = createTcpServer((socket) => createInterface({ input: socket }).on('line', (l) => received.push(l)));
    const port = await freePort();
    await new Promise<void>((resolve) => collector.listen(port, '127.0.0.1', resolve));
    try {
      await policy(
        'MeshAccessLog',
        'meshaccesslogs',
        'tcp-backend',
        toBackend({
          backends: [
            { tcp: { address: `127.0.0.1:${port}`, format: { type: 'Plain', plain: 'tcp %RESPONSE_CODE% %REQ(:PATH)%' } } },
            { tcp: { address: `127.0.0.1:${port}`, format: { type: 'Json', json: [{ key: 'path', value: '%REQ(:PATH)%' }, { key: 'status', value: '%RESPONSE_CODE%' }] } } },
          ],
        }),
      );
      await waitFor(async () => {
        await call(`${outbound}/streamed`);
        return received.includes('tcp 200 /streamed') && received.some((l) => l.startsWith('{') && JSON.stringify(JSON.parse(l)) === JSON.stringify({ path: '/streamed', status: 200 }));
      }, { what: 'plain and JSON lines at the tcp backend' });
      // Only the backend's line went out: the address tag stays between Envoy and meshwork-dp.
      expect(received.filter((l) => l.includes('meshwork.io/access-log-address') || l.includes(`127.0.0.1:${port};`))).toEqual([]);
      await remove(zone, '/meshes/default/meshaccesslogs/tcp-backend');
    } finally {
      collector.close();
    }
  });
});
