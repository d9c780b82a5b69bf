import { describe, expect, it } from 'vitest';
import { registry } from '../../resources/all.ts';
import { toZone } from '../directions.ts';
import { generateKeyPairSync } from 'node:crypto';
import { startsZonePush } from './kds-server.ts';

describe('what starts a push to zones', () => {
  const starts = startsZonePush(registry);
  const change = (...types: string[]) => ({ resync: false, keys: types.map((type) => ({ type, mesh: 'default', name: 'x' })) });

  it('a policy, a mesh, a secret, a zone ingress or a zone does', () => {
    for (const type of ['MeshTimeout', 'Mesh', 'Secret', 'ZoneIngress', 'Zone']) expect(starts(change(type)), type).toBe(true);
    expect(starts(change('DataplaneInsight', 'MeshTimeout'))).toBe(true);
  });

  it('what zones send up (dataplanes, their insights, zone insights) does not', () => {
    expect(starts(change('Dataplane', 'DataplaneInsight', 'ZoneIngressInsight', 'ZoneInsight'))).toBe(false);
  });

  it('a resync always does', () => {
    expect(starts({ resync: true, keys: [] })).toBe(true);
  });
});

describe('the signing key zones get', () => {
  it('is the public half of the key, the same on every push', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const data = Buffer.from(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()).toString('base64');
    const secret = { type: 'GlobalSecret', name: 'zone-token-signing-key-1', labels: {}, spec: { data }, creationTime: '', modificationTime: '', version: '1' };
    const d = registry.get('GlobalSecret')!;
    const pems = [toZone(d, secret, 'zone-1', new Set()), toZone(d, secret, 'zone-2', new Set())].map((env) => Buffer.from((env!.spec as { data: string }).data, 'base64').toString());
    expect(pems[0]).toBe(publicKey.export({ type: 'spki', format: 'pem' }).toString());
    expect(pems[1]).toBe(pems[0]);
    expect(toZone(d, { ...secret, spec: { data: Buffer.from('not a key').toString('base64') } }, 'zone-1', new Set())).toBeUndefined();
  });
});
