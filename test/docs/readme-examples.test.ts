import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { POLICY_TYPES } from '../../src/policies/index.ts';
import { registry } from '../../src/resources/all.ts';
import { parseDocument } from '../../src/resources/document.ts';
import { REPO_ROOT } from '../helpers/processes.ts';

// The README's YAML examples are resources users copy: each must pass the same validation
// as `meshctl apply`, and every policy type must have one.

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
const docs = blocks.flatMap((b) => parseAllDocuments(b).map((d) => d.toJS() as Record<string, unknown>)).filter((d) => typeof d?.type === 'string' && typeof d?.name === 'string');

describe('README examples', () => {
  it('are all valid resources', () => {
    expect(docs.length).toBeGreaterThan(16);
    for (const doc of docs) expect(() => parseDocument(doc, registry, { maxBytes: 1 << 20 }), `${doc.type} ${doc.name}`).not.toThrow();
  });

  it('document every policy type', () => {
    const documented = new Set(docs.map((d) => d.type));
    for (const p of POLICY_TYPES) expect(documented.has(p.name), p.name).toBe(true);
  });
});
