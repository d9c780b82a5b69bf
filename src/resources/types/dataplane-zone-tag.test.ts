import { describe, expect, it } from 'vitest';
import { isMeshworkError } from '../../core/errors.ts';
import { withZoneTag, type DataplaneSpec } from './dataplane.ts';

describe('kuma.io/zone on the inbounds of a named zone\'s Dataplanes', () => {
  const spec: DataplaneSpec = { networking: { address: '10.0.0.1', inbound: [{ port: 80, tags: { 'kuma.io/service': 'web' } }, { port: 81, tags: { 'kuma.io/service': 'web-admin', 'kuma.io/zone': 'east' } }] } };

  it('adds the zone to every inbound, keeps a matching one, and leaves standalone zones alone', () => {
    expect(withZoneTag(spec, 'east').networking.inbound!.map((ib) => ib.tags?.['kuma.io/zone'])).toEqual(['east', 'east']);
    expect(withZoneTag(spec, undefined)).toBe(spec);
  });

  it('refuses another zone, naming the field', () => {
    try {
      withZoneTag(spec, 'west', 'dataplane');
      expect.unreachable();
    } catch (err) {
      expect(isMeshworkError(err, 'INVALID_RESOURCE') && err.invalidParameters.map((p) => p.field)).toEqual(['dataplane.networking.inbound[1].tags["kuma.io/zone"]']);
    }
  });
});
