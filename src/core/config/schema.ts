import { z } from 'zod';

// The control plane's configuration: parsed once at start-up into an immutable object.
// Every field has its default here; docs/README list the same names. Nothing reads
// process.env after loadConfig() returns.

const port = z.number().int().min(0).max(65535);

export const configSchema = z.strictObject({
  /** `global` holds the desired state and feeds zones; `zone` serves proxies. */
  mode: z.enum(['global', 'zone']).default('zone'),
  store: z
    .strictObject({
      /** `memory` (embedded default, lost on restart), `etcd` (global), `redis` (zone). */
      type: z.enum(['memory', 'etcd', 'redis']).default('memory'),
      etcd: z
        .strictObject({
          endpoints: z.array(z.string().min(1)).min(1).default(['http://127.0.0.1:2379']),
          /** Key prefix under which every Meshwork key lives. */
          prefix: z.string().default('/meshwork/'),
          dialTimeoutMs: z.number().int().positive().default(5000),
        })
        .prefault({}),
      redis: z
        .strictObject({
          url: z.string().min(1).default('redis://127.0.0.1:6379'),
          prefix: z.string().default('meshwork:'),
        })
        .prefault({}),
      /** Largest accepted resource, as serialized JSON. */
      maxResourceBytes: z.number().int().positive().default(1024 * 1024),
    })
    .prefault({}),
  multizone: z
    .strictObject({
      zone: z
        .strictObject({
          /** A zone without a name is standalone. */
          name: z.string().min(1).optional(),
          /** `grpc://host:port` or `grpcs://host:port` of global's KDS server. */
          globalAddress: z.string().regex(/^grpcs?:\/\/[^/]+:\d+$/, 'must be grpc://HOST:PORT or grpcs://HOST:PORT').optional(),
          tokenFile: z.string().optional(),
          kdsCaFile: z.string().optional(),
          kdsTlsSkipVerify: z.boolean().default(false),
        })
        .prefault({}),
    })
    .prefault({}),
  apiServer: z
    .strictObject({
      address: z.string().default('0.0.0.0'),
      port: port.default(5681),
      auth: z
        .strictObject({
          /** Requests from loopback are admin without a token, as in Kuma. */
          localhostIsAdmin: z.boolean().default(true),
        })
        .prefault({}),
      /** Largest accepted request body; resources above store.maxResourceBytes still get a clear 413. */
      bodyLimitBytes: z.number().int().positive().default(8 * 1024 * 1024),
    })
    .prefault({}),
  kds: z.strictObject({ port: port.default(5685) }).prefault({}),
  dpServer: z.strictObject({ port: port.default(5678) }).prefault({}),
  diagnostics: z
    .strictObject({
      address: z.string().default('0.0.0.0'),
      port: port.default(5680),
    })
    .prefault({}),
  defaults: z
    .strictObject({
      /** Skip creating the `default` mesh at start-up. */
      skipMeshCreation: z.boolean().default(false),
    })
    .prefault({}),
  logging: z
    .strictObject({
      level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
      format: z.enum(['json', 'pretty', 'auto']).default('auto'),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/**
 * Environment variables and the config path each one sets. The DESIGN.md names are the
 * public contract; values are parsed by the kind given here.
 */
export const ENV_VARS = {
  MESHWORK_MODE: { path: 'mode', kind: 'string' },
  MESHWORK_STORE_TYPE: { path: 'store.type', kind: 'string' },
  MESHWORK_STORE_ETCD_ENDPOINTS: { path: 'store.etcd.endpoints', kind: 'list' },
  MESHWORK_STORE_ETCD_PREFIX: { path: 'store.etcd.prefix', kind: 'string' },
  MESHWORK_STORE_REDIS_URL: { path: 'store.redis.url', kind: 'string' },
  MESHWORK_STORE_REDIS_PREFIX: { path: 'store.redis.prefix', kind: 'string' },
  MESHWORK_STORE_MAX_RESOURCE_BYTES: { path: 'store.maxResourceBytes', kind: 'number' },
  MESHWORK_ZONE_NAME: { path: 'multizone.zone.name', kind: 'string' },
  MESHWORK_GLOBAL_ADDRESS: { path: 'multizone.zone.globalAddress', kind: 'string' },
  MESHWORK_ZONE_TOKEN_FILE: { path: 'multizone.zone.tokenFile', kind: 'string' },
  MESHWORK_KDS_CA_FILE: { path: 'multizone.zone.kdsCaFile', kind: 'string' },
  MESHWORK_KDS_TLS_SKIP_VERIFY: { path: 'multizone.zone.kdsTlsSkipVerify', kind: 'boolean' },
  MESHWORK_API_ADDRESS: { path: 'apiServer.address', kind: 'string' },
  MESHWORK_API_PORT: { path: 'apiServer.port', kind: 'number' },
  MESHWORK_API_AUTH_LOCALHOST_IS_ADMIN: { path: 'apiServer.auth.localhostIsAdmin', kind: 'boolean' },
  MESHWORK_KDS_PORT: { path: 'kds.port', kind: 'number' },
  MESHWORK_DP_SERVER_PORT: { path: 'dpServer.port', kind: 'number' },
  MESHWORK_DIAGNOSTICS_ADDRESS: { path: 'diagnostics.address', kind: 'string' },
  MESHWORK_DIAGNOSTICS_PORT: { path: 'diagnostics.port', kind: 'number' },
  MESHWORK_DEFAULTS_SKIP_MESH_CREATION: { path: 'defaults.skipMeshCreation', kind: 'boolean' },
  MESHWORK_LOG_LEVEL: { path: 'logging.level', kind: 'string' },
  MESHWORK_LOG_FORMAT: { path: 'logging.format', kind: 'string' },
} as const satisfies Record<string, { path: string; kind: 'string' | 'number' | 'boolean' | 'list' }>;
