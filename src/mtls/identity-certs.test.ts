import { describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { createCa } from '../tokens/x509.ts';
import { IdentityCertManager, kumaTagUri, renewAfterMs } from './identity-certs.ts';

describe('workload certificates', () => {
  it.each([
    [24 * 3600_000, 69_120_000], // 80% of a day
    [10_000, 8_000], // 20% is the 2 s floor
    [4_000, 2_000], // 2 s before expiry
    [1_000, 500], // never before half of it
  ])('a certificate valid %i ms is reissued after %i ms', (valid, renew) => {
    expect(renewAfterMs(valid)).toBe(renew);
  });

  it('keeps a certificate until it is due, and reissues when the CA or the services change', async () => {
    const issued: string[] = [];
    const certs = new IdentityCertManager((nodeId) => issued.push(nodeId));
    const ca = await createCa({ mesh: 'default', validMs: 3600_000 });
    const first = await certs.ensure('default.web-1', 'default', ca, ['web'], 3600_000);
    expect(await certs.ensure('default.web-1', 'default', ca, ['web'], 3600_000)).toBe(first);
    expect(first.renewAt.getTime() - Date.now()).toBeGreaterThan(0.79 * 3600_000);
    const other = await certs.ensure('default.web-1', 'default', ca, ['web', 'web-admin'], 3600_000);
    expect(other).not.toBe(first);
    const newCa = await createCa({ mesh: 'default', validMs: 3600_000 });
    expect(await certs.ensure('default.web-1', 'default', newCa, ['web', 'web-admin'], 3600_000)).not.toBe(other);
    expect(issued).toEqual(['default.web-1', 'default.web-1', 'default.web-1']);
  });

  it('carries the SPIFFE id first, then kuma://<tag>/<value> for the inbounds\' other tags (odd values percent-encoded)', async () => {
    const ca = await createCa({ mesh: 'default', validMs: 3600_000 });
    const tags: Record<string, string>[] = [{ 'kuma.io/service': 'web', version: 'v1', 'kuma.io/zone': 'zone-1' }, { 'kuma.io/service': 'web', team: 'a b/ü' }];
    const cert = await new IdentityCertManager().ensure('default.web-1', 'default', ca, ['web'], 3600_000, tags);
    const sans = new X509Certificate(cert.cert).subjectAltName!.split(', ');
    expect(sans).toEqual(['URI:spiffe://default/web', `URI:${kumaTagUri('kuma.io/zone', 'zone-1')}`, 'URI:kuma://team/a%20b%2F%C3%BC', 'URI:kuma://version/v1']);
    expect(kumaTagUri('kuma.io/zone', 'zone-1')).toBe('kuma://kuma.io/zone/zone-1');
  });
});
