import { expect } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { isMeshworkError, type InvalidParameter } from '../../src/core/errors.ts';
import { registry } from '../../src/resources/all.ts';
import { parseDocument } from '../../src/resources/document.ts';
import type { ResourceInput } from '../../src/resources/resource.ts';

// Validation tables: a resource document (an object, or YAML text) is accepted, or refused
// with exactly the given field paths, as parseDocument reports them to users.

export const MAX_BYTES = 1024 * 1024;

/** A document given as an object, or as YAML text (one document). */
export type DocumentInput = Record<string, unknown> | string;

function toDocument(doc: DocumentInput): unknown {
  return typeof doc === 'string' ? parseYaml(doc) : doc;
}

/** The violations parseDocument reports for the document; [] when it is accepted. Other errors are thrown. */
export function violationsOf(doc: DocumentInput): InvalidParameter[] {
  try {
    parseDocument(toDocument(doc), registry, { maxBytes: MAX_BYTES });
  } catch (err) {
    if (isMeshworkError(err, 'INVALID_RESOURCE')) return err.invalidParameters;
    throw err;
  }
  return [];
}

/** The document is accepted; returns what would be stored. */
export function expectValid(doc: DocumentInput): ResourceInput {
  const violations = violationsOf(doc);
  expect(violations, 'expected the document to be accepted').toEqual([]);
  return parseDocument(toDocument(doc), registry, { maxBytes: MAX_BYTES }).input;
}

/**
 * The document is refused (INVALID_RESOURCE) with exactly these field paths: a list of paths
 * (compared as a set: order and repeats ignored), or paths mapped to the reason, or reasons, that
 * must be among those reported at that path. Returns the violations.
 */
export function expectInvalid(doc: DocumentInput, expected: readonly string[] | Readonly<Record<string, string | readonly string[]>>): InvalidParameter[] {
  const violations = violationsOf(doc);
  expect(violations.length, 'expected the document to be refused').toBeGreaterThan(0);
  const fields = Array.isArray(expected) ? (expected as readonly string[]) : Object.keys(expected);
  const sorted = (xs: readonly string[]) => [...new Set(xs)].sort();
  expect(sorted(violations.map((v) => v.field)), JSON.stringify(violations)).toEqual(sorted(fields));
  if (!Array.isArray(expected)) {
    for (const [field, reasons] of Object.entries(expected as Record<string, string | readonly string[]>)) {
      const reported = violations.filter((v) => v.field === field).map((v) => v.reason);
      for (const reason of typeof reasons === 'string' ? [reasons] : reasons) expect(reported, `reasons at ${field}`).toContain(reason);
    }
  }
  return violations;
}
