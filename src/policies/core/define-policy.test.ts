import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { registry } from '../../resources/all.ts';
import { POLICIES, POLICY_TYPES } from '../index.ts';
import { POLICY_PLUGINS } from '../plugins.ts';
import { definePolicy } from './define-policy.ts';

describe('one definition per policy', () => {
  it('the registry and the plugins come from the one list, a plugin for each policy', () => {
    expect(POLICY_TYPES.map((t) => t.name)).toEqual(POLICIES.map((p) => p.type.name));
    for (const t of POLICY_TYPES) expect(registry.get(t.name)).toBe(t);
    expect(POLICY_PLUGINS.map((p) => p.type).sort()).toEqual(POLICY_TYPES.map((t) => t.name).sort());
    // In the order they run.
    expect(POLICY_PLUGINS.map((p) => p.order)).toEqual([...POLICY_PLUGINS.map((p) => p.order)].sort((a, b) => a - b));
  });

  it("refuses a plugin that is another policy's", async () => {
    const wrong = definePolicy('MeshExample', z.object({}), { shortName: 'mex', plugin: async () => ({ type: 'MeshOther', order: 1, apply() {} }) });
    await expect(wrong.loadPlugin()).rejects.toThrow('the plugin of MeshExample is for MeshOther');
  });
});
