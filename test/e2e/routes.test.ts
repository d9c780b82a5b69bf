import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, connect, type Server as TcpServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlaneProcess } from '../helpers/control-plane.ts';
import { freePort } from '../helpers/ports.ts';
import { startSidecar, type Sidecar } from '../helpers/sidecar.ts';
import { waitFor } from '../helpers/wait.ts';

// Routing policies with real Envoy: MeshHTTPRoute splits traffic between backend versions
// and routes a header to v2; MeshTCPRoute sends a TCP service's traffic elsewhere.

async function put(cp: ControlPlaneProcess, collection: string, doc: { name: string }) {
  const res = await fetch(`${cp.apiUrl}/meshes/default/${collection}/${doc.name}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mesh: 'default', ...doc }) });
  if (res.status >= 300) throw new Error(`PUT ${collection}/${doc.name}: ${res.status} ${await res.text()}`);
}

async function version(url: string, headers: Record<string, string> = {}): Promise<string> {
  try {
    // Generous: on a loaded 2-core machine a request can wait seconds for a core.
    return (await (await fetch(url, { headers, signal: AbortSignal.timeout(10_000) })).text()).trim();
  } catch {
    return 'failed';
  }
}

/** First line a TCP server sends. */
function tcpHello(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let data = '';
    s.on('data', (d) => {
      data += d.toString();
      if (data.includes('\n')) {
        s.destroy();
        resolve(data.trim());
      }
    });
    s.on('error', () => resolve('failed'));
    s.setTimeout(2000, () => {
      s.destroy();
      resolve('failed');
    });
  });
}

describe('routing policies enforced by Envoy', () => {
  let zone: ControlPlaneProcess;
  const servers: (Server | TcpServer)[] = [];
  const sidecars: Sidecar[] = [];
  let http: string;
  let tcpPort: number;

  beforeAll(async () => {
    zone = await startControlPlane({ mode: 'zone' });
    let ip = 1;
    const sidecar = async (name: string, inbound: object[], outbound: object[] = []) =>
      sidecars.push(await startSidecar({ cpUrl: zone.dpServerUrl, apiUrl: zone.apiUrl, dataplane: { type: 'Dataplane', mesh: 'default', name, networking: { address: `127.0.5.${ip++}`, inbound, outbound } } }));
    for (const v of ['v1', 'v2']) {
      const port = await freePort();
      const server = createHttpServer((_req, res) => res.end(`${v}\n`));
      servers.push(server);
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
      await sidecar(`backend-${v}`, [{ port: await freePort(), servicePort: port, tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http', version: v } }]);
    }
    for (const name of ['tcp-primary', 'tcp-replica']) {
      const port = await freePort();
      const server = createTcpServer((s) => s.end(`${name}\n`));
      servers.push(server);
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
      await sidecar(name, [{ port: await freePort(), servicePort: port, tags: { 'kuma.io/service': name, 'kuma.io/protocol': 'tcp' } }]);
    }
    const httpPort = await freePort();
    tcpPort = await freePort();
    http = `http://127.0.0.1:${httpPort}/`;
    await sidecar('web-1', [{ port: await freePort(), tags: { 'kuma.io/service': 'web', 'kuma.io/protocol': 'http' } }], [
      { port: httpPort, tags: { 'kuma.io/service': 'backend' } },
      { port: tcpPort, tags: { 'kuma.io/service': 'tcp-primary' } },
    ]);
    await waitFor(async () => ['v1', 'v2'].includes(await version(http)), { what: 'traffic to backend' });
  });

  afterAll(async () => {
    for (const s of sidecars) await s[Symbol.asyncDispose]();
    for (const s of servers) s.close();
    await zone?.[Symbol.asyncDispose]();
  });

  it('MeshHTTPRoute: an 80/20 split within tolerance, and a header match picks v2', async () => {
    await put(zone, 'meshhttproutes', {
      name: 'backend-split',
      spec: {
        targetRef: { kind: 'MeshService', name: 'web' },
        to: [
          {
            targetRef: { kind: 'MeshService', name: 'backend' },
            rules: [
              { matches: [{ headers: [{ type: 'Exact', name: 'x-version', value: 'v2' }] }], default: { backendRefs: [{ kind: 'MeshServiceSubset', name: 'backend', tags: { version: 'v2' } }] } },
              { matches: [{ path: { type: 'PathPrefix', value: '/' } }], default: { backendRefs: [{ kind: 'MeshServiceSubset', name: 'backend', tags: { version: 'v1' }, weight: 80 }, { kind: 'MeshServiceSubset', name: 'backend', tags: { version: 'v2' }, weight: 20 }] } },
            ],
          },
        ],
      },
    } as never);
    // Routed: the header always picks v2.
    await waitFor(async () => {
      for (let i = 0; i < 10; i++) if ((await version(http, { 'x-version': 'v2' })) !== 'v2') return false;
      return true;
    }, { what: 'the header route' });
    // 400 requests: v1 must get 80% ± 7 points (binomial sd ≈ 2 points).
    const counts = { v1: 0, v2: 0, other: 0 };
    for (let i = 0; i < 400; i++) {
      const v = await version(http);
      if (v === 'v1' || v === 'v2') counts[v]++;
      else counts.other++;
    }
    console.log(`80/20 split over 400 requests: ${JSON.stringify(counts)}`);
    expect(counts.other, JSON.stringify(counts)).toBe(0);
    expect(counts.v1 / 400, JSON.stringify(counts)).toBeGreaterThan(0.73);
    expect(counts.v1 / 400, JSON.stringify(counts)).toBeLessThan(0.87);
  });

  it('MeshTCPRoute: traffic goes to the chosen backend', async () => {
    expect(await tcpHello(tcpPort)).toBe('tcp-primary');
    await put(zone, 'meshtcproutes', {
      name: 'to-replica',
      spec: { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'MeshService', name: 'tcp-primary' }, rules: [{ default: { backendRefs: [{ kind: 'MeshService', name: 'tcp-replica' }] } }] }] },
    } as never);
    await waitFor(async () => (await tcpHello(tcpPort)) === 'tcp-replica', { what: 'TCP traffic to the replica' });
  });
});
