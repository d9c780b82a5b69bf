import { describe, expect, it } from 'vitest';
import { isMeshworkError } from '../core/errors.ts';
import { registry } from './all.ts';
import { parseDocument, renderDocument } from './document.ts';

const parse = (doc: unknown, maxBytes = 1024 * 1024) => parseDocument(doc, registry, { maxBytes });

function violations(doc: unknown): { code: string; fields: string[] } {
  try {
    parse(doc);
  } catch (err) {
    if (isMeshworkError(err)) return { code: err.code, fields: err.invalidParameters.map((p) => p.field) };
    throw err;
  }
  return { code: 'OK', fields: [] };
}

describe('parseDocument', () => {
  it('reads inline specs (Mesh, Dataplane) and nested specs (policies)', () => {
    const dp = parse({ type: 'Dataplane', mesh: 'default', name: 'backend-1', networking: { address: '10.0.0.5', inbound: [{ port: 8080, servicePort: 80, tags: { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' } }], outbound: [{ port: 10001, tags: { 'kuma.io/service': 'web' } }] } });
    expect(dp.input).toMatchObject({ type: 'Dataplane', mesh: 'default', name: 'backend-1', labels: {} });
    expect(dp.input.spec).toHaveProperty('networking.address', '10.0.0.5');
    const zi = parse({ type: 'ZoneIngress', name: 'zi-1', networking: { address: '10.0.0.9', port: 10001, advertisedAddress: '35.1.2.3', advertisedPort: 10001 }, availableServices: [{ mesh: 'default', tags: { 'kuma.io/service': 'backend', 'kuma.io/zone': 'zone-1' }, instances: 2 }] });
    expect(zi.input.mesh).toBeUndefined();
  });

  it('reports envelope and spec violations together', () => {
    expect(violations({ type: 'Dataplane', name: 'Bad Name!', networking: { address: '10.0.0.5', inbound: [{ port: 8080, tags: { version: 'v1' } }, { port: 8080, tags: { 'kuma.io/service': 'b', 'kuma.io/protocol': 'udp' } }] }, extra: 1 })).toEqual({
      code: 'INVALID_RESOURCE',
      fields: ['name', 'mesh', 'networking.inbound[0].tags["kuma.io/service"]', 'networking.inbound[1].tags["kuma.io/protocol"]', 'networking.inbound[1].port', 'extra'],
    });
  });

  it('refuses a missing or unknown type, a mesh on a global type, and a missing spec', () => {
    expect(violations({ name: 'x' })).toEqual({ code: 'INVALID_RESOURCE', fields: ['type'] });
    expect(violations({ type: 'Meshh', name: 'x' })).toEqual({ code: 'INVALID_RESOURCE', fields: ['type'] });
    expect(violations({ type: 'Zone', name: 'z', mesh: 'default' })).toEqual({ code: 'INVALID_RESOURCE', fields: ['mesh'] });
    expect(violations({ type: 'MeshTimeout', name: 't', mesh: 'default' })).toEqual({ code: 'INVALID_RESOURCE', fields: ['spec'] });
    expect(violations({ type: 'Mesh', name: 'm', labels: { 'bad key!': 'x' } }).fields).toEqual(['labels["bad key!"]']);
    expect(violations(['not', 'a', 'mapping'])).toEqual({ code: 'INVALID_RESOURCE', fields: [''] });
  });

  it('checks Mesh mTLS backends', () => {
    expect(violations({ type: 'Mesh', name: 'm', mtls: { enabledBackend: 'ca-2', backends: [{ name: 'ca-1', type: 'builtin', conf: { caCert: { RSAbits: 1024 } } }] } }).fields).toEqual([
      'mtls.backends[0].conf.caCert.RSAbits',
      'mtls.enabledBackend',
    ]);
    expect(violations({ type: 'Mesh', name: 'm', mtls: { backends: [{ name: 'ca-1', type: 'vault', mode: 'strict' }] } }).fields).toEqual(['mtls.backends[0].type', 'mtls.backends[0].mode']);
  });

  it('refuses an oversized document naming its largest field', () => {
    expect(() => parse({ type: 'Mesh', name: 'm', labels: { a: 'x'.repeat(2000) } }, 1000)).toThrow(/limit is 1000 bytes/);
    try {
      parse({ type: 'Secret', mesh: 'default', name: 's', data: 'QQ=='.repeat(1000) }, 1000);
    } catch (err) {
      expect(isMeshworkError(err, 'RESOURCE_TOO_LARGE') && err.invalidParameters[0]!.field).toBe('data');
    }
  });

  it('renders in Kuma key order and round-trips', () => {
    const { descriptor, input } = parse({ type: 'MeshTimeout', name: 't', mesh: 'default', labels: { a: 'b' }, spec: { to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '1s' } }] } });
    const doc = renderDocument({ ...input, creationTime: 'c', modificationTime: 'm', version: '1' }, descriptor);
    expect(Object.keys(doc)).toEqual(['type', 'mesh', 'name', 'creationTime', 'modificationTime', 'labels', 'kri', 'spec']);
    expect(parse(doc).input).toEqual(input);
    // Labels of the control plane's own are not shown.
    expect(renderDocument({ ...input, labels: { a: 'b', 'meshwork.io/lifecycle': 'dp' }, creationTime: 'c', modificationTime: 'm', version: '1' }, descriptor).labels).toEqual({ a: 'b' });
  });
});
