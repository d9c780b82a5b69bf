import { isIP } from 'node:net';
import { isMeshworkError } from '../core/errors.ts';
import type { ResourceStore } from '../store/store.ts';
import { createCa, issueCert, type PemPair } from '../tokens/x509.ts';

// The Envoy admin CA of a zone control plane, as Kuma's (pkg/envoy/admin/tls): a CA kept in
// the zone's own global secret `envoy-admin-ca` (never synced over KDS, so every zone has its
// own, shared by its CP instances). It signs each proxy's admin server certificate, for the
// mTLS listener Envoy opens on the proxy's address and admin port, and the one client
// certificate the control plane presents there to read /config_dump, /stats and /clusters.

export const ENVOY_ADMIN_CA_SECRET = 'envoy-admin-ca';
/** The SAN of the control plane's client certificate, the only client the admin listener admits. */
export const ENVOY_ADMIN_CLIENT_SAN = 'meshwork-cp';

const TEN_YEARS_MS = 10 * 365 * 86_400_000;

/** The server certificate of one proxy's admin listener, with the CA clients are checked against. */
export interface EnvoyAdminServerTls extends PemPair {
  caCert: string;
}

export class EnvoyAdminTls {
  readonly #store: ResourceStore;
  #ca: Promise<PemPair> | undefined;
  #client: Promise<PemPair> | undefined;
  /** Server certificates by the addresses they cover: a proxy's config is stable across builds. */
  readonly #servers = new Map<string, Promise<EnvoyAdminServerTls>>();

  constructor(store: ResourceStore) {
    this.#store = store;
  }

  /** The CA: read from the store, or created there on first use (another instance may win the race). */
  ca(): Promise<PemPair> {
    this.#ca ??= this.#loadOrCreate().catch((err: unknown) => {
      this.#ca = undefined;
      throw err;
    });
    return this.#ca;
  }

  async #loadOrCreate(): Promise<PemPair> {
    const key = { type: 'GlobalSecret', name: ENVOY_ADMIN_CA_SECRET } as const;
    for (let attempt = 0; ; attempt++) {
      try {
        return parseCa((await this.#store.get(key)).spec as { data?: string });
      } catch (err) {
        if (!isMeshworkError(err, 'NOT_FOUND')) throw err;
      }
      const ca = await createCa({ commonName: 'Envoy Admin CA', validMs: TEN_YEARS_MS });
      try {
        await this.#store.create({ ...key, labels: {}, spec: { data: Buffer.from(ca.cert + ca.key).toString('base64') } });
        return ca;
      } catch (err) {
        if (!isMeshworkError(err, 'ALREADY_EXISTS') || attempt > 0) throw err;
      }
    }
  }

  /** The certificate of the admin listener on `addresses` (the proxy's address, and its advertised one). */
  serverCert(addresses: readonly string[]): Promise<EnvoyAdminServerTls> {
    const id = addresses.join(',');
    let cert = this.#servers.get(id);
    if (!cert) {
      cert = this.ca().then(async (ca) => ({ ...(await issueCert(ca, { sans: addresses.map((a) => (isIP(a) ? { ip: a } : { dns: a })), commonName: addresses[0] ?? 'envoy-admin', validMs: TEN_YEARS_MS, usage: 'server' })), caCert: ca.cert }));
      cert.catch(() => this.#servers.delete(id));
      this.#servers.set(id, cert);
    }
    return cert;
  }

  /** The control plane's client certificate, with the CA server certificates are checked against. */
  async client(): Promise<PemPair & { caCert: string }> {
    const ca = await this.ca();
    this.#client ??= issueCert(ca, { sans: [{ dns: ENVOY_ADMIN_CLIENT_SAN }], commonName: ENVOY_ADMIN_CLIENT_SAN, validMs: TEN_YEARS_MS, usage: 'client' }).catch((err: unknown) => {
      this.#client = undefined;
      throw err;
    });
    return { ...(await this.#client), caCert: ca.cert };
  }
}

/** Kuma's format: the certificate PEM followed by the key PEM, base64-encoded. */
function parseCa(spec: { data?: string }): PemPair {
  const text = Buffer.from(spec.data ?? '', 'base64').toString('utf8');
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/.exec(text)?.[0];
  const key = /-----BEGIN (?:EC |RSA )?PRIVATE KEY-----[\s\S]+?-----END (?:EC |RSA )?PRIVATE KEY-----\n?/.exec(text)?.[0];
  if (!cert || !key) throw new Error(`the global secret ${ENVOY_ADMIN_CA_SECRET} holds no certificate and key in PEM`);
  return { cert, key };
}
