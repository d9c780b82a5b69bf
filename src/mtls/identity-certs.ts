import { createHash } from 'node:crypto';
import { SERVICE_TAG } from '../resources/types/dataplane.ts';
import { issueWorkloadCert, type PemPair } from '../tokens/x509.ts';

// Workload certificates of the proxies of one zone CP: issued from the mesh CA with SAN
// spiffe://<mesh>/<service> per inbound service (and kuma://<tag>/<value> per other inbound
// tag), kept in memory, and reissued once 80% of their lifetime has passed (at least 2 s
// before expiry, at most halfway, so that a busy CP still delivers the new one in time) or
// when the CA or the proxy's services or tags change.

export interface IdentityCert extends PemPair {
  notAfter: Date;
  renewAt: Date;
}

export const spiffeId = (mesh: string, service: string) => `spiffe://${mesh}/${service}`;

/**
 * The URI SAN Kuma gives a proxy for each tag of its inbounds (MeshTrafficPermission matches
 * callers by them). Tags are free text here: anything outside URI-safe characters is
 * percent-encoded (the certificate and the RBAC principal use this same function).
 */
export const kumaTagUri = (tag: string, value: string) => `kuma://${uriSafe(tag)}/${uriSafe(value)}`;
const uriSafe = (s: string) => (/^[A-Za-z0-9._~:/-]*$/.test(s) ? s : encodeURIComponent(s));

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
  async ensure(nodeId: string, mesh: string, ca: PemPair, services: string[], validMs: number, tags: Record<string, string>[] = []): Promise<IdentityCert> {
    // spiffe://<mesh>/<service> first (apps read the first URI as the caller's identity), then
    // kuma://<tag>/<value> for every other tag of the inbounds, as Kuma's certificates have.
    const tagUris = tags.flatMap((t) => Object.entries(t).filter(([k]) => k !== SERVICE_TAG).map(([k, v]) => kumaTagUri(k, v)));
    const uris = [...[...new Set(services)].sort().map((s) => spiffeId(mesh, s)), ...[...new Set(tagUris)].sort()];
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
