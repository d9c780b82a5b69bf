import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Config } from '../../core/config/schema.ts';
import { isMeshworkError, MeshworkError } from '../../core/errors.ts';
import type { ResourceStore } from '../../store/store.ts';
import { upsert } from '../../store/upsert.ts';
import { selfSignedServerCert, type PemPair } from '../../tokens/x509.ts';

// The KDS server certificate: the configured PEM files, or a self-signed one generated on
// first start and kept in the global secret `kds-server-tls` (never synced to zones), so
// zones can pin it across restarts. It is regenerated when it expires within 30 days or
// lacks a configured host name.

export const KDS_TLS_SECRET = 'kds-server-tls';

export async function kdsServerCertificate(tls: Config['kds']['tls'], store: ResourceStore): Promise<PemPair & { selfSigned: boolean; fingerprint: string }> {
  const fingerprint = (cert: string) => new X509Certificate(cert).fingerprint256;
  if (tls.certFile && tls.keyFile) {
    try {
      const pair = { cert: readFileSync(tls.certFile, 'utf8'), key: readFileSync(tls.keyFile, 'utf8') };
      return { ...pair, selfSigned: false, fingerprint: fingerprint(pair.cert) };
    } catch (err) {
      throw new MeshworkError('BAD_REQUEST', `cannot read the KDS certificate: ${(err as Error).message}`, { cause: err });
    }
  }
  const names = [...new Set(['localhost', '127.0.0.1', '::1', hostname(), ...tls.hostnames])];
  const key = { type: 'GlobalSecret', name: KDS_TLS_SECRET } as const;
  try {
    const stored = JSON.parse(Buffer.from(((await store.get(key)).spec as { data: string }).data, 'base64').toString('utf8')) as PemPair;
    const x = new X509Certificate(stored.cert);
    const fresh = Date.parse(x.validTo) - Date.now() > 30 * 86_400_000;
    const covers = names.every((n) => (n.includes(':') || /^[\d.]+$/.test(n) ? x.checkIP(n) : x.checkHost(n)) !== undefined);
    if (fresh && covers) return { ...stored, selfSigned: true, fingerprint: x.fingerprint256 };
  } catch (err) {
    if (!isMeshworkError(err, 'NOT_FOUND') && !(err instanceof SyntaxError)) throw err;
  }
  const pair = await selfSignedServerCert({ commonName: 'meshwork-global-kds', hostnames: names, validDays: 3650 });
  await upsert(store, { ...key, labels: {}, spec: { data: Buffer.from(JSON.stringify(pair)).toString('base64') } });
  return { ...pair, selfSigned: true, fingerprint: fingerprint(pair.cert) };
}
