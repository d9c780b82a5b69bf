import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { isMeshworkError } from '../core/errors.ts';
import type { ResourceStore } from '../store/store.ts';

/**
 * An RS256 signing key kept in a global secret (PKCS#8 PEM, base64), created on first use.
 * Concurrent first uses agree: the first create wins and everyone reads it back.
 */
export async function ensureSigningKey(store: ResourceStore, secretName: string): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  const key = { type: 'GlobalSecret', name: secretName } as const;
  const read = async () => {
    const r = await store.get(key);
    const privateKey = createPrivateKey(Buffer.from((r.spec as { data: string }).data, 'base64').toString('utf8'));
    return { privateKey, publicKey: createPublicKey(privateKey) };
  };
  try {
    return await read();
  } catch (err) {
    if (!isMeshworkError(err, 'NOT_FOUND')) throw err;
  }
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  try {
    await store.create({ ...key, labels: {}, spec: { data: Buffer.from(pem).toString('base64') } });
  } catch (err) {
    if (!isMeshworkError(err, 'ALREADY_EXISTS')) throw err;
  }
  return read();
}
