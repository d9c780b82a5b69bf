import type { UserTokens } from '../tokens/user-token.ts';
import type { Config } from '../core/config/schema.ts';
import type { Logger } from '../core/logger.ts';
import type { CpMetrics } from '../core/metrics.ts';
import type { CpRole, ResourceManager } from '../resources/manager.ts';
import type { ResourceRegistry } from '../resources/registry.ts';
import type { AdminTokenVerifier } from '../tokens/admin-token.ts';
import type { ZoneTokens } from '../tokens/zone-token.ts';
import type { DataplaneTokens } from '../tokens/dataplane-token.ts';
import type { ZoneIngressTokens } from '../tokens/zone-ingress-token.ts';
import type { YamlBodyParser } from './body/yaml-parser.ts';
import type { EnvoyAdminAccess } from '../envoy-admin/access.ts';

/** Everything the REST API needs; built by the global or zone setup, or by a test. */
export interface ApiDeps {
  registry: ResourceRegistry;
  manager: ResourceManager;
  config: Readonly<Config>;
  role: CpRole;
  logger: Logger;
  metrics?: CpMetrics;
  adminTokens: AdminTokenVerifier;
  /** Global only: issues zone tokens (POST /tokens/zone). */
  zoneTokens?: ZoneTokens;
  /** Global and standalone zones: issues dataplane tokens (POST /tokens/dataplane). */
  dataplaneTokens?: DataplaneTokens;
  /** Global and standalone zones: issues and checks user tokens (POST /tokens/user). */
  userTokens?: UserTokens;
  /** Zones: issues zone ingress tokens (POST /tokens/zone-ingress). */
  zoneIngressTokens?: ZoneIngressTokens;
  /** Zones: the Envoy configuration generated for a node id (`_config`). */
  proxyConfig?: (nodeId: string) => Record<string, object[]> | undefined;
  /** The Envoy admin of proxies (config dump, stats, clusters): read by a zone, forwarded to it by global. */
  envoyAdmin?: EnvoyAdminAccess;
  /** Parses YAML bodies off the event loop; one is made from the config when absent. */
  yamlParser?: YamlBodyParser;
  instanceId: string;
  version: string;
  hostname: string;
}
