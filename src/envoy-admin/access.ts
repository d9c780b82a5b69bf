import { MeshworkError } from '../core/errors.ts';
import { ORIGIN_LABEL, ZONE_LABEL } from '../kds/naming.ts';
import type { Resource } from '../resources/resource.ts';
import type { DataplaneSpec } from '../resources/types/dataplane.ts';
import { DEFAULT_ADMIN_PORT } from '../dp/agent-protocol.ts';
import type { ZoneIngressSpec } from '../resources/types/zone-ingress.ts';
import type { ResourceStore } from '../store/store.ts';
import type { AdminAnswer, EnvoyAdminClient } from './client.ts';

// What `kumactl inspect dataplane NAME --type=config-dump|stats|clusters` (and the same of a
// zone ingress) reads: the proxy's own Envoy admin. A zone reads it directly (LocalEnvoyAdmin);
// global forwards the request to the zone the proxy is in, over KDS.

/** Kuma's admin types, as the path segment names them. */
export type AdminKind = 'xds' | 'stats' | 'clusters';
export const ADMIN_KINDS: readonly AdminKind[] = ['xds', 'stats', 'clusters'];

export interface ProxyRef {
  type: 'Dataplane' | 'ZoneIngress';
  mesh?: string;
  name: string;
}

export interface AdminQuery {
  /** xds: endpoints too (Envoy's include_eds). */
  includeEds?: boolean;
  /** stats, clusters: Envoy's JSON rather than its text. */
  format?: 'json' | 'text';
  /** stats: only the stats Envoy has updated (Kuma's default). */
  usedOnly?: boolean;
}

export interface EnvoyAdminAccess {
  inspect(proxy: ProxyRef, kind: AdminKind, query: AdminQuery): Promise<AdminAnswer>;
}

/** A zone's access: the proxy's resource in the zone store names its address and admin port. */
export class LocalEnvoyAdmin implements EnvoyAdminAccess {
  readonly #store: ResourceStore;
  readonly #client: EnvoyAdminClient;
  readonly #zone: string;

  constructor(options: { store: ResourceStore; client: EnvoyAdminClient; zone: string }) {
    this.#store = options.store;
    this.#client = options.client;
    this.#zone = options.zone;
  }

  async inspect(proxy: ProxyRef, kind: AdminKind, query: AdminQuery): Promise<AdminAnswer> {
    const r = await this.#store.get({ type: proxy.type, ...(proxy.mesh !== undefined ? { mesh: proxy.mesh } : {}), name: proxy.name });
    const target = this.#target(proxy, r);
    switch (kind) {
      case 'xds': {
        const answer = await this.#client.get(target, 'config_dump', query.includeEds ? { include_eds: 'true' } : {});
        return { contentType: 'application/json', body: sanitizeConfigDump(answer.body) };
      }
      case 'stats':
        return this.#client.get(target, 'stats', { ...(query.format === 'json' ? { format: 'json' } : {}), ...(query.usedOnly !== false ? { usedonly: '' } : {}) });
      case 'clusters':
        return this.#client.get(target, 'clusters', query.format === 'json' ? { format: 'json' } : {});
    }
  }

  #target(proxy: ProxyRef, r: Resource) {
    if (proxy.type === 'ZoneIngress') {
      const zi = r.spec as ZoneIngressSpec;
      const zone = zi.zone ?? r.labels[ZONE_LABEL];
      if (r.labels[ORIGIN_LABEL] === 'global' || (zone !== undefined && zone !== this.#zone)) {
        throw new MeshworkError('BAD_REQUEST', `zone ingress "${proxy.name}" is in zone "${zone ?? 'unknown'}", not in this one: inspect it through global or its own zone`);
      }
      return { describe: `zone ingress ${proxy.name}`, address: zi.networking.address, adminPort: zi.networking.admin?.port ?? DEFAULT_ADMIN_PORT };
    }
    const dp = r.spec as DataplaneSpec;
    return { describe: `dataplane ${proxy.mesh}/${proxy.name}`, address: dp.networking.address, adminPort: dp.networking.admin?.port ?? DEFAULT_ADMIN_PORT };
  }
}

/**
 * Envoy's config dump with the proxy's token hidden, as Kuma's Sanitize: Envoy redacts the
 * fields its protos mark sensitive, not the bootstrap's ADS `authorization` metadata.
 */
export function sanitizeConfigDump(body: Buffer): Buffer {
  let dump: { configs?: { '@type'?: string; bootstrap?: BootstrapDump }[] };
  try {
    dump = JSON.parse(body.toString('utf8')) as typeof dump;
  } catch (err) {
    throw new MeshworkError('PROXY_UNREACHABLE', `Envoy answered /config_dump with something that is not JSON: ${(err as Error).message}`);
  }
  const secrets = new Set<string>();
  for (const config of dump.configs ?? []) {
    if (!config['@type']?.endsWith('.BootstrapConfigDump')) continue;
    const services = [...(config.bootstrap?.dynamic_resources?.ads_config?.grpc_services ?? []), ...(config.bootstrap?.hds_config?.grpc_services ?? [])];
    for (const s of services) for (const md of s.initial_metadata ?? []) if (md.key.toLowerCase() === 'authorization' && md.value) secrets.add(md.value);
  }
  let text = body.toString('utf8');
  for (const s of secrets) text = text.split(s).join('[redacted]');
  return Buffer.from(text);
}

type GrpcServices = { grpc_services?: { initial_metadata?: { key: string; value?: string }[] }[] };
type BootstrapDump = { dynamic_resources?: { ads_config?: GrpcServices }; hds_config?: GrpcServices };
