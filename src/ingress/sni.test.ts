import { describe, expect, it } from 'vitest';
import { parseServiceSni, serviceSni } from './sni.ts';

describe('cross-zone SNI', () => {
  it('is <service>{mesh=…} with keys sorted', () => {
    expect(serviceSni('default', { 'kuma.io/service': 'backend' })).toBe('backend{mesh=default}');
    expect(serviceSni('default', { 'kuma.io/service': 'backend', version: 'v2', app: 'x' })).toBe('backend{app=x,mesh=default,version=v2}');
  });

  it('round-trips through parseServiceSni and refuses malformed names', () => {
    const tags = { 'kuma.io/service': 'backend', version: 'v1' };
    expect(parseServiceSni(serviceSni('m1', tags))).toEqual({ mesh: 'm1', tags });
    expect(parseServiceSni('backend')).toBeUndefined();
    expect(parseServiceSni('backend{version=v1}')).toBeUndefined();
    expect(() => serviceSni('default', {})).toThrow(/kuma.io\/service/);
  });
});
