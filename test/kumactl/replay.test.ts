import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlaneProcess } from '../helpers/control-plane.ts';
import { freePort } from '../helpers/ports.ts';
import { startEchoApp, startSidecar } from '../helpers/sidecar.ts';
import { waitFor } from '../helpers/wait.ts';

// The real kumactl 2.14.3, replayed. kumactl was built by hand from Kuma v2.14.3's source (not
// committed), pointed at a Meshwork global and zone through a recording proxy, and every
// command below was run once: testdata/kumactl-2.14.3.json holds the exact requests each made
// (method, path, body) and the answer it got, with which the command succeeded (exit 0).
// CI has no kumactl: it sends the same requests, in the same order, to the same topology,
// and expects the same answers. The last 12 commands (MeshService, HostnameGenerator, a mesh
// in meshServices mode Everywhere) were added on 2026-12-03 the same way. To record again: build kumactl from Kuma's source, run
// Meshwork as below behind a proxy that logs requests, run the commands, and rewrite the file.

interface Recorded {
  command: string;
  target: 'global' | 'zone';
  exitCode: number;
  requests: { method: string; path: string; contentType?: string; body?: string; status: number }[];
}

const recording = JSON.parse(readFileSync(new URL('./testdata/kumactl-2.14.3.json', import.meta.url), 'utf8')) as { commands: Recorded[] };

describe('the real kumactl 2.14.3 against Meshwork (recorded requests, replayed)', () => {
  let global: ControlPlaneProcess;
  let zone: ControlPlaneProcess;
  const disposables: AsyncDisposable[] = [];

  beforeAll(async () => {
    global = await startControlPlane({ mode: 'global', env: { MESHWORK_KDS_TLS_ENABLED: 'false', MESHWORK_KDS_REQUIRE_ZONE_TOKEN: 'false' } });
    zone = await startControlPlane({ mode: 'zone', env: { MESHWORK_ZONE_NAME: 'zone-1', MESHWORK_GLOBAL_ADDRESS: `grpc://${global.kdsHostPort}`, MESHWORK_DP_SERVER_AUTH_TYPE: 'none' } });
    const app = await startEchoApp('backend-1');
    disposables.push(app);
    disposables.push(await startSidecar({ cpUrl: zone.dpServerUrl, dataplane: { type: 'Dataplane', mesh: 'default', name: 'backend-1', networking: { address: '127.0.7.1', inbound: [{ port: await freePort(), servicePort: app.port, tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' } }] } } }));
    await waitFor(async () => ((await (await fetch(`${global.apiUrl}/meshes/default/dataplanes`)).json()) as { total: number }).total === 1, { what: 'backend-1 at global' });
    // inspect --type=stats reads backend-1's Envoy on its admin listener, which comes with its configuration.
    await waitFor(async () => (await fetch(`${zone.apiUrl}/meshes/default/dataplanes/backend-1/stats`)).status === 200, { what: "backend-1's Envoy admin listener" });
  });
  afterAll(async () => {
    for (const d of disposables.reverse()) await d[Symbol.asyncDispose]();
    await zone?.[Symbol.asyncDispose]();
    await global?.[Symbol.asyncDispose]();
  });

  it('answers every request of every recorded command as it did when kumactl succeeded', async () => {
    expect(recording.commands.length).toBeGreaterThanOrEqual(61);
    for (const c of recording.commands) {
      expect(c.exitCode, c.command).toBe(0);
      const base = c.target === 'global' ? global.apiUrl : zone.apiUrl;
      for (const r of c.requests) {
        const res = await fetch(`${base}${r.path}`, { method: r.method, ...(r.contentType ? { headers: { 'content-type': r.contentType } } : {}), ...(r.body ? { body: r.body } : {}) });
        const text = await res.text();
        expect(res.status, `${c.command}: ${r.method} ${r.path} → ${text.slice(0, 300)}`).toBe(r.status);
      }
    }
  });

  it("passes kumactl's product check and shows Kuma's fields", async () => {
    const index = (await (await fetch(`${global.apiUrl}/`)).json()) as Record<string, unknown>;
    expect(index).toMatchObject({ product: 'Kuma', version: '2.14.3', meshwork: { product: 'Meshwork' } });
    const mesh = (await (await fetch(`${global.apiUrl}/meshes/default`)).json()) as Record<string, unknown>;
    expect(mesh.kri).toBe('kri_m____default_');
    const zones = (await (await fetch(`${global.apiUrl}/zones/_overview`)).json()) as { items: { zoneInsight: { subscriptions: { version: { kumaCp: { version: string } }; config: string }[] } }[] };
    const sub = zones.items[0]!.zoneInsight.subscriptions.at(-1)!;
    expect(sub.version.kumaCp.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(JSON.parse(sub.config)).toMatchObject({ store: { type: 'memory' } });
    const dps = (await (await fetch(`${zone.apiUrl}/meshes/default/dataplanes/_overview`)).json()) as { items: { dataplaneInsight: { subscriptions: { version: { kumaDp: { version: string }; envoy: { version: string } } }[] } }[] };
    expect(dps.items[0]!.dataplaneInsight.subscriptions.at(-1)!.version).toMatchObject({ kumaDp: { version: expect.any(String) }, envoy: { version: expect.stringMatching(/^1\.\d+\.\d+$/) } });
  });
});
