import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { isMeshworkError } from '../../src/core/errors.ts';
import { parseDocument } from '../../src/resources/document.ts';
import { registry } from '../../src/resources/all.ts';

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

/** The violations of a policy document: [] when it is valid. */
export function violations(type: string, spec: unknown): { field: string; reason: string }[] {
  try {
    parseDocument({ type, mesh: 'default', name: 'p', spec }, registry, { maxBytes: 1024 * 1024 });
    return [];
  } catch (err) {
    if (isMeshworkError(err, 'INVALID_RESOURCE')) return err.invalidParameters;
    throw err;
  }
}

export function policyValidationTable(type: string, cases: { valid: ValidCase[]; invalid: InvalidCase[] }): void {
  describe(`${type} validation`, () => {
    for (const c of cases.valid) {
      it(`accepts: ${c.name}`, () => {
        expect(violations(type, parseYaml(c.spec))).toEqual([]);
      });
    }
    for (const c of cases.invalid) {
      it(`refuses: ${c.name}`, () => {
        const found = violations(type, parseYaml(c.spec));
        expect([...new Set(found.map((v) => v.field))].sort()).toEqual([...c.fields].sort());
        if (c.reason) expect(found.find((v) => v.field === c.fields[0])?.reason).toContain(c.reason);
      });
    }
  });
}
