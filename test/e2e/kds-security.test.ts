import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedServerCert } from '../../src/tokens/x509.ts';
import { startControlPlane, type ControlPlaneProcess } from '../helpers/control-plane.ts';
import { meshctl } from '../helpers/meshctl.ts';
import { waitFor } from '../helpers/wait.ts';

// KDS security with real processes: TLS verification and zone tokens. Refusals are
// observed in the zone's own log and in global's zone list, which never shows the zone.

describe('KDS security: TLS and zone tokens', () => {
  let global: ControlPlaneProcess;
  const cli = meshctl();
  let caFile: string;
  const started: ControlPlaneProcess[] = [];

  const zone = async (name: string, env: Record<string, string>) => {
    const cp = await startControlPlane({ mode: 'zone', env: { MESHWORK_ZONE_NAME: name, MESHWORK_GLOBAL_ADDRESS: `grpcs://${global.kdsHostPort}`, MESHWORK_KDS_RECONNECT_MAX_MS: '500', ...env } });
    started.push(cp);
    return cp;
  };
  const zones = async () => ((await (await fetch(`${global.apiUrl}/zones`)).json()) as { items: { name: string }[] }).items.map((z) => z.name);

  beforeAll(async () => {
    global = await startControlPlane({ mode: 'global' });
    expect((await cli.run(['config', 'control-planes', 'add', '--name', 'global', '--address', global.apiUrl])).code).toBe(0);
    caFile = await cli.kdsCaFile();
  });

  afterAll(async () => {
    for (const cp of started) await cp[Symbol.asyncDispose]();
    await global?.[Symbol.asyncDispose]();
  });

  it('accepts a zone with its own token and the pinned CA', async () => {
    const z = await zone('zone-1', { MESHWORK_KDS_CA_FILE: caFile, MESHWORK_ZONE_TOKEN_FILE: await cli.zoneTokenFile('zone-1') });
    await waitFor(async () => (await cli.run(['get', 'zones'])).stdout.match(/zone-1\s+Online/), { what: 'zone-1 online' });
    const overview = (await (await fetch(`${global.apiUrl}/zones/_overview`)).json()) as { items: { name: string; zoneInsight: { subscriptions: { authenticationType: string }[] } }[] };
    expect(overview.items.find((i) => i.name === 'zone-1')!.zoneInsight.subscriptions.at(-1)!.authenticationType).toBe('zoneToken');
    await waitFor(() => /in sync with global/.test(z.output()), { what: 'the zone to log that it is in sync' });
  });

  it('refuses a zone presenting another zone\'s token', async () => {
    const z = await zone('zone-2', { MESHWORK_KDS_CA_FILE: caFile, MESHWORK_ZONE_TOKEN_FILE: await cli.zoneTokenFile('zone-1') });
    await waitFor(() => z.output().includes('the zone token was issued for zone \\"zone-1\\", not \\"zone-2\\"'), { what: 'the refusal in the zone log' });
    expect(await zones()).not.toContain('zone-2');
  });

  it('refuses a zone without a token', async () => {
    const z = await zone('zone-3', { MESHWORK_KDS_CA_FILE: caFile });
    await waitFor(() => z.output().includes('sent no zone token'), { what: 'the refusal in the zone log' });
    expect(await zones()).not.toContain('zone-3');
  });

  it('refuses to talk to a global whose certificate does not match the pinned CA', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'other-ca-'));
    const other = await selfSignedServerCert({ commonName: 'not-global', hostnames: ['127.0.0.1'], validDays: 1 });
    writeFileSync(join(dir, 'ca.pem'), other.cert);
    const z = await zone('zone-4', { MESHWORK_KDS_CA_FILE: join(dir, 'ca.pem'), MESHWORK_ZONE_TOKEN_FILE: await cli.zoneTokenFile('zone-4') });
    const tlsFailure = (line: string) => line.includes('KDS connection to global ended') && /self-signed certificate|unable to verify|certificate/i.test(line);
    await waitFor(() => z.output().split('\n').some(tlsFailure), { what: 'a TLS verification failure in the zone log' });
    expect(await zones()).not.toContain('zone-4');
  });

  it('connects with explicit skip-verify, and says so', async () => {
    const z = await zone('zone-5', { MESHWORK_KDS_TLS_SKIP_VERIFY: 'true', MESHWORK_ZONE_TOKEN_FILE: await cli.zoneTokenFile('zone-5') });
    await waitFor(async () => (await zones()).includes('zone-5'), { what: 'zone-5 registered' });
    expect(z.output()).toMatch(/certificate of global is NOT verified/);
  });

  it('validates zone token requests', async () => {
    const bad = await cli.run(['generate', 'zone-token', '--zone', 'zone-1', '--valid-for', 'forever']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/\* validFor: invalid duration "forever"/);
    const remote = await fetch(`${global.apiUrl}/tokens/zone`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer wrong' }, body: '{"zone":"z","validFor":"1h"}' });
    expect(remote.status).toBe(401);
  });
});
