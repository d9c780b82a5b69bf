import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The layers of the proxy-build pipeline, held by the imports of src/ (tests excepted):
//   xds/model      what builds read and produce (context, resource set, policy and plugin types)
//   xds/generate   generators           policies/   the policies and their plugins
//   xds/build      a proxy's build: generators, then plugins (the one place xds/ calls policies/)
//   xds/cache, xds/server, xds/reconciler.ts: snapshots, serving, the loop
// and no module of src/ imports itself back at run time (an import cycle).

const SRC = new URL('..', import.meta.url).pathname;

/** Every non-test module of src/ and what it imports (type-only imports marked). */
function importGraph(): Map<string, { target: string; typeOnly: boolean }[]> {
  const graph = new Map<string, { target: string; typeOnly: boolean }[]>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !path.endsWith('.test.ts')) {
        const text = readFileSync(path, 'utf8');
        const imports = [...text.matchAll(/^(import|export)(\s+type)?\s[^;]*?from\s+'(\.[^']+)'/gm)].map((m) => ({ target: relative(SRC, resolve(dirname(path), m[3]!)), typeOnly: m[2] !== undefined }));
        graph.set(relative(SRC, path), imports);
      }
    }
  };
  walk(SRC);
  return graph;
}

const under = (file: string, ...dirs: string[]) => dirs.some((d) => file === d || file.startsWith(`${d}/`));

describe('layering of src/', () => {
  const graph = importGraph();
  const violations = (from: (f: string) => boolean, to: (t: string) => boolean) =>
    [...graph].flatMap(([file, imports]) => (from(file) ? imports.filter((i) => to(i.target)).map((i) => `${file} → ${i.target}`) : []));

  it('finds the modules it checks', () => {
    expect(graph.has('xds/build/build-snapshot.ts')).toBe(true);
    expect(graph.get('xds/build/build-snapshot.ts')!.map((i) => i.target)).toContain('policies/core/matching.ts');
  });

  it('xds/ calls into policies/ only from xds/build', () => {
    expect(violations((f) => under(f, 'xds') && !under(f, 'xds/build'), (t) => under(t, 'policies'))).toEqual([]);
  });

  it('policies/ build on xds/model and the generators, never on builds, snapshots, serving or the loop', () => {
    expect(violations((f) => under(f, 'policies'), (t) => under(t, 'xds/build', 'xds/cache', 'xds/server', 'xds/reconciler.ts'))).toEqual([]);
  });

  it('xds/model is below everything of the pipeline', () => {
    expect(violations((f) => under(f, 'xds/model'), (t) => under(t, 'policies', 'xds') && !under(t, 'xds/model', 'xds/envoy'))).toEqual([]);
  });

  it("xds/ and meshwork-dp never import KDS (Envoy's protos are xds/envoy's)", () => {
    expect(violations((f) => under(f, 'xds', 'dp'), (t) => under(t, 'kds'))).toEqual([]);
  });

  it("meshctl loads every policy's descriptor, none of their Envoy plugins", () => {
    const loaded = new Set<string>();
    const load = (f: string) => {
      if (loaded.has(f) || !graph.has(f)) return;
      loaded.add(f);
      for (const i of graph.get(f)!) if (!i.typeOnly) load(i.target);
    };
    load('cli/meshctl.ts');
    expect(loaded).toContain('policies/meshtimeout/index.ts');
    expect([...loaded].filter((f) => /^policies\/[a-z]+\/plugin\.ts$/.test(f) || under(f, 'xds/generate', 'xds/build'))).toEqual([]);
  });

  it('no module imports itself back at run time', () => {
    const runtime = new Map([...graph].map(([f, imports]) => [f, imports.filter((i) => !i.typeOnly && graph.has(i.target)).map((i) => i.target)]));
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (f: string, path: string[]) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...path.slice(path.indexOf(f)), f].join(' → '));
        return;
      }
      state.set(f, 'open');
      for (const t of runtime.get(f) ?? []) visit(t, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of runtime.keys()) visit(f, []);
    expect(cycles).toEqual([]);
  });
});
