import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMeshworkError } from '../errors.ts';
import { loadConfig, redactConfig } from './load.ts';

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'meshwork-config-')), 'config.yaml');
  writeFileSync(path, text);
  return path;
}

function errorFields(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (isMeshworkError(err)) return err.invalidParameters.map((p) => p.field);
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  it('has the defaults DESIGN.md names', () => {
    const c = loadConfig();
    expect(c.mode).toBe('zone');
    expect(c.store.type).toBe('memory');
    expect(c.store.etcd.endpoints).toEqual(['http://127.0.0.1:2379']);
    expect(c.store.redis.url).toBe('redis://127.0.0.1:6379');
    expect([c.apiServer.port, c.kds.port, c.dpServer.port, c.diagnostics.port]).toEqual([5681, 5685, 5678, 5680]);
    expect(c.multizone.zone.name).toBeUndefined();
    expect(Object.isFrozen(c.store)).toBe(true);
  });

  it('layers file < environment < flags', () => {
    const path = file('mode: global\napiServer:\n  port: 1000\nstore:\n  type: etcd\n');
    const env = { MESHWORK_API_PORT: '2000', MESHWORK_STORE_ETCD_ENDPOINTS: 'http://a:1, http://b:2', MESHWORK_KDS_TLS_SKIP_VERIFY: 'true' };
    expect(loadConfig({ file: path }).apiServer.port).toBe(1000);
    const c = loadConfig({ file: path, env, flags: { 'apiServer.port': 3000 } });
    expect(c.apiServer.port).toBe(3000);
    expect(c.mode).toBe('global');
    expect(c.store.type).toBe('etcd');
    expect(c.store.etcd.endpoints).toEqual(['http://a:1', 'http://b:2']);
    expect(c.multizone.zone.kdsTlsSkipVerify).toBe(true);
    expect(loadConfig({ file: path, env }).apiServer.port).toBe(2000);
  });

  it('names the bad setting', () => {
    expect(errorFields(() => loadConfig({ env: { MESHWORK_API_PORT: 'eighty' } }))).toEqual(['MESHWORK_API_PORT']);
    expect(errorFields(() => loadConfig({ env: { MESHWORK_MODE: 'regional' } }))).toEqual(['mode']);
    expect(errorFields(() => loadConfig({ env: { MESHWORK_ZONE_NAME: 'zone-1', MESHWORK_GLOBAL_ADDRESS: 'http://global:5685' } }))).toEqual(['multizone.zone.globalAddress']);
    expect(errorFields(() => loadConfig({ env: { MESHWORK_GLOBAL_ADDRESS: 'grpcs://global:5685' } }))).toEqual(['multizone.zone.name']);
    expect(errorFields(() => loadConfig({ file: file('apiServer:\n  prot: 1\n') }))).toEqual(['apiServer']);
    for (const cidr of ['241.0.0.0', '300.0.0.0/8', '241.0.0.0/31', 'fd00::/8']) expect(errorFields(() => loadConfig({ env: { MESHWORK_IPAM_MESH_SERVICE_CIDR: cidr } })), cidr).toEqual(['ipam.meshServiceCidr']);
    expect(loadConfig({ env: { MESHWORK_IPAM_MESH_SERVICE_CIDR: '10.200.0.0/16' } }).ipam.meshServiceCidr).toBe('10.200.0.0/16');
    expect(loadConfig().ipam).toEqual({ meshServiceCidr: '241.0.0.0/8', meshExternalServiceCidr: '242.0.0.0/8', meshMultiZoneServiceCidr: '243.0.0.0/8' });
    expect(() => loadConfig({ file: file('mode: [global') })).toThrow(/not valid YAML/);
    expect(() => loadConfig({ file: '/nonexistent/meshwork.yaml' })).toThrow(/cannot read config file/);
  });

  it('redacts credentials in the Redis URL for /config', () => {
    const c = loadConfig({ env: { MESHWORK_STORE_REDIS_URL: 'redis://user:secret@redis:6379' } });
    expect(JSON.stringify(redactConfig(c))).not.toContain('secret');
  });
});
