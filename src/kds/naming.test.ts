import { describe, expect, it } from 'vitest';
import { fnv64a, hashedName } from './naming.ts';

describe('KDS names', () => {
  it('fnv64a matches the published FNV-1a 64-bit test vectors', () => {
    expect(fnv64a('').toString(16)).toBe('cbf29ce484222325');
    expect(fnv64a('a').toString(16)).toBe('af63dc4c8601ec8c');
    expect(fnv64a('foobar').toString(16)).toBe('85944171f73967e8');
    // Concatenation: hashing parts equals hashing the joined string.
    expect(fnv64a('foo', 'bar')).toBe(fnv64a('foobar'));
  });

  it('suffixes a 16-character hash in the safe alphabet, stable and distinct per input', () => {
    const a = hashedName('default', 'backend-timeouts');
    expect(a).toMatch(/^backend-timeouts-[bcdfghjklmnpqrstvwxz2456789]{16}$/);
    expect(hashedName('default', 'backend-timeouts')).toBe(a);
    expect(hashedName('other', 'backend-timeouts')).not.toBe(a);
    expect(hashedName('default', 'backend-timeouts', 'zone-1')).not.toBe(a);
  });

  it('maps each hex digit of the hash onto the alphabet by character code', () => {
    // fnv64a('a') = af63dc4c8601ec8c; 'a' (97) % 27 = 16 → 'v', 'f' (102) % 27 = 21 → '4', '6' (54) % 27 = 0 → 'b'.
    expect(hashedName('', 'a').slice(-16, -13)).toBe('v4b');
  });

  it('keeps the result within 253 characters', () => {
    const long = 'x'.repeat(300);
    expect(hashedName('default', long)).toHaveLength(253);
  });
});
