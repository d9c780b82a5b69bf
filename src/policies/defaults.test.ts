import { describe, expect, it } from 'vitest';
import { registry } from '../resources/all.ts';
import { parseDocument } from '../resources/document.ts';
import { ResourceManager, type CpRole } from '../resources/manager.ts';
import { MemoryStore } from '../store/memory-store.ts';
import { defaultPolicies } from './defaults.ts';

// Kuma's default policies of a new mesh: valid documents, created once with the mesh by
// the resource manager, skipped by skipCreatingInitialPolicies.

const MAX = 1024 * 1024;

function manager(role: CpRole) {
  const store = new MemoryStore({ registry, maxResourceBytes: MAX });
  return { store, manager: new ResourceManager({ registry, store, role }) };
}

const mesh = (name: string, spec: object = {}) => ({ type: 'Mesh', name, labels: {}, spec });

async function policiesOf(store: MemoryStore, meshName: string): Promise<string[]> {
  const names: string[] = [];
  for (const type of ['MeshTimeout', 'MeshCircuitBreaker', 'MeshRetry']) names.push(...(await store.list(type, { mesh: meshName })).items.map((r) => `${r.type}/${r.name}`));
  return names.sort();
}

describe('default policies of a new mesh', () => {
  it('are valid documents with Kuma\'s names', () => {
    const docs = defaultPolicies('prod');
    expect(docs.map((d) => d.name)).toEqual(['mesh-gateways-timeout-all-prod', 'mesh-timeout-all-prod', 'mesh-circuit-breaker-all-prod', 'mesh-retry-all-prod']);
    for (const d of docs) expect(() => parseDocument({ type: d.type, mesh: 'prod', name: d.name, spec: d.spec }, registry, { maxBytes: MAX })).not.toThrow();
  });

  it('are created with a mesh on global and standalone control planes, once', async () => {
    for (const role of ['global', 'standalone'] as const) {
      const { store, manager: m } = manager(role);
      const { created } = await m.apply(mesh('prod'));
      expect(created).toBe(true);
      expect(await policiesOf(store, 'prod')).toEqual(['MeshCircuitBreaker/mesh-circuit-breaker-all-prod', 'MeshRetry/mesh-retry-all-prod', 'MeshTimeout/mesh-gateways-timeout-all-prod', 'MeshTimeout/mesh-timeout-all-prod']);
      // A default deleted by the user stays deleted when the mesh is updated.
      await m.delete({ type: 'MeshRetry', mesh: 'prod', name: 'mesh-retry-all-prod' });
      await m.apply(mesh('prod', { logging: {} }));
      expect(await policiesOf(store, 'prod')).not.toContain('MeshRetry/mesh-retry-all-prod');
    }
  });

  it('honour skipCreatingInitialPolicies (by type, or all with "*"), and a dry run creates nothing', async () => {
    const { store, manager: m } = manager('global');
    await m.apply(mesh('some', { skipCreatingInitialPolicies: ['MeshRetry', 'MeshTimeout'] }));
    expect(await policiesOf(store, 'some')).toEqual(['MeshCircuitBreaker/mesh-circuit-breaker-all-some']);
    await m.apply(mesh('none', { skipCreatingInitialPolicies: ['*'] }));
    expect(await policiesOf(store, 'none')).toEqual([]);
    await m.apply(mesh('dry'), { dryRun: true });
    expect(await policiesOf(store, 'dry')).toEqual([]);
  });
});
