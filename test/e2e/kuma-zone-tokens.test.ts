import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startControlPlane, type ControlPlaneProcess } from '../helpers/control-plane.ts';
import { envoyBinary } from '../helpers/envoy.ts';
import { meshctl } from '../helpers/meshctl.ts';
import { freePort } from '../helpers/ports.ts';
import { MESHWORK_DP, startNode, stopChild } from '../helpers/processes.ts';
import { waitFor } from '../helpers/wait.ts';

// Zone tokens as Kuma 2.x issues them (`kumactl generate zone-token`): Kuma has no "cp" scope,
// its default is ingress and egress. Such a token connects a zone CP over TLS; one scoped to
// ingress connects that zone's ingress (the zone checks it with global's public key, which
// KDS carries under Kuma's name; the signing key never leaves global). Checked by hand with
// the real kumactl 2.14.3; here with the same scopes in the token requests it sends.

describe("Kuma's zone tokens", () => {
  let global: ControlPlaneProcess;
  let zone: ControlPlaneProcess | undefined;
  const cli = meshctl();

  beforeAll(async () => {
    global = await startControlPlane({ mode: 'global' });
    expect((await cli.run(['config', 'control-planes', 'add', '--name', 'global', '--address', global.apiUrl])).code).toBe(0);
  });
  afterAll(async () => {
    await zone?.[Symbol.asyncDispose]();
    await global?.[Symbol.asyncDispose]();
  });

  it("a zone CP connects with kumactl's default scope; an ingress-only token is refused for it and accepted by the zone's ingress", async () => {
    const base = { MESHWORK_ZONE_NAME: 'zone-1', MESHWORK_GLOBAL_ADDRESS: `grpcs://${global.kdsHostPort}`, MESHWORK_KDS_CA_FILE: await cli.kdsCaFile() };
    const refused = await startControlPlane({ mode: 'zone', env: { ...base, MESHWORK_ZONE_TOKEN_FILE: await cli.zoneTokenFile('zone-1', ['ingress']) }, ready: 'listening' });
    const reason = await waitFor(async () => {
      const res = await fetch(`${refused.diagnosticsUrl}/ready`);
      return res.status === 503 ? ((await res.json()) as { reasons: Record<string, string> }).reasons['kds-client'] : undefined;
    }, { what: 'the ingress-only token refused' });
    expect(reason).toMatch(/scoped to ingress: a zone control plane needs/);
    await refused.stop();

    zone = await startControlPlane({ mode: 'zone', env: { ...base, MESHWORK_ZONE_TOKEN_FILE: await cli.zoneTokenFile('zone-1', ['ingress', 'egress']) } });
    await waitFor(async () => ((await (await fetch(`${zone!.apiUrl}/global-secrets`)).json()) as { items: { name: string }[] }).items.some((s) => s.name === 'zone-token-signing-public-key-1'), { what: "global's public key in the zone" });
    const secrets = ((await (await fetch(`${zone.apiUrl}/global-secrets`)).json()) as { items: { name: string }[] }).items.map((s) => s.name);
    expect(secrets).not.toContain('zone-token-signing-key-1');

    const dir = mkdtempSync(join(tmpdir(), 'ingress-'));
    const port = await freePort();
    writeFileSync(join(dir, 'ingress.yaml'), stringify({ type: 'ZoneIngress', name: 'ingress-1', networking: { address: '127.0.0.1', port, advertisedAddress: '127.0.0.1', advertisedPort: port } }));
    const adminPort = await freePort();
    const ingress = startNode(MESHWORK_DP, ['run', '--proxy-type', 'ingress', '--cp-address', zone.dpServerUrl, '--dataplane-file', join(dir, 'ingress.yaml'), '--dataplane-token-file', await cli.zoneTokenFile('zone-1', ['ingress']), '--binary-path', envoyBinary(), '--admin-port', String(adminPort)], {});
    try {
      await waitFor(async () => {
        if (ingress.exitCode !== null) throw new Error(`meshwork-dp exited:\n${ingress.output()}`);
        return (await (await fetch(`http://127.0.0.1:${adminPort}/ready`)).text()).trim() === 'LIVE';
      }, { what: 'the zone ingress running on a Kuma zone token', timeoutMs: 60_000 });
      // And its ZoneIngressInsight is written (kumactl inspect zoneingresses showed it Offline).
      await waitFor(async () => ((await (await fetch(`${global.apiUrl}/zoneingresses/_overview`)).json()) as { items: { zoneIngressInsight: { subscriptions?: { disconnectTime?: string }[] } }[] }).items.some((i) => (i.zoneIngressInsight.subscriptions?.length ?? 0) > 0 && i.zoneIngressInsight.subscriptions?.at(-1)?.disconnectTime === undefined), { what: 'an online ZoneIngressInsight at global' });
    } finally {
      await stopChild(ingress);
    }
  });
});
