import { describe, expect, it } from 'vitest';
import { selectorTags, tagsHeaderRegex, tagsHeaderValue } from './source-tags.ts';

describe('caller tags (x-kuma-tags)', () => {
  const header = tagsHeaderValue({
    networking: {
      address: '10.0.0.1',
      inbound: [
        { port: 80, tags: { 'kuma.io/service': 'web', version: 'v2', 'kuma.io/protocol': 'http' } },
        { port: 81, tags: { 'kuma.io/service': 'web-admin', version: 'v2' } },
      ],
    },
  });

  it('serializes every inbound\'s tags, keys sorted, several values joined', () => {
    expect(header).toBe('&kuma.io/protocol=http&kuma.io/service=web,web-admin&version=v2&');
    expect(tagsHeaderValue({ networking: { address: '10.0.0.1', inbound: [] } })).toBe('');
  });

  it.each<[string, Record<string, string>, boolean]>([
    ['a service among several', { 'kuma.io/service': 'web' }, true],
    ['the other service', { 'kuma.io/service': 'web-admin' }, true],
    ['service and tag', { 'kuma.io/service': 'web', version: 'v2' }, true],
    ['a prefix of a value is not the value', { 'kuma.io/service': 'we' }, false],
    ['a wrong tag value', { 'kuma.io/service': 'web', version: 'v1' }, false],
    ['a dot is not a wildcard', { 'kuma.io/service': 'web', 'kuma-io/protocol': 'http' }, false],
  ])('matches %s: %j → %s', (_name, tags, expected) => {
    // Envoy's safe_regex is a full match, as ^…$ here.
    expect(new RegExp(`^${tagsHeaderRegex(tags)}$`).test(header)).toBe(expected);
  });

  it('reads the tags a from selector requires', () => {
    expect(selectorTags({ kind: 'Mesh' })).toBeUndefined();
    expect(selectorTags({ kind: 'MeshService', name: 'web' })).toEqual({ 'kuma.io/service': 'web' });
    expect(selectorTags({ kind: 'MeshServiceSubset', name: 'web', tags: { version: 'v2' } })).toEqual({ 'kuma.io/service': 'web', version: 'v2' });
    expect(selectorTags({ kind: 'MeshSubset', tags: { team: 'a' } })).toEqual({ team: 'a' });
  });
});
