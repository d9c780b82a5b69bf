import { describe, expect, it } from 'vitest';
import { applyJsonPatch, snakeKeys } from './json-patch.ts';

describe('JSON Patch for MeshProxyPatch', () => {
  it('applies RFC 6902 operations, with camelCase pointers matched to snake_case fields', () => {
    const doc = { name: 'c', connect_timeout: '5s', hosts: [{ a: 1 }] };
    expect(
      applyJsonPatch(doc, [
        { op: 'replace', path: '/connectTimeout', value: '2s' },
        { op: 'add', path: '/hosts/-', value: { b: 2 } },
        { op: 'copy', from: '/name', path: '/altName' },
        { op: 'move', from: '/hosts/0', path: '/first' },
        { op: 'test', path: '/name', value: 'c' },
        { op: 'remove', path: '/name' },
      ]),
    ).toEqual({ connect_timeout: '2s', hosts: [{ b: 2 }], alt_name: 'c', first: { a: 1 } });
    expect(doc.name).toBe('c');
    expect(() => applyJsonPatch(doc, [{ op: 'test', path: '/name', value: 'x' }])).toThrow(/test failed/);
    expect(() => applyJsonPatch(doc, [{ op: 'add', path: '/missing/deeper', value: 1 }])).toThrow(/does not exist/);
  });

  it('converts Envoy camelCase keys but leaves @type and dotted map keys alone', () => {
    expect(snakeKeys({ connectTimeout: '1s', typedConfig: { '@type': 'x' }, 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { explicitHttpConfig: {} } })).toEqual({
      connect_timeout: '1s',
      typed_config: { '@type': 'x' },
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { explicit_http_config: {} },
    });
  });
});
