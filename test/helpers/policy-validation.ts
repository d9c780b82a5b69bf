import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { expectInvalid, violationsOf } from './validation.ts';

// A policy's validation table: specs (YAML, as users write them) that must be accepted, and
// specs that must be refused with exactly the fields named (Kuma's paths, e.g.
// `spec.to[0].default.http`). The cases are Meshwork's own, written from Kuma 2.14's rules.

export interface ValidCase {
  name: string;
  spec: string;
}

export interface InvalidCase extends ValidCase {
  /** Every field a violation is reported on, each once. */
  fields: string[];
  /** Words the reason of the first field's violation contains (Kuma's message, or ours). */
  reason?: string;
}

const doc = (type: string, spec: string) => ({ type, mesh: 'default', name: 'p', spec: parseYaml(spec) as unknown });

export function policyValidationTable(type: string, cases: { valid: ValidCase[]; invalid: InvalidCase[] }): void {
  describe(`${type} validation`, () => {
    for (const c of cases.valid) {
      it(`accepts: ${c.name}`, () => {
        expect(violationsOf(doc(type, c.spec))).toEqual([]);
      });
    }
    for (const c of cases.invalid) {
      it(`refuses: ${c.name}`, () => {
        const found = expectInvalid(doc(type, c.spec), c.fields);
        if (c.reason) expect(found.find((v) => v.field === c.fields[0])?.reason).toContain(c.reason);
      });
    }
  });
}
