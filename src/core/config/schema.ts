import { z } from 'zod';

// The control plane's configuration: parsed once at start-up into an immutable object.
// Every field has its default here; docs/README list the same names. Nothing reads
// process.env after loadConfig() returns.

const port = z.number().int().min(0).max(65535);
const ipv4Cidr = z
  .string()
  .refine((c) => /^(\d{1,3}\.){3}\d{1,3}\/([89]|[12]\d|30)$/.test(c) && c.split('/')[0]!.split('.').every((o) => Number(o) <= 255), 'must be an IPv4 CIDR between /8 and /30, e.g. 241.0.0.0/8');

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
          /** Reconnect backoff to global: jittered exponential between these bounds. */
          reconnectBaseMs: z.number().int().positive().default(500),
          reconnectMaxMs: z.number().int().positive().default(30_000),
          /**
           * Changes going up to global (dataplanes, insights) are batched for this long: a
           * flush of thousands of DataplaneInsights is a few KDS pushes, not hundreds.
           */
          upDebounceMs: z.number().int().min(0).default(100),
        })
        .prefault({})
        .superRefine((zone, ctx) => {
          if (zone.globalAddress && !zone.name) ctx.addIssue({ code: 'custom', path: ['name'], message: 'a zone connected to global needs a name (MESHWORK_ZONE_NAME)' });
        }),
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
      /** Largest accepted request body (default: twice store.maxResourceBytes); resources above store.maxResourceBytes still get a clear 413. */
      bodyLimitBytes: z.number().int().positive().optional(),
      /** A YAML body is parsed on a worker thread; one that takes longer is refused (413). */
      yamlParseTimeoutMs: z.number().int().positive().default(10_000),
      /** A request (body included) must arrive within this time. */
      requestTimeoutMs: z.number().int().positive().default(60_000),
    })
    .prefault({}),
  kds: z
    .strictObject({
      port: port.default(5685),
      address: z.string().default('0.0.0.0'),
      /** No KDS message is larger; bigger syncs are split into chunks. */
      maxMessageBytes: z.number().int().min(64 * 1024).default(4 * 1024 * 1024),
      /** Changes are batched for this long before they are pushed. */
      debounceMs: z.number().int().min(0).default(10),
      /** How often zones send a heartbeat (global tells them). */
      heartbeatIntervalMs: z.number().int().positive().default(5000),
      /** A zone without a heartbeat for this long is marked offline. */
      zoneOfflineAfterMs: z.number().int().positive().default(20_000),
      /** ZoneInsight counters are written at most this often. */
      insightFlushIntervalMs: z.number().int().positive().default(1000),
      /** Zones must present a zone token (`meshctl generate zone-token`). */
      requireZoneToken: z.boolean().default(true),
      tls: z
        .strictObject({
          /** Serve KDS over TLS (zones use grpcs://). */
          enabled: z.boolean().default(true),
          /** PEM files; without them global generates a self-signed certificate, kept in the global secret kds-server-tls. */
          certFile: z.string().optional(),
          keyFile: z.string().optional(),
          /** Extra names for the self-signed certificate (localhost, 127.0.0.1, ::1 and the host name are always in). */
          hostnames: z.array(z.string().min(1)).default([]),
        })
        .prefault({})
        .superRefine((tls, ctx) => {
          if (Boolean(tls.certFile) !== Boolean(tls.keyFile)) ctx.addIssue({ code: 'custom', path: [tls.certFile ? 'keyFile' : 'certFile'], message: 'certFile and keyFile go together' });
        }),
    })
    .prefault({}),
  dpServer: z
    .strictObject({
      address: z.string().default('0.0.0.0'),
      port: port.default(5678),
      tls: z
        .strictObject({
          /** PEM files; without them the zone CP generates a self-signed certificate at start. */
          certFile: z.string().optional(),
          keyFile: z.string().optional(),
          hostnames: z.array(z.string().min(1)).default([]),
        })
        .prefault({}),
      auth: z
        .strictObject({
          /** `dpToken`: proxies must present a dataplane token of their mesh and name; `none`: no check. */
          type: z.enum(['dpToken', 'none']).default('dpToken'),
        })
        .prefault({}),
      /** A dataplane registered by meshwork-dp is removed this long after its last proxy disconnects. */
      dataplaneGracePeriodMs: z.number().int().min(0).default(30_000),
      /** A registration whose proxy has not opened a stream yet (after its bootstrap, or found in the store when the CP starts) gets this much longer than the grace period (Envoy retries ADS at most every 30 s). */
      reconnectAllowanceMs: z.number().int().min(0).default(30_000),
      /** Changes are batched for this long before proxies' configuration is regenerated. */
      debounceMs: z.number().int().min(0).default(10),
      /** DataplaneInsight counters are written at most this often (connects and disconnects at once), as Kuma's dataplaneStatusFlushInterval. */
      statusFlushIntervalMs: z.number().int().positive().default(10_000),
    })
    .prefault({}),
  diagnostics: z
    .strictObject({
      address: z.string().default('0.0.0.0'),
      port: port.default(5680),
    })
    .prefault({}),
  /** Kuma's IPAM: where MeshServices (and external and multi-zone services) get their VIPs. */
  ipam: z
    .strictObject({
      meshServiceCidr: ipv4Cidr.default('241.0.0.0/8'),
      meshExternalServiceCidr: ipv4Cidr.default('242.0.0.0/8'),
      meshMultiZoneServiceCidr: ipv4Cidr.default('243.0.0.0/8'),
    })
    .prefault({}),
  meshService: z
    .strictObject({
      /** A generated MeshService whose last Dataplane went is deleted this long after (Kuma's meshService.deletionGracePeriod). */
      deletionGracePeriodMs: z.number().int().min(0).default(3_600_000),
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
  MESHWORK_KDS_ADDRESS: { path: 'kds.address', kind: 'string' },
  MESHWORK_KDS_MAX_MESSAGE_BYTES: { path: 'kds.maxMessageBytes', kind: 'number' },
  MESHWORK_KDS_DEBOUNCE_MS: { path: 'kds.debounceMs', kind: 'number' },
  MESHWORK_KDS_HEARTBEAT_INTERVAL_MS: { path: 'kds.heartbeatIntervalMs', kind: 'number' },
  MESHWORK_KDS_ZONE_OFFLINE_AFTER_MS: { path: 'kds.zoneOfflineAfterMs', kind: 'number' },
  MESHWORK_KDS_REQUIRE_ZONE_TOKEN: { path: 'kds.requireZoneToken', kind: 'boolean' },
  MESHWORK_KDS_TLS_ENABLED: { path: 'kds.tls.enabled', kind: 'boolean' },
  MESHWORK_KDS_TLS_CERT_FILE: { path: 'kds.tls.certFile', kind: 'string' },
  MESHWORK_KDS_TLS_KEY_FILE: { path: 'kds.tls.keyFile', kind: 'string' },
  MESHWORK_KDS_TLS_HOSTNAMES: { path: 'kds.tls.hostnames', kind: 'list' },
  MESHWORK_KDS_RECONNECT_BASE_MS: { path: 'multizone.zone.reconnectBaseMs', kind: 'number' },
  MESHWORK_KDS_RECONNECT_MAX_MS: { path: 'multizone.zone.reconnectMaxMs', kind: 'number' },
  MESHWORK_KDS_ZONE_UP_DEBOUNCE_MS: { path: 'multizone.zone.upDebounceMs', kind: 'number' },
  MESHWORK_DP_SERVER_PORT: { path: 'dpServer.port', kind: 'number' },
  MESHWORK_DP_SERVER_ADDRESS: { path: 'dpServer.address', kind: 'string' },
  MESHWORK_DP_SERVER_TLS_CERT_FILE: { path: 'dpServer.tls.certFile', kind: 'string' },
  MESHWORK_DP_SERVER_TLS_KEY_FILE: { path: 'dpServer.tls.keyFile', kind: 'string' },
  MESHWORK_DP_SERVER_TLS_HOSTNAMES: { path: 'dpServer.tls.hostnames', kind: 'list' },
  MESHWORK_DP_SERVER_AUTH_TYPE: { path: 'dpServer.auth.type', kind: 'string' },
  MESHWORK_DP_SERVER_DATAPLANE_GRACE_PERIOD_MS: { path: 'dpServer.dataplaneGracePeriodMs', kind: 'number' },
  MESHWORK_DP_SERVER_RECONNECT_ALLOWANCE_MS: { path: 'dpServer.reconnectAllowanceMs', kind: 'number' },
  MESHWORK_DP_SERVER_STATUS_FLUSH_INTERVAL_MS: { path: 'dpServer.statusFlushIntervalMs', kind: 'number' },
  MESHWORK_DIAGNOSTICS_ADDRESS: { path: 'diagnostics.address', kind: 'string' },
  MESHWORK_DIAGNOSTICS_PORT: { path: 'diagnostics.port', kind: 'number' },
  MESHWORK_DEFAULTS_SKIP_MESH_CREATION: { path: 'defaults.skipMeshCreation', kind: 'boolean' },
  MESHWORK_IPAM_MESH_SERVICE_CIDR: { path: 'ipam.meshServiceCidr', kind: 'string' },
  MESHWORK_IPAM_MESH_EXTERNAL_SERVICE_CIDR: { path: 'ipam.meshExternalServiceCidr', kind: 'string' },
  MESHWORK_IPAM_MESH_MULTI_ZONE_SERVICE_CIDR: { path: 'ipam.meshMultiZoneServiceCidr', kind: 'string' },
  MESHWORK_MESH_SERVICE_DELETION_GRACE_PERIOD_MS: { path: 'meshService.deletionGracePeriodMs', kind: 'number' },
  MESHWORK_LOG_LEVEL: { path: 'logging.level', kind: 'string' },
  MESHWORK_LOG_FORMAT: { path: 'logging.format', kind: 'string' },
} as const satisfies Record<string, { path: string; kind: 'string' | 'number' | 'boolean' | 'list' }>;
