import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCa, issueWorkloadCert, selfSignedServerCert } from './x509.ts';

describe('selfSignedServerCert', () => {
  it('makes a certificate Node accepts, with the requested names and validity', async () => {
    const { cert, key } = await selfSignedServerCert({ commonName: 'meshwork-kds', hostnames: ['localhost', '127.0.0.1', 'global.example'], validDays: 10 });
    const x = new X509Certificate(cert);
    expect(x.subject).toBe('CN=meshwork-kds');
    expect(x.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, DNS:global.example');
    expect(x.checkHost('global.example')).toBe('global.example');
    expect(x.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x.verify(x.publicKey)).toBe(true);
    const days = (Date.parse(x.validTo) - Date.parse(x.validFrom)) / 86_400_000;
    expect(Math.round(days)).toBe(10);
    expect(key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });
});

describe('mesh CA', () => {
  it('issues workload certificates with SPIFFE URI SANs that verify against the CA', async () => {
    const ca = await createCa({ mesh: 'default', validMs: 365 * 86_400_000 });
    const caCert = new X509Certificate(ca.cert);
    expect(caCert.ca).toBe(true);
    expect(caCert.subjectAltName).toBe('URI:spiffe://default');
    const leaf = await issueWorkloadCert(ca, { uris: ['spiffe://default/backend'], validMs: 3_600_000, commonName: 'backend' });
    const x = new X509Certificate(leaf.cert);
    expect(x.ca).toBe(false);
    expect(x.subjectAltName).toBe('URI:spiffe://default/backend');
    expect(x.verify(caCert.publicKey)).toBe(true);
    expect(x.checkIssued(caCert)).toBe(true);
    expect(Math.abs(Date.parse(x.validTo) - leaf.notAfter.getTime())).toBeLessThan(1000);
    const other = await createCa({ mesh: 'other', validMs: 86_400_000 });
    expect(x.verify(new X509Certificate(other.cert).publicKey)).toBe(false);
  });
});
