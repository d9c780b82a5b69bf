import { hash } from 'node:crypto';
import type { Logger } from '../core/logger.ts';
import type { Resource } from '../resources/resource.ts';
import type { DataplaneSpec } from '../resources/types/dataplane.ts';
import type { MeshSpec } from '../resources/types/mesh.ts';
import { debounce, type CacheChange, type ResourceCache } from '../store/resource-cache.ts';
import type { SnapshotCache } from './cache/snapshot-cache.ts';
import { SnapshotError, snapshotOf, XDS_KINDS, type XdsSnapshot } from './cache/snapshot.ts';
import { buildSnapshot } from './build/build-snapshot.ts';
import { proxyPolicies } from './build/proxy-policies.ts';
import { ingressResources } from '../ingress/ingress-config.ts';
import type { ZoneIngressSpec } from '../resources/types/zone-ingress.ts';
import { meshEndpoints, meshPolicies, type AgentPaths, type Endpoint, type MtlsContext } from './generate/context.ts';
import type { Policy, PolicyPlugin } from './model/policy.ts';
import { certValidityMs, enabledBuiltinBackend, readMeshCa } from '../mtls/builtin-ca.ts';
import type { IdentityCertManager } from '../mtls/identity-certs.ts';
import { SERVICE_TAG } from '../resources/types/dataplane.ts';
import type { Generator } from './generate/generators.ts';
import type { EnvoyAdminServerTls } from '../envoy-admin/tls.ts';
import { RecordedEndpoints, type EndpointReads } from './generate/recorded-endpoints.ts';
import { meshServiceDestinations, meshServiceOutbounds } from '../meshservice/destinations.ts';
import type { MeshServiceSpec } from '../resources/types/mesh-service.ts';
import type { MeshServiceDestination } from './model/context.ts';

// One reconcile loop for the proxies of a zone: on any change (debounced) or a proxy
// connecting, regenerate each connected proxy's snapshot, compare versions, and publish only
// what changed, logging which types did. A snapshot that fails to build keeps the last good
// one in place.

export interface ReconcilerOptions {
  /** Issues proxies' workload certificates when their mesh has builtin mTLS. */
  certs: IdentityCertManager;
  cache: ResourceCache;
  snapshots: SnapshotCache;
  generators: readonly Generator[];
  plugins?: readonly PolicyPlugin[];
  logger: Logger;
  zone: string;
  debounceMs: number;
  onBuilt?(nodeId: string, ms: number): void;
  /** A reconcile pass finished. */
  onPass?(): void;
  /** Certificates of proxies' Envoy admin listeners; unset: proxies get none (their admin stays on the loopback). */
  envoyAdmin?: { serverCert(addresses: readonly string[]): Promise<EnvoyAdminServerTls> };
}

/**
 * Types no proxy configuration is made from: status written by the zone itself (every ACK
 * updates a DataplaneInsight) and global-only data. Their changes do not start a pass.
 */
const NOT_CONFIG_INPUTS = new Set(['DataplaneInsight', 'ZoneIngressInsight', 'ZoneInsight', 'Zone', 'GlobalSecret']);

/** Whether a cache change may change some proxy's configuration (a resync always may). */
export function affectsProxyConfig(change: CacheChange): boolean {
  return change.resync || change.keys.some((k) => !NOT_CONFIG_INPUTS.has(k.type));
}

/** How long a reconcile pass works before it lets the event loop run. */
const PASS_SLICE_MS = 20;

/**
 * Envoy node ids are `<mesh>.<name>`, and names may hold dots. New mesh names cannot (they are
 * RFC 1035 labels), but meshes created before that rule may: `meshExists` picks the split
 * whose mesh exists, the first dot first.
 */
export function parseNodeId(nodeId: string, meshExists: (mesh: string) => boolean = () => false): { mesh: string; name: string } {
  const first = nodeId.indexOf('.');
  if (first <= 0) return { mesh: '', name: nodeId };
  for (let dot = first; dot > 0; dot = nodeId.indexOf('.', dot + 1)) {
    if (meshExists(nodeId.slice(0, dot))) return { mesh: nodeId.slice(0, dot), name: nodeId.slice(dot + 1) };
  }
  return { mesh: nodeId.slice(0, first), name: nodeId.slice(first + 1) };
}

export class XdsReconciler {
  readonly #o: ReconcilerOptions;
  /** node id → admin port and kind, for connected proxies. */
  readonly #nodes = new Map<string, { adminPort: number; connections: number; ingress: boolean; agent: AgentPaths }>();
  readonly #refresh: ReturnType<typeof debounce>;
  #unsubscribe: (() => void) | undefined;
  /** Reconcile passes run one at a time, in order. */
  #queue: Promise<void> = Promise.resolve();
  readonly #renewals = new Map<string, NodeJS.Timeout>();
  /** node id → fingerprint of the inputs of its current snapshot (skip the build when unchanged). */
  readonly #inputs = new Map<string, string>();
  /** Per proxy, the endpoints its last build read. */
  readonly #reads = new Map<string, EndpointReads>();
  /** Counts the cache changes that may change proxies' configuration. */
  #generation = 0;
  readonly #meshInputsKept = new Map<string, MeshInputs & { generation: number }>();
  #adminRetry: NodeJS.Timeout | undefined;
  /** Proxies connected since the last connect pass started; built by the next one. */
  #connecting: string[] | undefined;

  /** The types policies select proxies by (each plugin's own). */
  readonly #policyTypes: ReadonlySet<string>;

  constructor(options: ReconcilerOptions) {
    this.#o = options;
    this.#policyTypes = new Set((options.plugins ?? []).map((p) => p.type));
    this.#refresh = debounce(() => this.reconcile(), options.debounceMs);
  }

  start(): void {
    this.#unsubscribe = this.#o.cache.onChange((change) => {
      if (!affectsProxyConfig(change)) return;
      this.#generation++;
      this.#refresh.trigger();
    });
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#meshInputsKept.clear();
    this.#refresh.cancel();
    clearTimeout(this.#adminRetry);
    this.#adminRetry = undefined;
    for (const t of this.#renewals.values()) clearTimeout(t);
    this.#renewals.clear();
  }

  /** Resolves when every reconcile pass started so far has finished. */
  idle(): Promise<void> {
    return this.#queue;
  }

  /** A proxy connected; its snapshot is built at once. Returns the release function. */
  /** `agent`: what meshwork-dp runs beside the proxy, from its node metadata. */
  connect(nodeId: string, adminPort: number, kind: 'dataplane' | 'ingress' = 'dataplane', agent: AgentPaths = {}): () => void {
    const entry = this.#nodes.get(nodeId) ?? { adminPort, connections: 0, ingress: kind === 'ingress', agent };
    entry.agent = agent;
    entry.connections++;
    this.#nodes.set(nodeId, entry);
    // Proxies connecting while a pass runs are built together in the next one (a storm of
    // reconnects is a few passes, not one per proxy, each reading the whole mesh).
    if (this.#connecting) this.#connecting.push(nodeId);
    else {
      const batch = (this.#connecting = [nodeId]);
      this.#enqueue(() => {
        if (this.#connecting === batch) this.#connecting = undefined;
        return this.#pass(batch);
      });
    }
    return () => {
      if (--entry.connections > 0) return;
      this.#nodes.delete(nodeId);
      clearTimeout(this.#renewals.get(nodeId));
      this.#renewals.delete(nodeId);
      this.#o.certs.forget(nodeId);
      this.#inputs.delete(nodeId);
      this.#reads.delete(nodeId);
    };
  }

  connectedNodes(): string[] {
    return [...this.#nodes.keys()];
  }

  isConnected(nodeId: string): boolean {
    return this.#nodes.has(nodeId);
  }

  /** A node id's mesh and name, by the meshes this zone has. */
  parseNodeId(nodeId: string): { mesh: string; name: string } {
    return parseNodeId(nodeId, (mesh) => this.#o.cache.get({ type: 'Mesh', name: mesh }) !== undefined);
  }

  findDataplane(nodeId: string): Resource<DataplaneSpec> | undefined {
    const { mesh, name } = this.parseNodeId(nodeId);
    if (!mesh) return undefined;
    return this.#o.cache.get({ type: 'Dataplane', mesh, name }) as Resource<DataplaneSpec> | undefined;
  }

  reconcile(only?: string[]): Promise<void> {
    return this.#enqueue(() => this.#pass(only));
  }

  #enqueue(pass: () => Promise<void>): Promise<void> {
    this.#queue = this.#queue.then(pass).catch((err: unknown) => this.#o.logger.error({ err }, 'reconcile pass failed'));
    return this.#queue;
  }

  #retryAdmin(): void {
    if (this.#adminRetry) return;
    this.#adminRetry = setTimeout(() => {
      this.#adminRetry = undefined;
      void this.reconcile();
    }, 5000);
    this.#adminRetry.unref();
  }

  /**
   * The certificate of a proxy's admin listener. Without one (the store is down when the CA is
   * first read) the proxy is built without that listener, and gets it on a later pass.
   */
  async #adminCert(nodeId: string, addresses: (string | undefined)[]): Promise<EnvoyAdminServerTls | undefined> {
    if (!this.#o.envoyAdmin) return undefined;
    try {
      return await this.#o.envoyAdmin.serverCert([...new Set(addresses.filter((a): a is string => !!a))]);
    } catch (err) {
      this.#o.logger.warn({ nodeId, err: (err as Error).message }, 'no Envoy admin certificate yet; the proxy is built without its admin listener');
      this.#retryAdmin();
      return undefined;
    }
  }

  /** The mTLS part of a proxy's context; undefined = mTLS off; 'unavailable' = on but no CA yet. */
  async #mtls(nodeId: string, mesh: Resource<MeshSpec>, dataplane: Resource<DataplaneSpec>): Promise<MtlsContext | undefined | 'unavailable'> {
    const backend = enabledBuiltinBackend(mesh.spec);
    if (!backend) return undefined;
    const ca = readMeshCa(this.#o.cache, mesh.name, backend.name);
    if (!ca) return 'unavailable';
    const tags = (dataplane.spec.networking.inbound ?? []).map((ib) => ib.tags ?? {});
    // Inbounds without a service tag (or no inbounds): the certificate names the proxy.
    const services = tags.flatMap((t) => (t[SERVICE_TAG] ? [t[SERVICE_TAG]] : []));
    const cert = await this.#o.certs.ensure(nodeId, mesh.name, ca, services.length ? services : [dataplane.name], certValidityMs(backend), tags);
    // Rotation: reconcile this proxy again when its certificate is due for renewal.
    clearTimeout(this.#renewals.get(nodeId));
    const timer = setTimeout(() => void this.reconcile([nodeId]), Math.max(1000, cert.renewAt.getTime() - Date.now()));
    timer.unref();
    this.#renewals.set(nodeId, timer);
    return { mode: backend.mode ?? 'STRICT', caCert: ca.cert, identity: { cert: cert.cert, key: cert.key } };
  }

  /** A zone ingress: its listener and the clusters of the services it offers. */
  async #ingress(name: string, adminPort: number, endpointsOf: (mesh: string) => ReadonlyMap<string, Endpoint[]>): Promise<void> {
    const ingress = this.#o.cache.get({ type: 'ZoneIngress', name }) as Resource<ZoneIngressSpec> | undefined;
    if (!ingress) return;
    const tls = await this.#adminCert(name, [ingress.spec.networking.address, ingress.spec.networking.advertisedAddress]);
    const meshes = [...new Set((ingress.spec.availableServices ?? []).map((s) => s.mesh ?? 'default'))];
    const fingerprint = [ingress.version, adminPort, adminFingerprint(tls), ...meshes.flatMap((m) => [...endpointsOf(m)].map(([svc, eps]) => `${m}/${svc}:${eps.map((e) => `${e.address}:${e.port}${JSON.stringify(e.tags)}`).join(',')}`))].join(';');
    if (this.#inputs.get(name) === fingerprint && this.#o.snapshots.get(name)) return;
    try {
      this.#o.snapshots.set(name, snapshotOf(ingressResources(ingress, endpointsOf, this.#o.zone, { adminPort, tls }), `zone ingress ${name}`));
      this.#inputs.set(name, fingerprint);
    } catch (err) {
      if (!(err instanceof SnapshotError)) throw err;
      this.#o.logger.error({ ingress: name, err: err.message }, 'cannot build the ingress configuration; it keeps its last one');
    }
  }

  /**
   * A mesh's endpoints (`local`: this zone's only, for ingresses) and policies, shared by the
   * passes of one config generation: a storm of connects runs many small passes, and each
   * would otherwise read the whole mesh again. Without a running subscription (start() not
   * called) nothing is kept between passes.
   */
  #meshInputs(mesh: string, kind: 'proxies' | 'local', mtls: boolean): MeshInputs {
    const key = `${kind}/${mtls}/${mesh}`;
    const kept = this.#unsubscribe ? this.#meshInputsKept.get(key) : undefined;
    if (kept?.generation === this.#generation) return kept;
    const endpoints = meshEndpoints(this.#o.cache, mesh, this.#o.zone, kind === 'proxies' && mtls);
    // MeshService ports' endpoints join the map under their cluster names (what builds read, and so what fingerprints record).
    const ms = kind === 'proxies' ? meshServiceDestinations(this.#o.cache.list('MeshService', mesh) as Resource<MeshServiceSpec>[], this.#o.cache.list('Dataplane', mesh) as Resource<DataplaneSpec>[]) : { destinations: [], endpoints: new Map<string, Endpoint[]>() };
    for (const [cluster, list] of ms.endpoints) endpoints.set(cluster, list);
    const inputs = {
      generation: this.#generation,
      endpoints,
      policies: meshPolicies(this.#o.cache, mesh, [...new Set((this.#o.plugins ?? []).flatMap((p) => [p.type, ...(p.reads ?? [])]))]),
      destinations: ms.destinations,
      destinationsFingerprint: ms.destinations.length ? `|msvc:${hash('sha1', JSON.stringify(ms.destinations), 'base64')}` : '|msvc:-',
    };
    this.#meshInputsKept.set(key, inputs);
    return inputs;
  }

  async #pass(only?: string[]): Promise<void> {
    try {
      await this.#passOver(only);
    } finally {
      this.#o.onPass?.();
    }
  }

  async #passOver(only?: string[]): Promise<void> {
    // Ingresses serve local endpoints only; kept apart from proxies' (which include remote zones).
    const endpointsOf = (mesh: string) => this.#meshInputs(mesh, 'local', false).endpoints;
    let turnStarted = performance.now();
    for (const nodeId of only ?? [...this.#nodes.keys()]) {
      // A long pass yields now and then, so that snapshots already published are written
      // to their streams (and ACKs read) while the rest are built.
      if (performance.now() - turnStarted > PASS_SLICE_MS) {
        await new Promise(setImmediate);
        turnStarted = performance.now();
      }
      const node = this.#nodes.get(nodeId);
      if (node?.ingress) {
        await this.#ingress(nodeId, node.adminPort, endpointsOf);
        continue;
      }
      const dataplane = this.findDataplane(nodeId);
      if (!node || !dataplane) continue;
      const mesh = this.#o.cache.get({ type: 'Mesh', name: dataplane.mesh! }) as Resource<MeshSpec> | undefined;
      if (!mesh) continue;
      const inputs = this.#meshInputs(mesh.name, 'proxies', enabledBuiltinBackend(mesh.spec) !== undefined);
      const { endpoints, destinations } = inputs;
      const msOutbounds = meshServiceOutbounds(dataplane, mesh, destinations);
      // Only the policies that reach this proxy: a policy for another service's callers changes neither its build nor its fingerprint.
      const policies = proxyPolicies(inputs.policies, dataplane, this.#policyTypes, msOutbounds);
      const mtls = await this.#mtls(nodeId, mesh, dataplane);
      const envoyAdmin = await this.#adminCert(nodeId, [dataplane.spec.networking.address, dataplane.spec.networking.advertisedAddress]);
      if (mtls === 'unavailable') {
        // Never fall back to plaintext: the proxy keeps its last configuration until the CA arrives.
        this.#o.logger.warn({ nodeId, mesh: mesh.name }, 'mesh has builtin mTLS enabled but its CA is not available yet');
        continue;
      }
      // What the last build read decides whether this one would differ (a first build has no record).
      const lastReads = this.#reads.get(nodeId);
      // The MeshServices of the mesh decide its real-resource outbounds and route backends (their endpoints are reads).
      const fingerprint = lastReads && inputFingerprint(mesh, dataplane, endpoints, node.adminPort, mtls, policies, node.agent, lastReads) + adminFingerprint(envoyAdmin) + inputs.destinationsFingerprint;
      if (fingerprint !== undefined && this.#inputs.get(nodeId) === fingerprint && this.#o.snapshots.get(nodeId)) continue;
      const started = performance.now();
      let snapshot: XdsSnapshot;
      const recorded = new RecordedEndpoints(endpoints);
      try {
        const real = destinations.length ? { meshServiceOutbounds: msOutbounds, meshServiceDestinations: destinations } : {};
        snapshot = buildSnapshot({ mesh, dataplane, endpoints: recorded, policies, zone: this.#o.zone, adminPort: node.adminPort, ...(mtls ? { mtls } : {}), ...(envoyAdmin ? { envoyAdmin } : {}), ...real, ...node.agent }, this.#o.generators, this.#o.plugins);
      } catch (err) {
        if (!(err instanceof SnapshotError)) throw err;
        this.#o.logger.error({ nodeId, err: err.message }, 'cannot build configuration; the proxy keeps its last one');
        continue;
      }
      this.#o.onBuilt?.(nodeId, performance.now() - started);
      this.#reads.set(nodeId, recorded.reads);
      this.#inputs.set(nodeId, inputFingerprint(mesh, dataplane, endpoints, node.adminPort, mtls, policies, node.agent, recorded.reads) + adminFingerprint(envoyAdmin) + inputs.destinationsFingerprint);
      const previous = this.#o.snapshots.get(nodeId);
      if (this.#o.snapshots.set(nodeId, snapshot) && this.#o.logger.isLevelEnabled('debug')) {
        const changed = XDS_KINDS.filter((k) => JSON.stringify([...(previous?.versions(k) ?? [])]) !== JSON.stringify([...snapshot.versions(k)]));
        this.#o.logger.debug({ nodeId, version: snapshot.version, changed }, 'published a new snapshot');
      }
    }
  }
}

/** A mesh's inputs of one config generation, shared by its proxies' builds. */
interface MeshInputs {
  endpoints: Map<string, Endpoint[]>;
  policies: Map<string, Policy[]>;
  /** Its MeshService ports (real-resource destinations), and their digest for fingerprints. */
  destinations: MeshServiceDestination[];
  destinationsFingerprint: string;
}

/** The admin certificate a snapshot holds (certificates are cached by address: a new one is a new address or CA). */
function adminFingerprint(tls: EnvoyAdminServerTls | undefined): string {
  return tls ? `|admin:${tls.cert.slice(-64)}` : '|admin:-';
}

/** Endpoint lists are built once per pass and shared by the proxies calling the service. */
const endpointFingerprints = new WeakMap<Endpoint[], string>();
function endpointsFingerprint(eps: Endpoint[]): string {
  let f = endpointFingerprints.get(eps);
  // All tags: the protocol shapes listeners, and route subsets select endpoints by tags.
  if (f === undefined) endpointFingerprints.set(eps, (f = eps.map((e) => `${e.address}:${e.port}|${e.weight ?? 1}|${JSON.stringify(e.tags)}`).join(',')));
  return f;
}

/**
 * What a proxy's snapshot depends on: its mesh and dataplane versions, its certificate, and
 * the endpoints of the services it calls. Equal fingerprints mean an equal snapshot. A digest
 * (not a secret), so that each connected proxy keeps a few bytes rather than its inputs.
 */
export function inputFingerprint(mesh: Resource, dataplane: Resource<DataplaneSpec>, endpoints: ReadonlyMap<string, Endpoint[]>, adminPort: number, mtls: MtlsContext | undefined, policies?: ReadonlyMap<string, Policy[]>, agent: AgentPaths = {}, reads?: EndpointReads): string {
  const parts = [mesh.version, dataplane.version, String(adminPort), agent.accessLogPath ?? '', agent.metricsSocket ?? '', agent.dynamicConfigSocket ?? '', agent.dnsProxyPort ?? '', agent.metricsCertPath ?? '', agent.metricsKeyPath ?? '', mtls ? `${mtls.mode}:${mtls.identity.cert.length}:${mtls.identity.cert.slice(-64)}` : 'plain'];
  for (const [type, list] of policies ?? []) for (const p of list) parts.push(`${type}/${p.name}@${p.version}`);
  // The endpoints of the services the build read (every service if it enumerated them), and
  // of the declared outbounds (what a first build reads).
  const services = new Set((dataplane.spec.networking.outbound ?? []).map((ob) => ob.tags?.[SERVICE_TAG] ?? ob.backendRef?.name ?? ''));
  for (const s of reads?.all ? endpoints.keys() : (reads?.services ?? [])) services.add(s);
  if (reads?.all) parts.push('all', [...endpoints.keys()].sort().join(','));
  for (const service of [...services].sort()) {
    const eps = endpoints.get(service);
    parts.push(service, eps ? endpointsFingerprint(eps) : '-');
  }
  return hash('sha1', parts.join(';'), 'base64');
}
