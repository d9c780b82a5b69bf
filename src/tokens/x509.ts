import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// X.509 helpers on Node's WebCrypto: ECDSA P-256 keys, PEM in and out.

x509.cryptoProvider.set(webcrypto as never);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface PemPair {
  cert: string;
  key: string;
}

async function keyToPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1');
}

/** A self-signed server certificate for `hostnames` (DNS names and IP addresses). */
export async function selfSignedServerCert(options: { commonName: string; hostnames: string[]; validDays: number }): Promise<PemPair> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const isIp = (h: string) => /^[\d.]+$/.test(h) || h.includes(':');
  const notBefore = new Date(Date.now() - 60_000);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${options.commonName}`,
    notBefore,
    notAfter: new Date(notBefore.getTime() + options.validDays * 86_400_000),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(options.hostnames.map((h) => ({ type: isIp(h) ? 'ip' : 'dns', value: h }))),
    ],
  });
  return { cert: cert.toString('pem'), key: await keyToPem(keys.privateKey) };
}

async function importKey(pem: string): Promise<webcrypto.CryptoKey> {
  const der = x509.PemConverter.decode(pem)[0]!;
  return webcrypto.subtle.importKey('pkcs8', der, ALG, true, ['sign']);
}

/**
 * A CA, self-signed, allowed to sign leaf certificates only: a mesh's (URI SAN spiffe://<mesh>),
 * or another of the control plane's own (`commonName`: the Envoy admin CA).
 */
export async function createCa(options: { mesh: string; validMs: number } | { commonName: string; validMs: number }): Promise<PemPair> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const notBefore = new Date(Date.now() - 60_000);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'mesh' in options ? `O=Meshwork, OU=${options.mesh}, CN=${options.mesh} CA` : `O=Meshwork, CN=${options.commonName}`,
    notBefore,
    notAfter: new Date(notBefore.getTime() + options.validMs),
    signingAlgorithm: ALG,
    keys: keys as never,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      ...('mesh' in options ? [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `spiffe://${options.mesh}` }])] : []),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
    ],
  });
  return { cert: cert.toString('pem'), key: await keyToPem(keys.privateKey) };
}

/** A subject alternative name: a DNS name, an IP address, or a URI (SPIFFE id). */
export type San = { dns: string } | { ip: string } | { uri: string };

/** A certificate signed by `ca`: a leaf for TLS servers, clients, or both (workloads). */
export async function issueCert(ca: PemPair, options: { sans: San[]; validMs: number; commonName: string; usage: 'server' | 'client' | 'both' }): Promise<PemPair & { notAfter: Date }> {
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await importKey(ca.key);
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + options.validMs);
  const usages = { server: [x509.ExtendedKeyUsage.serverAuth], client: [x509.ExtendedKeyUsage.clientAuth], both: [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth] }[options.usage];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${options.commonName}`,
    issuer: caCert.subject,
    notBefore,
    notAfter,
    signingAlgorithm: ALG,
    publicKey: keys.publicKey as never,
    signingKey: caKey as never,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension(usages),
      new x509.SubjectAlternativeNameExtension(options.sans.map((s) => ('dns' in s ? { type: 'dns' as const, value: s.dns } : 'ip' in s ? { type: 'ip' as const, value: s.ip } : { type: 'url' as const, value: s.uri }))),
      await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
    ],
  });
  return { cert: cert.toString('pem'), key: await keyToPem(keys.privateKey), notAfter };
}

/** A workload certificate signed by `ca`, with the given URI SANs (SPIFFE ids). */
export function issueWorkloadCert(ca: PemPair, options: { uris: string[]; validMs: number; commonName: string }): Promise<PemPair & { notAfter: Date }> {
  return issueCert(ca, { sans: options.uris.map((uri) => ({ uri })), validMs: options.validMs, commonName: options.commonName, usage: 'both' });
}
