import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import * as grpc from '@grpc/grpc-js';
import type { Runtime } from '../app/runtime.ts';
import type { Component } from '../core/component.ts';
import { isMeshworkError, MeshworkError } from '../core/errors.ts';
import { grpcErrorOf } from '../core/grpc-errors.ts';
import { checkTags, DataplaneTokens, type DataplaneTokenClaims } from '../tokens/dataplane-token.ts';
import { dataplaneTagSet } from '../resources/types/dataplane.ts';
import type { CacheChange, ResourceCache } from '../store/resource-cache.ts';
import { upsert } from '../store/upsert.ts';
import { selfSignedServerCert } from '../tokens/x509.ts';
import { IdentityCertManager } from '../mtls/identity-certs.ts';
import { enabledBuiltinBackend } from '../mtls/builtin-ca.ts';
import type { MeshSpec } from '../resources/types/mesh.ts';
import { DataplaneInsightTracker, type InsightOf, type ProxyVersions } from '../xds/dataplane-insights.ts';
import { SnapshotCache } from '../xds/cache/snapshot-cache.ts';
import { GENERATORS } from '../xds/generate/generators.ts';
import { POLICY_PLUGINS } from '../policies/plugins.ts';
import { XdsReconciler } from '../xds/reconciler.ts';
import { registerAds } from '../xds/server/ads-server.ts';
import { DpServer } from './dp-server.ts';
import { EnvoyAdminTls } from '../envoy-admin/tls.ts';
import { DATAPLANE_METADATA, DP_VERSION_METADATA, INGRESS_METADATA, PROXY_TYPE_METADATA } from './bootstrap.ts';
import { ACCESS_LOG_PATH_METADATA, DEFAULT_ADMIN_PORT, DNS_PROXY_PORT_METADATA, DYNAMIC_CONFIG_SOCKET_METADATA, METRICS_CERT_PATH_METADATA, METRICS_KEY_PATH_METADATA, METRICS_SOCKET_METADATA } from '../dp/agent-protocol.ts';
import type { AgentPaths } from '../xds/generate/context.ts';
import { ZoneIngressTokens } from '../tokens/zone-ingress-token.ts';
import type { ZoneIngressSpec } from '../resources/types/zone-ingress.ts';
import { keyOf, type ResourceKey } from '../resources/resource.ts';
import { ORIGIN_LABEL } from '../kds/naming.ts';
import { handleBootstrap, LIFECYCLE_LABEL, registerDataplane, registerZoneIngress } from './registration.ts';

const ADMISSION_WAIT_MS = 5000;
/** After the store lost its data, how long re-registration waits for a proxy's mesh to come back. */
const RESTORE_WAIT_MS = 30_000;

/** One value of Envoy's node metadata (a google.protobuf.Struct, as grpc decodes it: camelCase fields). */
function metadataValue(metadata: unknown, key: string): { stringValue?: string; numberValue?: number } | undefined {
  return (metadata as { fields?: Record<string, { stringValue?: string; numberValue?: number }> } | undefined)?.fields?.[key];
}

/** The Dataplane a bootstrap put in Envoy's node metadata. */
function dataplaneFromMetadata(metadata: unknown): { dataplane: Record<string, unknown>; adminPort: number } | undefined {
  const text = metadataValue(metadata, DATAPLANE_METADATA)?.stringValue;
  if (!text) return undefined;
  try {
    const dp = JSON.parse(text) as Record<string, unknown>;
    const { networking } = dp as { networking?: { admin?: { port?: number } } };
    return { dataplane: dp, adminPort: metadataValue(metadata, 'meshwork.io/admin-port')?.numberValue ?? networking?.admin?.port ?? DEFAULT_ADMIN_PORT };
  } catch {
    return undefined;
  }
}

/** The zone's DP server: bootstrap, ADS, the per-proxy reconcile loop, dataplane lifecycle. */
export function dpServerComponents(
  rt: Runtime,
  cache: ResourceCache,
): { components: Component[]; snapshots: SnapshotCache; reconciler: XdsReconciler; ingressTokens: ZoneIngressTokens; envoyAdminTls: EnvoyAdminTls; restored(): Promise<void> } {
  const { config } = rt;
  const logger = rt.logger.child({ component: 'dp-server' });
  const snapshots = new SnapshotCache();
  const insights = new DataplaneInsightTracker({ store: rt.store, logger: rt.logger.child({ component: 'dataplane-insights' }), controlPlaneInstanceId: rt.instanceId });
  // Proxies' admin listeners, and the CP's client certificate there, come from the zone's Envoy admin CA.
  const envoyAdminTls = new EnvoyAdminTls(rt.store);
  const reconciler = new XdsReconciler({
    envoyAdmin: envoyAdminTls,
    certs: new IdentityCertManager((nodeId, cert) => {
      const { mesh, name } = reconciler.parseNodeId(nodeId);
      insights.certificate(mesh, name, { notAfter: cert.notAfter, backend: enabledBuiltinBackend((cache.get({ type: 'Mesh', name: mesh })?.spec ?? {}) as MeshSpec)?.name ?? 'builtin' });
    }),
    onBuilt: (_nodeId, ms) => rt.metrics.xdsGeneration.observe(ms / 1000),
    onPass: () => rt.metrics.xdsPasses.inc(),
    cache,
    snapshots,
    generators: GENERATORS,
    plugins: POLICY_PLUGINS,
    logger: rt.logger.child({ component: 'xds-reconciler' }),
    zone: config.multizone.zone.name ?? 'standalone',
    debounceMs: config.dpServer.debounceMs,
  });
  const pendingRemovals = new Map<string, NodeJS.Timeout>();
  /** The resource each connected proxy is served from, by node id. */
  const connectedKeys = new Map<string, ResourceKey>();
  const dpTokens = new DataplaneTokens(rt.store);
  const checkToken =
    config.dpServer.auth.type === 'none'
      ? undefined
      : async (token: string | undefined, proxy: { mesh: string; name: string; type: string }) => {
          if (!token) throw new MeshworkError('UNAUTHENTICATED', `proxy "${proxy.mesh}.${proxy.name}" sent no dataplane token; generate one with \`meshctl generate dataplane-token --mesh ${proxy.mesh} --name ${proxy.name}\``);
          return dpTokens.verify(token.replace(/^Bearer\s+/i, ''), proxy);
        };
  if (!checkToken) logger.warn('dataplane tokens are not checked (MESHWORK_DP_SERVER_AUTH_TYPE=none)');
  const zoneName = config.multizone.zone.name ?? 'standalone';
  const ingressTokens = new ZoneIngressTokens(rt.store, zoneName);
  const checkIngressToken =
    config.dpServer.auth.type === 'none'
      ? undefined
      : async (token: string | undefined) => {
          if (!token) throw new MeshworkError('UNAUTHENTICATED', 'the zone ingress sent no token; generate one with `meshctl generate zone-ingress-token` against this zone');
          await ingressTokens.verify(token.replace(/^Bearer\s+/i, ''));
        };
  const registration = { store: rt.store, registry: rt.registry, maxResourceBytes: config.store.maxResourceBytes, zone: zoneName, ...(config.multizone.zone.name ? { zoneTag: config.multizone.zone.name } : {}) };

  /** Waits briefly for a resource a proxy names (its registration may still be on its way to the cache). */
  const awaitInCache = <T>(find: () => T | undefined, waitMs = ADMISSION_WAIT_MS) =>
    new Promise<T | undefined>((resolve) => {
      const found = find();
      if (found) return resolve(found);
      const timer = setTimeout(() => {
        off();
        resolve(undefined);
      }, waitMs);
      const off = cache.onChange(() => {
        const r = find();
        if (!r) return;
        clearTimeout(timer);
        off();
        resolve(r);
      });
    });

  const cancelRemoval = (nodeId: string) => {
    clearTimeout(pendingRemovals.get(nodeId));
    pendingRemovals.delete(nodeId);
  };
  /**
   * What meshwork-dp registered for a proxy (lifecycle label) goes `delayMs` after the proxy
   * was last seen, unless it connects meanwhile: after its last stream closed, after a
   * bootstrap that never opened a stream, and for registrations found when this CP starts.
   */
  const removeUnlessConnected = (nodeId: string, key: ResourceKey, delayMs: number) => {
    if (reconciler.isConnected(nodeId)) return;
    clearTimeout(pendingRemovals.get(nodeId));
    const timer = setTimeout(() => {
      pendingRemovals.delete(nodeId);
      const gone = () => !reconciler.isConnected(nodeId) && !admitting.has(nodeId);
      if (!gone()) return;
      const removal = (async () => {
        const current = await rt.store.get(key);
        if (current.labels[LIFECYCLE_LABEL] !== 'dp' || current.labels[ORIGIN_LABEL] === 'global' || !gone()) return;
        snapshots.delete(nodeId);
        await rt.store.delete(key, { expectedVersion: current.version });
        logger.info({ nodeId }, `removed the ${key.type} of a proxy not connected for ${delayMs} ms`);
      })()
        .catch((err: unknown) => {
          if (!isMeshworkError(err, 'NOT_FOUND') && !isMeshworkError(err, 'VERSION_CONFLICT')) logger.warn({ nodeId, err: (err as Error).message }, `cannot remove the ${key.type}`);
        })
        .finally(() => removals.delete(nodeId));
      removals.set(nodeId, removal);
    }, delayMs);
    timer.unref();
    pendingRemovals.set(nodeId, timer);
  };
  /**
   * Admission and removal of one proxy never interleave: an admission that starts while its
   * removal runs waits for it (then registers the proxy again from its metadata), and a
   * removal does not start while the proxy is being admitted.
   */
  const admitting = new Map<string, number>();
  const removals = new Map<string, Promise<void>>();
  const admission = async <T>(nodeId: string, admit: () => Promise<T>): Promise<T> => {
    cancelRemoval(nodeId);
    admitting.set(nodeId, (admitting.get(nodeId) ?? 0) + 1);
    try {
      await removals.get(nodeId);
      return await admit();
    } finally {
      const n = admitting.get(nodeId)! - 1;
      if (n > 0) admitting.set(nodeId, n);
      else admitting.delete(nodeId);
    }
  };
  const grace = config.dpServer.dataplaneGracePeriodMs;

  /** After a restart: registrations whose proxy does not come back expire too. */
  const sweepRegistrations = async () => {
    for (const type of ['Dataplane', 'ZoneIngress'] as const) {
      for (const r of (await rt.store.list(type, { labels: { [LIFECYCLE_LABEL]: 'dp' } })).items) {
        if (r.labels[ORIGIN_LABEL] === 'global') continue;
        removeUnlessConnected(type === 'Dataplane' ? `${r.mesh}.${r.name}` : r.name, keyOf(r), grace + config.dpServer.reconnectAllowanceMs);
      }
    }
  };

  /** A zone ingress connecting: token, registration (from its metadata if unknown), config. */
  const admitIngress = async (name: string, metadata: unknown, md: grpc.Metadata, versions: ProxyVersions) => {
    try {
      await checkIngressToken?.(md.get('authorization')[0]?.toString());
    } catch (err) {
      throw grpcErrorOf('UNAUTHENTICATED', (err as Error).message);
    }
    if (!cache.get({ type: 'ZoneIngress', name })) {
      const carried = metadataValue(metadata, INGRESS_METADATA)?.stringValue;
      if (carried) await registerZoneIngress(registration, name, JSON.parse(carried) as Record<string, unknown>, metadataValue(metadata, 'meshwork.io/admin-port')?.numberValue ?? DEFAULT_ADMIN_PORT);
    }
    const zi = await awaitInCache(() => cache.get({ type: 'ZoneIngress', name }));
    if (!zi) throw grpcErrorOf('NOT_FOUND', `unknown zone ingress "${name}"; start it with meshwork-dp --proxy-type ingress`);
    cancelRemoval(name);
    const release = reconciler.connect(name, (zi.spec as ZoneIngressSpec).networking.admin?.port ?? DEFAULT_ADMIN_PORT, 'ingress');
    connectedKeys.set(name, keyOf(zi));
    const closeStream = openInsight(name, { type: 'ZoneIngressInsight', name }, versions);
    logger.info({ ingress: name }, 'zone ingress connected');
    return {
      release: () => {
        release();
        closeStream();
        if (!reconciler.isConnected(name)) connectedKeys.delete(name);
        logger.info({ ingress: name }, 'zone ingress disconnected');
        removeUnlessConnected(name, keyOf(zi), grace);
      },
    };
  };

  /**
   * When the store lost its data (a Redis that came back empty), the Dataplanes and
   * ZoneIngresses of the proxies still connected are written again from what the cache held,
   * once their mesh is back (from global, on a federated zone). `restored()` resolves when
   * that is done: the zone sends its own resources up to global only then.
   */
  let restoring: Promise<void> = Promise.resolve();
  const restore = async (reset: NonNullable<CacheChange['reset']>) => {
    const entries = [...connectedKeys].flatMap(([nodeId, key]) => {
      const resource = reset.before(key);
      return resource ? [{ nodeId, key, resource }] : [];
    });
    logger.warn({ proxies: entries.length, reason: reset.reason }, 'the zone store lost its data: registering the connected proxies again');
    const lost: string[] = [];
    for (const { nodeId, key, resource } of entries) {
      try {
        if (key.mesh !== undefined && !(await awaitInCache(() => cache.get({ type: 'Mesh', name: key.mesh! }), RESTORE_WAIT_MS))) {
          lost.push(nodeId);
          continue;
        }
        await upsert(rt.store, { type: resource.type, ...(resource.mesh !== undefined ? { mesh: resource.mesh } : {}), name: resource.name, labels: resource.labels, spec: resource.spec });
        await awaitInCache(() => cache.get(key));
      } catch (err) {
        logger.warn({ nodeId, err: (err as Error).message }, 'cannot register a connected proxy again');
        lost.push(nodeId);
      }
    }
    if (lost.length > 0) logger.error({ proxies: lost }, 'these connected proxies could not be registered again (their mesh is gone); restart them');
    else logger.info({ proxies: entries.length }, 'registered every connected proxy again');
  };
  cache.onChange((change) => {
    if (change.reset) restoring = restoring.then(() => restore(change.reset!));
  });

  const grpcServer = new grpc.Server({ 'grpc.keepalive_time_ms': 30_000, 'grpc.keepalive_timeout_ms': 10_000, 'grpc.max_send_message_length': 64 * 1024 * 1024 });
  const streams = new Map<string, Awaited<ReturnType<DataplaneInsightTracker['open']>>[]>();
  /** A stream's insight subscription; its ADS responses are counted there. Returns the close. */
  const openInsight = (nodeId: string, of: InsightOf, versions: ProxyVersions) => {
    const stream = insights.open(of, versions);
    streams.set(nodeId, [...(streams.get(nodeId) ?? []), stream]);
    return () => {
      stream.close();
      const left = (streams.get(nodeId) ?? []).filter((x) => x !== stream);
      if (left.length) streams.set(nodeId, left);
      else {
        streams.delete(nodeId);
        delivered.delete(nodeId);
      }
    };
  };
  // Delivery time: the first ACK of each type after a node's snapshot was published.
  const delivered = new Map<string, { at: number; types: Set<string> }>();
  const observeDelivery = (nodeId: string, typeUrl: string) => {
    const at = snapshots.publishedAt(nodeId);
    if (at === undefined) return;
    let d = delivered.get(nodeId);
    if (!d || d.at !== at) delivered.set(nodeId, (d = { at, types: new Set() }));
    if (d.types.has(typeUrl)) return;
    d.types.add(typeUrl);
    rt.metrics.xdsDelivery.observe({ type_url: typeUrl }, (performance.now() - at) / 1000);
  };
  const record = (result: 'sent' | 'acked' | 'nacked') => (nodeId: string, typeUrl: string) => {
    rt.metrics.xdsResponses.inc({ type_url: typeUrl, result });
    if (result === 'acked') observeDelivery(nodeId, typeUrl);
    for (const s of streams.get(nodeId) ?? []) s.count(typeUrl, result);
  };
  /** A dataplane connecting: token (and the tags it allows), registration (from its metadata if unknown), config. */
  const admitDataplane = async (nodeId: string, metadata: unknown, md: grpc.Metadata, versions: ProxyVersions) => {
    const proxy = reconciler.parseNodeId(nodeId);
    const denied = (err: unknown) => grpcErrorOf(isMeshworkError(err, 'FORBIDDEN') ? 'FORBIDDEN' : 'UNAUTHENTICATED', (err as Error).message);
    let claims: DataplaneTokenClaims | undefined;
    if (checkToken) {
      try {
        claims = await checkToken(md.get('authorization')[0]?.toString(), { ...proxy, type: 'dataplane' });
      } catch (err) {
        throw denied(err);
      }
    }
    let dp = reconciler.findDataplane(nodeId);
    if (!dp) {
      // Not known (a CP restarted on a memory store): register it from the proxy's metadata.
      const carried = dataplaneFromMetadata(metadata);
      if (carried) {
        try {
          const { dataplane, adminPort } = carried;
          await registerDataplane(registration, String(dataplane.mesh), String(dataplane.name), dataplane, adminPort, claims);
        } catch (err) {
          if (isMeshworkError(err, 'FORBIDDEN')) throw denied(err);
          const fields = isMeshworkError(err) ? err.invalidParameters.map((p) => ` ${p.field}: ${p.reason};`).join('') : '';
          throw grpcErrorOf('BAD_REQUEST', `cannot register proxy "${nodeId}": ${(err as Error).message}${fields}`);
        }
      }
      dp = await awaitInCache(() => reconciler.findDataplane(nodeId));
    }
    if (!dp) {
      throw grpcErrorOf('NOT_FOUND', `unknown proxy "${nodeId}": no Dataplane "${proxy.name}" in mesh "${proxy.mesh}"; start proxies with meshwork-dp`);
    }
    // The Dataplane this proxy will be served (and get the identity of) must fit its token.
    if (claims) {
      try {
        checkTags(claims.tags, dataplaneTagSet(dp.spec));
      } catch (err) {
        throw denied(err);
      }
    }
    cancelRemoval(nodeId);
    // What meshwork-dp runs beside Envoy (see src/dp/agent-protocol.ts).
    const agent: AgentPaths = {};
    for (const [key, meta] of [['accessLogPath', ACCESS_LOG_PATH_METADATA], ['metricsSocket', METRICS_SOCKET_METADATA], ['dynamicConfigSocket', DYNAMIC_CONFIG_SOCKET_METADATA], ['dnsProxyPort', DNS_PROXY_PORT_METADATA], ['metricsCertPath', METRICS_CERT_PATH_METADATA], ['metricsKeyPath', METRICS_KEY_PATH_METADATA]] as const) {
      const value = metadataValue(metadata, meta)?.stringValue;
      if (value) agent[key] = value;
    }
    const release = reconciler.connect(nodeId, dp.spec.networking.admin?.port ?? DEFAULT_ADMIN_PORT, 'dataplane', agent);
    connectedKeys.set(nodeId, keyOf(dp));
    const closeStream = openInsight(nodeId, { type: 'DataplaneInsight', mesh: dp.mesh!, name: dp.name }, versions);
    rt.metrics.xdsConnectedProxies.inc();
    logger.info({ nodeId }, 'proxy connected');
    return {
      release: () => {
        release();
        if (!reconciler.isConnected(nodeId)) connectedKeys.delete(nodeId);
        closeStream();
        rt.metrics.xdsConnectedProxies.dec();
        logger.info({ nodeId }, 'proxy disconnected');
        removeUnlessConnected(nodeId, keyOf(dp), grace);
      },
    };
  };

  registerAds(grpcServer, {
    cache: snapshots,
    logger: rt.logger.child({ component: 'ads' }),
    events: { sent: record('sent'), acked: record('acked'), nacked: record('nacked') },
    admit: async (node, md) => {
      const nodeId = node.id;
      const proxyType = metadataValue(node.metadata, PROXY_TYPE_METADATA)?.stringValue;
      const dpVersion = metadataValue(node.metadata, DP_VERSION_METADATA)?.stringValue;
      const versions: ProxyVersions = { ...(dpVersion ? { kumaDp: { version: dpVersion } } : {}), ...(node.envoyVersion ? { envoy: { version: node.envoyVersion } } : {}) };
      if (proxyType === 'ingress') return admission(nodeId, () => admitIngress(nodeId, node.metadata, md, versions));
      return admission(nodeId, () => admitDataplane(nodeId, node.metadata, md, versions));
    },
  });

  let server: DpServer | undefined;
  let boundPort = config.dpServer.port;
  return {
    snapshots,
    reconciler,
    ingressTokens,
    envoyAdminTls,
    restored: () => restoring,
    components: [
      {
        name: 'dp-server',
        needsLeader: false,
        async start() {
          const tls = config.dpServer.tls;
          const pair =
            tls.certFile && tls.keyFile
              ? { cert: readFileSync(tls.certFile, 'utf8'), key: readFileSync(tls.keyFile, 'utf8') }
              : await selfSignedServerCert({ commonName: 'meshwork-dp-server', hostnames: [...new Set(['localhost', '127.0.0.1', '::1', hostname(), ...tls.hostnames])], validDays: 365 });
          server = new DpServer({
            grpcServer,
            logger,
            tls: pair,
            routes: [
              {
                method: 'POST',
                path: '/bootstrap',
                handle: async (body, req) => {
                  const out = await handleBootstrap({ ...registration, version: rt.version, cpPort: () => boundPort, ...(checkToken ? { checkToken } : {}), ...(checkIngressToken ? { checkIngressToken } : {}) }, body, req);
                  // A registration whose proxy never opens a stream does not stay forever (Envoy
                  // starts after its bootstrap: it gets the reconnect allowance on top).
                  removeUnlessConnected(out.registered.nodeId, out.registered.key, grace + config.dpServer.reconnectAllowanceMs);
                  return out;
                },
              },
            ],
          });
          reconciler.start();
          insights.start(config.dpServer.statusFlushIntervalMs);
          await sweepRegistrations();
          boundPort = await server.listen(config.dpServer.address, config.dpServer.port);
          logger.info({ address: config.dpServer.address, port: boundPort, selfSigned: !tls.certFile }, 'DP server listening (bootstrap and xDS)');
        },
        async stop() {
          reconciler.stop();
          for (const t of pendingRemovals.values()) clearTimeout(t);
          await server?.close();
          await insights.stop();
        },
      },
    ],
  };
}
