import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import { jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { isMeshworkError, MeshworkError } from '../core/errors.ts';
import type { ResourceKey } from '../resources/resource.ts';
import type { ResourceStore } from '../store/store.ts';

// RS256 JWTs signed with a key kept in a secret (PKCS#8 PEM, base64): a GlobalSecret for
// zone tokens, a Secret of the mesh for dataplane tokens (KDS carries it to zones, which
// verify). Issuers create the key on first use; verifiers only read it.

interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

async function readKey(store: ResourceStore, key: ResourceKey): Promise<KeyPair | undefined> {
  try {
    const r = await store.get(key);
    const privateKey = createPrivateKey(Buffer.from((r.spec as { data: string }).data, 'base64').toString('utf8'));
    return { privateKey, publicKey: createPublicKey(privateKey) };
  } catch (err) {
    if (isMeshworkError(err, 'NOT_FOUND')) return undefined;
    throw err;
  }
}

/** The signing key at `key`, created if absent. Concurrent first uses agree: the first create wins. */
export async function ensureSigningKey(store: ResourceStore, key: ResourceKey): Promise<KeyPair> {
  const existing = await readKey(store, key);
  if (existing) return existing;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  try {
    await store.create({ ...key, labels: {}, spec: { data: Buffer.from(pem).toString('base64') } });
  } catch (err) {
    if (!isMeshworkError(err, 'ALREADY_EXISTS')) throw err;
  }
  return (await readKey(store, key))!;
}

export async function signToken(store: ResourceStore, key: ResourceKey, claims: Record<string, unknown>, validForMs: number): Promise<string> {
  const { privateKey } = await ensureSigningKey(store, key);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: '1', typ: 'JWT' })
    .setIssuedAt(now)
    .setExpirationTime(now + Math.floor(validForMs / 1000))
    .setJti(randomUUID())
    .sign(privateKey);
}

/** The PEM of the public half of a signing key kept in `data` (what a verifier elsewhere needs). */
export function publicKeyPem(signingKeyData: string): string {
  return createPublicKey(createPrivateKey(Buffer.from(signingKeyData, 'base64').toString('utf8'))).export({ type: 'spki', format: 'pem' }).toString();
}

/** Verifies signature and expiry; throws UNAUTHENTICATED with the reason. */
export async function verifyToken(store: ResourceStore, key: ResourceKey, token: string, what: string): Promise<JWTPayload> {
  const pair = await readKey(store, key);
  if (!pair) throw new MeshworkError('UNAUTHENTICATED', `invalid ${what}: no signing key "${key.name}" yet`);
  return verifyWith(pair.publicKey, token, what);
}

/** As verifyToken, with a public key only (a PEM in the secret's `data`, base64): a verifier that cannot issue. */
export async function verifyTokenWithPublicKey(store: ResourceStore, key: ResourceKey, token: string, what: string): Promise<JWTPayload> {
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey(Buffer.from(((await store.get(key)).spec as { data: string }).data, 'base64').toString('utf8'));
  } catch (err) {
    if (isMeshworkError(err, 'NOT_FOUND')) throw new MeshworkError('UNAUTHENTICATED', `invalid ${what}: no public key "${key.name}" yet`);
    throw err;
  }
  return verifyWith(publicKey, token, what);
}

async function verifyWith(publicKey: KeyObject, token: string, what: string): Promise<JWTPayload> {
  try {
    return (await jwtVerify(token, publicKey, { algorithms: ['RS256'] })).payload;
  } catch (err) {
    throw new MeshworkError('UNAUTHENTICATED', `invalid ${what}: ${(err as Error).message}`, { cause: err });
  }
}
