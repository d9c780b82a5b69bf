import { TYPE_URL_PREFIX, XDS_TYPES } from './protos.ts';

// A proxy's generated configuration in the shape of Envoy's admin /config_dump (what Kuma's
// inspect endpoints return): one *ConfigDump per kind, each resource as a typed value.
// Endpoints only on request, as Envoy's include_eds.

const ADMIN = `${TYPE_URL_PREFIX}envoy.admin.v3.`;
const typed = (kind: keyof typeof XDS_TYPES, r: object) => ({ '@type': `${TYPE_URL_PREFIX}${XDS_TYPES[kind]}`, ...r });

export function envoyConfigDump(dump: Record<string, object[]>, options: { includeEds?: boolean } = {}): { configs: object[] } {
  const of = (kind: string) => dump[kind] ?? [];
  const configs: object[] = [
    { '@type': `${ADMIN}ClustersConfigDump`, dynamic_active_clusters: of('cluster').map((c) => ({ cluster: typed('cluster', c) })) },
    { '@type': `${ADMIN}ListenersConfigDump`, dynamic_listeners: of('listener').map((l) => ({ name: (l as { name?: string }).name, active_state: { listener: typed('listener', l) } })) },
    { '@type': `${ADMIN}RoutesConfigDump`, dynamic_route_configs: of('route').map((r) => ({ route_config: typed('route', r) })) },
    { '@type': `${ADMIN}SecretsConfigDump`, dynamic_active_secrets: of('secret').map((s) => ({ name: (s as { name?: string }).name, secret: typed('secret', s) })) },
  ];
  if (options.includeEds) configs.splice(1, 0, { '@type': `${ADMIN}EndpointsConfigDump`, dynamic_endpoint_configs: of('endpoint').map((e) => ({ endpoint_config: typed('endpoint', e) })) });
  return { configs };
}
