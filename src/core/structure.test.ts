import { describe, expect, it } from 'vitest';
import { checkStructure, MAX_NESTING_DEPTH } from './structure.ts';

describe('input structure limits', () => {
  it('accepts ordinary documents', () => {
    expect(checkStructure({ type: 'Mesh', name: 'm', mtls: { backends: [{ name: 'ca', conf: { caCert: { RSAbits: 2048 } } }] } })).toBeUndefined();
    expect(checkStructure('text')).toBeUndefined();
  });

  it('names the field nested too deeply, without exhausting the stack', () => {
    let deep: unknown = [];
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(checkStructure({ spec: deep })).toEqual({ field: `spec${'[0]'.repeat(MAX_NESTING_DEPTH - 1)}`, reason: `is nested more than ${MAX_NESTING_DEPTH} levels deep` });
  });

  it('refuses __proto__ keys wherever they are', () => {
    expect(checkStructure(JSON.parse('{"spec":{"tags":{"__proto__":{"polluted":true}}}}'))).toEqual({ field: 'spec.tags["__proto__"]', reason: 'is not an allowed field name' });
  });
});
