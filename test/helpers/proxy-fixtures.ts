import { readFileSync, writeFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Policy } from '../../src/policies/core/matching.ts';
import { POLICY_PLUGINS } from '../../src/policies/plugins.ts';
import type { Resource } from '../../src/resources/resource.ts';
import type { DataplaneSpec } from '../../src/resources/types/dataplane.ts';
import type { MeshSpec } from '../../src/resources/types/mesh.ts';
import { buildSnapshot } from '../../src/xds/build/build-snapshot.ts';
import type { XdsSnapshot } from '../../src/xds/cache/snapshot.ts';
import type { Endpoint, ProxyContext } from '../../src/xds/generate/context.ts';
import { GENERATORS } from '../../src/xds/generate/generators.ts';
import { validateWithEnvoy } from './envoy.ts';
import { expectGolden } from './golden.ts';

// What proxy-build tests share: a mesh, endpoints of a few services, dataplanes, policies, a
// CA and identity, and the golden check (a build against its golden file and
// `envoy --mode validate`). The generators' cases live in src/xds/generate, each policy's in
// its folder (golden-cases.ts, testdata/); generators.test.ts checks the policy filter on all.

export const meta = { labels: {}, creationTime: '', modificationTime: '', version: '1' };
export const mesh: Resource<MeshSpec> = { type: 'Mesh', name: 'default', spec: {}, ...meta };
export const mtlsMesh: Resource<MeshSpec> = { ...mesh, spec: { mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin' }] } } };
export const dp = (name: string, spec: DataplaneSpec): Resource<DataplaneSpec> => ({ type: 'Dataplane', mesh: 'default', name, spec, ...meta });
export const ep = (address: string, port: number, tags: Record<string, string>): Endpoint => ({ address, port, tags, dataplane: `${tags['kuma.io/service']}-${port}` });

export const endpoints = new Map<string, Endpoint[]>([
  ['backend', [ep('127.0.0.2', 8080, { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' }), ep('127.0.0.3', 8080, { 'kuma.io/service': 'backend', 'kuma.io/protocol': 'http' })]],
  ['redis', [ep('127.0.0.4', 6379, { 'kuma.io/service': 'redis' })]],
  ['grpc-api', [ep('127.0.0.5', 9000, { 'kuma.io/service': 'grpc-api', 'kuma.io/protocol': 'grpc' })]],
]);

/** A fixed CA and identity (golden files hold them). */
export const fixture = JSON.parse(readFileSync(new URL('./testdata/mtls-fixture.json', import.meta.url), 'utf8')) as { caCert: string; identity: { cert: string; key: string } };

// Files a ProvidedTLS Prometheus endpoint names (envoy --mode validate reads them); fixed
// paths so that golden files are stable.
export const METRICS_CERT = '/tmp/meshwork-golden-metrics-cert.pem';
export const METRICS_KEY = '/tmp/meshwork-golden-metrics-key.pem';
writeFileSync(METRICS_CERT, fixture.identity.cert);
writeFileSync(METRICS_KEY, fixture.identity.key);

export const pol = (type: string, name: string, spec: object): Policy => ({ type, mesh: 'default', name, spec, ...meta }) as Policy;
export const withPolicies = (list: Policy[]) => new Map<string, Policy[]>(POLICY_PLUGINS.map((pl) => [pl.type, list.filter((p) => p.type === pl.type)]));

/**
 * What Envoy validates: listeners and clusters as served (the validation bootstrap has ADS,
 * so EDS and SDS references are valid). Endpoints and secrets are checked against the
 * protos when the snapshot is built; Envoy 1.40's validate mode crashes on static secrets
 * next to SDS references, so they are not given to it.
 */
export function forValidation(s: XdsSnapshot) {
  const json = s.toJSON() as { cluster: object[]; listener: object[] };
  return { listeners: json.listener, clusters: json.cluster };
}

/** One test per case: its build matches `<testdata>/<name>.golden.yaml` and passes envoy --mode validate. */
export function goldenTests(testdata: URL, cases: Record<string, ProxyContext>): void {
  for (const [name, ctx] of Object.entries(cases)) {
    it(`${name}: matches its golden file and passes envoy --mode validate`, () => {
      const snapshot = buildSnapshot(ctx, GENERATORS, POLICY_PLUGINS);
      expectGolden(new URL(`${name}.golden.yaml`, testdata).pathname, stringify(snapshot.toJSON()));
      const result = validateWithEnvoy(forValidation(snapshot));
      expect(result.output).not.toMatch(/error/i);
      expect(result.ok).toBe(true);
    });
  }
}
