import { describe, expect, it } from 'vitest';
import { profileFilter, type SidecarProfiles } from './metric-profiles.ts';
import { parsePrometheusText } from './prometheus-to-otlp.ts';

const ENVOY = `# TYPE envoy_cluster_upstream_rq_total counter
envoy_cluster_upstream_rq_total{envoy_cluster_name="backend"} 7
envoy_cluster_upstream_rq_total{envoy_cluster_name="meshwork_ads"} 3
# TYPE envoy_server_live gauge
envoy_server_live{} 1
# TYPE envoy_cluster_lb_subsets_created counter
envoy_cluster_lb_subsets_created{envoy_cluster_name="backend"} 0
# TYPE envoy_runtime_load_success counter
envoy_runtime_load_success{} 1
# TYPE envoy_cluster_upstream_cx_total counter
envoy_cluster_upstream_cx_total{envoy_cluster_name="meshwork:envoy:admin"} 2
`;

/** Family → samples kept, for a profiles setting. */
function kept(profiles: SidecarProfiles | undefined): Record<string, number> {
  return Object.fromEntries(profileFilter(profiles)(parsePrometheusText(ENVOY)).map((f) => [f.name, f.samples.length]));
}

describe('MeshMetric sidecar profiles (as kuma-dp)', () => {
  it.each<[string, SidecarProfiles | undefined, Record<string, number>]>([
    // Basic by default: golden signals and dashboards, without the proxy's own clusters.
    ['default (Basic)', undefined, { envoy_cluster_upstream_rq_total: 1, envoy_server_live: 1 }],
    ['Basic', { appendProfiles: [{ name: 'Basic' }] }, { envoy_cluster_upstream_rq_total: 1, envoy_server_live: 1 }],
    ['All', { appendProfiles: [{ name: 'All' }] }, { envoy_cluster_upstream_rq_total: 2, envoy_server_live: 1, envoy_cluster_lb_subsets_created: 1, envoy_runtime_load_success: 1, envoy_cluster_upstream_cx_total: 1 }],
    ['All and None: the broadest wins', { appendProfiles: [{ name: 'None' }, { name: 'All' }] }, { envoy_cluster_upstream_rq_total: 2, envoy_server_live: 1, envoy_cluster_lb_subsets_created: 1, envoy_runtime_load_success: 1, envoy_cluster_upstream_cx_total: 1 }],
    ['None', { appendProfiles: [{ name: 'None' }] }, {}],
    ['None with an include', { appendProfiles: [{ name: 'None' }], include: [{ type: 'Prefix', match: 'envoy_cluster_lb' }] }, { envoy_cluster_lb_subsets_created: 1 }],
    ['Basic with an exclude and an include', { exclude: [{ type: 'Regex', match: '^envoy_server_' }], include: [{ type: 'Contains', match: 'load_success' }] }, { envoy_cluster_upstream_rq_total: 1, envoy_runtime_load_success: 1 }],
    ['include wins over exclude', { appendProfiles: [{ name: 'All' }], exclude: [{ type: 'Contains', match: 'cluster' }], include: [{ type: 'Exact', match: 'envoy_cluster_upstream_cx_total' }] }, { envoy_server_live: 1, envoy_runtime_load_success: 1, envoy_cluster_upstream_cx_total: 1 }],
  ])('%s', (_name, profiles, expected) => {
    expect(kept(profiles)).toEqual(expected);
  });
});
