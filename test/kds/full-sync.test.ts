import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { KDS_VERSION_LABEL } from '../../src/kds/envelope.ts';
import { registry } from '../../src/resources/all.ts';
import { parseDocument, renderDocument } from '../../src/resources/document.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import type { ResourceStore } from '../../src/store/store.ts';
import { kdsCluster, type InProcessZone } from '../helpers/kds.ts';
import { waitFor } from '../helpers/wait.ts';

// Multi-zone sync cases as folders, in the style of Kuma's full-sync tests:
//   global.input.yaml, zone-N.input.yaml   what each store holds before the zones connect
//   global.golden.yaml, zone-N.golden.yaml what each holds once synced
// Stores are compared rendered as YAML, without timestamps and KDS version labels; global
// without ZoneInsights. Regenerate on purpose with UPDATE_GOLDEN=1, then review the diff.

const ROOT = fileURLToPath(new URL('./testdata/', import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const MAX = 1024 * 1024;

async function load(store: ResourceStore, file: string): Promise<void> {
  const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as unknown).filter((d) => d !== null && d !== undefined);
  // Meshes first: the store refuses resources of a mesh that does not exist.
  docs.sort((a, b) => Number((b as { type: string }).type === 'Mesh') - Number((a as { type: string }).type === 'Mesh'));
  for (const doc of docs) await store.create(parseDocument(doc, registry, { maxBytes: MAX }).input);
}

const SKIP = new Set(['ZoneInsight']);

async function render(store: ResourceStore): Promise<string> {
  const out: unknown[] = [];
  for (const d of registry.all()) {
    if (SKIP.has(d.name)) continue;
    for (const r of (await store.list(d.name)).items) {
      const { [KDS_VERSION_LABEL]: _v, ...labels } = r.labels;
      const doc = renderDocument({ ...r, labels }, d);
      delete doc.creationTime;
      delete doc.modificationTime;
      out.push(doc);
    }
  }
  return out.map((d) => stringify(d)).join('---\n');
}

const cluster = kdsCluster();
afterEach(async () => {
  await cluster.stopAll();
});

describe('KDS full sync cases', () => {
  for (const name of readdirSync(ROOT)) {
    it(name, async () => {
      const dir = join(ROOT, name);
      const global = await cluster.global();
      await load(global.store, join(dir, 'global.input.yaml'));
      const zones: InProcessZone[] = [];
      const zoneNames = readdirSync(dir).filter((f) => /^zone-\d+\.input\.yaml$/.test(f)).map((f) => f.replace('.input.yaml', '')).sort();
      for (const z of zoneNames) {
        const store = new MemoryStore({ registry, maxResourceBytes: MAX });
        await load(store, join(dir, `${z}.input.yaml`));
        zones.push(await cluster.zone(z, global.port, { store }));
      }
      // Converged: every zone in sync, global has what zones send, and nothing moves any more.
      const states = async () => [await render(global.store), ...(await Promise.all(zones.map((z) => render(z.store))))];
      await waitFor(() => zones.every((z) => z.client.inSync), { what: 'zones in sync' });
      const targets = [{ file: 'global.golden.yaml' }, ...zoneNames.map((z) => ({ file: `${z}.golden.yaml` }))];
      if (UPDATE) {
        let last = '';
        await waitFor(async () => {
          const now = JSON.stringify(await states());
          const stable = now === last;
          last = now;
          return stable;
        }, { intervalMs: 300, what: 'a stable state' });
        (await states()).forEach((s, i) => writeFileSync(join(dir, targets[i]!.file), s));
        return;
      }
      const golden = targets.map((t) => (existsSync(join(dir, t.file)) ? readFileSync(join(dir, t.file), 'utf8') : `missing ${t.file}`));
      await waitFor(async () => JSON.stringify(await states()) === JSON.stringify(golden), { what: `${name} to converge to its golden files`, timeoutMs: 10_000 }).catch(() => undefined);
      const final = await states();
      final.forEach((s, i) => expect(s, `${name}/${targets[i]!.file}`).toBe(golden[i]));
    });
  }
});
