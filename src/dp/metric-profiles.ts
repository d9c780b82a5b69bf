import type { Family } from './prometheus-to-otlp.ts';

// MeshMetric `sidecar.profiles`, as kuma-dp applies them to Envoy's metrics (not to the
// applications'): the union of the appended profiles (Basic when none is given), then
// `exclude`, then `include`, which wins; metric families are matched by name. Basic is
// Kuma's list of golden signals and dashboard metrics, and leaves out the samples of the
// proxy's own clusters (ADS, admin, collectors).

export type Selector = { type: 'Regex' | 'Prefix' | 'Exact' | 'Contains'; match: string };

export interface SidecarProfiles {
  appendProfiles?: { name: 'All' | 'Basic' | 'None' }[];
  include?: Selector[];
  exclude?: Selector[];
}

type Match = (name: string) => boolean;

export function selectorMatch(s: Selector): Match {
  switch (s.type) {
    case 'Contains':
      return (n) => n.includes(s.match);
    case 'Prefix':
      return (n) => n.startsWith(s.match);
    case 'Exact':
      return (n) => n === s.match;
    case 'Regex': {
      const re = new RegExp(s.match);
      return (n) => re.test(n);
    }
  }
}

const contains = (...parts: string[]): Selector[] => parts.map((match) => ({ type: 'Contains', match }));

/** Kuma's Basic profile: the golden signals, what its dashboards show, DNS. */
export const BASIC_PROFILE: Selector[] = [
  ...contains('rq_time', 'cx_length_ms', 'cx_count', '_rq', 'bytes', 'timeout', 'health_check', 'lb_healthy_panic', 'cx_destroy'),
  { type: 'Exact', match: 'envoy_cluster_membership_degraded' },
  { type: 'Exact', match: 'envoy_cluster_membership_healthy' },
  ...contains('error', 'fail', 'reset', 'eject', 'overflow', 'cancelled', 'max_duration_reached', 'no_cluster', 'no_route', 'no_filter_chain', 'reject', 'denied', 'days_until_first_cert_expiring'),
  { type: 'Prefix', match: 'envoy_server' },
  { type: 'Prefix', match: 'envoy_control_plane' },
  ...contains('rbac', 'cx_active', 'cx_connect'),
  { type: 'Exact', match: 'envoy_cluster_ssl_handshake' },
  { type: 'Exact', match: 'envoy_cluster_membership_total' },
  { type: 'Prefix', match: 'envoy_dns_filter' },
  { type: 'Prefix', match: 'envoy_dns_cares' },
];

/** Clusters of the proxy's own plumbing: every generated one is named meshwork:…, which Envoy's Prometheus output writes meshwork_…. */
const internalCluster = (name: string | undefined) => name !== undefined && (name.startsWith('meshwork_') || name.startsWith('meshwork:'));

/** A filter of Envoy's metric families for the given profiles. */
export function profileFilter(profiles: SidecarProfiles | undefined): (families: Family[]) => Family[] {
  const names = new Set((profiles?.appendProfiles?.length ? profiles.appendProfiles : [{ name: 'Basic' as const }]).map((p) => p.name));
  const all = names.has('All');
  const basic = !all && names.has('Basic');
  const basicMatch = BASIC_PROFILE.map(selectorMatch);
  const exclude = (profiles?.exclude ?? []).map(selectorMatch);
  const include = (profiles?.include ?? []).map(selectorMatch);
  return (families) =>
    families.flatMap((f) => {
      let keep = all || (basic && basicMatch.some((m) => m(f.name)));
      if (exclude.some((m) => m(f.name))) keep = false;
      if (include.some((m) => m(f.name))) keep = true;
      if (!keep) return [];
      if (all || !basic) return [f];
      const samples = f.samples.filter((s) => !internalCluster(s.labels.envoy_cluster_name));
      return samples.length ? [{ ...f, samples }] : [];
    });
}
