import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { selfSignedServerCert } from './x509.ts';

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
