import { describe, expect, it } from 'vitest';
import { registry } from './all.ts';
import { kriOf } from './kri.ts';

describe('kri', () => {
  it("is Kuma's identifier: short name, mesh, zone, namespace, display name, section", () => {
    expect(kriOf(registry.get('MeshTrafficPermission'), { mesh: 'default', name: 'mtp-1', labels: {} })).toBe('kri_mtp_default___mtp-1_');
    expect(kriOf(registry.get('Dataplane'), { mesh: 'default', name: 'dp-1', labels: {} })).toBe('kri_dp_default___dp-1_');
    expect(kriOf(registry.get('Mesh'), { name: 'default', labels: {} })).toBe('kri_m____default_');
    // A synced copy is identified as its original.
    expect(kriOf(registry.get('MeshTimeout'), { mesh: 'default', name: 'local-abcd1234', labels: { 'kuma.io/zone': 'zone-1', 'kuma.io/display-name': 'local' } }, '8080')).toBe('kri_mt_default_zone-1__local_8080');
    expect(kriOf(registry.get('Secret'), { mesh: 'default', name: 's', labels: {} })).toBeUndefined();
  });
});
