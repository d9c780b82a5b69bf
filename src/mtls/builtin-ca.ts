import { parseDuration } from '../core/duration.ts';
import { isMeshworkError } from '../core/errors.ts';
import type { Resource } from '../resources/resource.ts';
import type { MeshSpec } from '../resources/types/mesh.ts';
import type { ResourceCache } from '../store/resource-cache.ts';
import type { ResourceStore } from '../store/store.ts';
import { createCa, type PemPair } from '../tokens/x509.ts';

// The builtin CA of a mesh, kept as two Secrets of the mesh with Kuma's names
// (`<mesh>.ca-builtin-cert-<backend>`, `<mesh>.ca-builtin-key-<backend>`). It is created where
// meshes are authored (global, or a standalone zone); KDS syncs Secrets down, so every zone
// issues certificates from the same CA.

type Backend = NonNullable<NonNullable<MeshSpec['mtls']>['backends']>[number];

export const certSecretName = (mesh: string, backend: string) => `${mesh}.ca-builtin-cert-${backend}`;
export const keySecretName = (mesh: string, backend: string) => `${mesh}.ca-builtin-key-${backend}`;

const TEN_YEARS = 10 * 365 * 86_400_000;
const DAY = 86_400_000;

/** The mesh's enabled mTLS backend when it is builtin. */
export function enabledBuiltinBackend(mesh: MeshSpec): Backend | undefined {
  const name = mesh.mtls?.enabledBackend;
  const backend = mesh.mtls?.backends?.find((b) => b.name === name);
  return backend?.type === 'builtin' ? backend : undefined;
}

export function caValidityMs(backend: Backend): number {
  const exp = (backend.conf as { caCert?: { expiration?: string } } | undefined)?.caCert?.expiration;
  const d = exp ? parseDuration(exp, true) : undefined;
  return d?.ok ? d.ms : TEN_YEARS;
}

export function certValidityMs(backend: Backend): number {
  const exp = backend.dpCert?.rotation?.expiration;
  const d = exp ? parseDuration(exp, true) : undefined;
  return d?.ok && d.ms > 0 ? d.ms : DAY;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

/** Creates the CA of every builtin backend of a mesh that lacks one. Safe to race. */
export async function ensureMeshCas(store: ResourceStore, mesh: Resource<MeshSpec>): Promise<string[]> {
  const created: string[] = [];
  for (const backend of mesh.spec.mtls?.backends ?? []) {
    if (backend.type !== 'builtin') continue;
    const certKey = { type: 'Secret', mesh: mesh.name, name: certSecretName(mesh.name, backend.name) };
    try {
      await store.get(certKey);
      continue;
    } catch (err) {
      if (!isMeshworkError(err, 'NOT_FOUND')) throw err;
    }
    const ca = await createCa({ mesh: mesh.name, validMs: caValidityMs(backend) });
    try {
      // Key first: a reader that sees the certificate always finds its key.
      await store.create({ type: 'Secret', mesh: mesh.name, name: keySecretName(mesh.name, backend.name), labels: {}, spec: { data: b64(ca.key) } });
      await store.create({ ...certKey, labels: {}, spec: { data: b64(ca.cert) } });
      created.push(backend.name);
    } catch (err) {
      if (!isMeshworkError(err, 'ALREADY_EXISTS')) throw err;
    }
  }
  return created;
}

/** The CA of a mesh backend, from the zone's (or global's) cache. */
export function readMeshCa(cache: ResourceCache, mesh: string, backend: string): PemPair | undefined {
  const cert = cache.get({ type: 'Secret', mesh, name: certSecretName(mesh, backend) });
  const key = cache.get({ type: 'Secret', mesh, name: keySecretName(mesh, backend) });
  if (!cert || !key) return undefined;
  return { cert: unb64((cert.spec as { data: string }).data), key: unb64((key.spec as { data: string }).data) };
}
