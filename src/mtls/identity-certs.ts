import { createHash } from 'node:crypto';
import { issueWorkloadCert, type PemPair } from '../tokens/x509.ts';

// Workload certificates of the proxies of one zone CP: issued from the mesh CA with SAN
// spiffe://<mesh>/<service> per inbound service, kept in memory, and reissued once 80% of
// their lifetime has passed (at least 2 s before expiry, at most halfway, so that a busy CP
// still delivers the new one in time) or when the CA or the proxy's services change.

export interface IdentityCert extends PemPair {
  notAfter: Date;
  renewAt: Date;
}

export const spiffeId = (mesh: string, service: string) => `spiffe://${mesh}/${service}`;

/** When to reissue a certificate valid for validMs: at 80% of its life, but leaving at least 2 s (and at most half of it). */
export function renewAfterMs(validMs: number): number {
  return Math.max(validMs * 0.5, validMs - Math.max(validMs * 0.2, 2000));
}

export class IdentityCertManager {
  readonly #certs = new Map<string, { fingerprint: string; cert: IdentityCert }>();
  readonly #onIssued: ((nodeId: string, cert: IdentityCert) => void) | undefined;
  issued = 0;

  constructor(onIssued?: (nodeId: string, cert: IdentityCert) => void) {
    this.#onIssued = onIssued;
  }

  /** The proxy's current certificate, issuing a new one when needed. */
  async ensure(nodeId: string, mesh: string, ca: PemPair, services: string[], validMs: number): Promise<IdentityCert> {
    const uris = [...new Set(services)].sort().map((s) => spiffeId(mesh, s));
    const fingerprint = createHash('sha256').update(ca.cert).update(uris.join(',')).update(String(validMs)).digest('hex');
    const held = this.#certs.get(nodeId);
    if (held && held.fingerprint === fingerprint && Date.now() < held.cert.renewAt.getTime()) return held.cert;
    const issued = await issueWorkloadCert(ca, { uris, validMs, commonName: services[0] ?? nodeId });
    const cert: IdentityCert = { ...issued, renewAt: new Date(Date.now() + renewAfterMs(validMs)) };
    this.#certs.set(nodeId, { fingerprint, cert });
    this.issued++;
    this.#onIssued?.(nodeId, cert);
    return cert;
  }

  forget(nodeId: string): void {
    this.#certs.delete(nodeId);
  }
}
