import * as grpc from '@grpc/grpc-js';
import { grpcError } from '../../core/grpc-errors.ts';
import * as protoLoader from '@grpc/proto-loader';
import type { Logger } from '../../core/logger.ts';
import { PROTO_LOADER_OPTIONS as LOADER_OPTIONS } from '../envoy/proto-paths.ts';
import type { SnapshotCache } from '../cache/snapshot-cache.ts';
import type { XdsSnapshot } from '../cache/snapshot.ts';
import { typeUrl } from '../envoy/protos.ts';
import { encodeDeltaDiscoveryResponse, encodeDiscoveryResponse } from '../envoy/discovery-wire.ts';
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse } from '../delta/messages.ts';
import { DeltaServerSession } from '../delta/server-session.ts';
import { SotwSession, type DiscoveryRequest, type DiscoveryResponse } from './sotw-session.ts';

// Envoy's ADS, SotW (StreamAggregatedResources) and delta (DeltaAggregatedResources). The
// server never builds config: it serves what the snapshot cache holds for the stream's node.
// A stream's node is announced by its first request; `admit` decides whether that node may
// connect (registered dataplane, valid token) and returns a release function.

export interface AdsServerOptions {
  cache: SnapshotCache;
  logger: Logger;
  /** `envoyVersion`: from the node's user_agent_build_version (e.g. "1.40.0"). */
  admit(node: { id: string; metadata?: unknown; envoyVersion?: string }, metadata: grpc.Metadata): Promise<{ release(): void }>;
  events?: {
    acked?(nodeId: string, typeUrl: string): void;
    nacked?(nodeId: string, typeUrl: string, message: string): void;
    sent?(nodeId: string, typeUrl: string): void;
  };
}

type Call<Req, Res> = grpc.ServerDuplexStream<Req, Res>;

export function adsService(): grpc.ServiceDefinition {
  const def = protoLoader.loadSync('envoy/service/discovery/v3/ads.proto', LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(def) as unknown as { envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: grpc.ServiceClientConstructor } } } } };
  const service = pkg.envoy.service.discovery.v3.AggregatedDiscoveryService.service;
  // Responses are written over the snapshot's encoded resources, not re-encoded by proto-loader.
  return {
    ...service,
    StreamAggregatedResources: { ...service.StreamAggregatedResources!, responseSerialize: encodeDiscoveryResponse },
    DeltaAggregatedResources: { ...service.DeltaAggregatedResources!, responseSerialize: encodeDeltaDiscoveryResponse },
  };
}

/** `<mesh>.<name>`: two resource names of at most 253 characters. */
const NODE_ID_MAX = 2 * 253 + 1;
const NODE_ID = new RegExp(`^[A-Za-z0-9][-A-Za-z0-9_.]{0,${NODE_ID_MAX - 1}}$`);

/** A snapshot as a delta session reads it: its resources already carry name, version and Any. */
const deltaView = (snapshot: XdsSnapshot) => ({ resources: (url: string) => snapshot.byTypeUrl(url) });

export function registerAds(server: grpc.Server, o: AdsServerOptions): void {
  const failCall = (call: grpc.ServerDuplexStream<unknown, unknown>, code: grpc.status, details: string) =>
    call.emit('error', grpcError(code, details));

  /** Common stream lifecycle: admit on the first request's node id, watch its snapshots, clean up. */
  const serve = <Req extends { node?: { id?: string; metadata?: unknown; user_agent_build_version?: { version?: { major_number?: number; minor_number?: number; patch?: number } } | null } | null }>(
    call: grpc.ServerDuplexStream<Req, unknown>,
    session: (nodeId: string) => { handle(req: Req): void; setSnapshot(s: XdsSnapshot): void },
  ) => {
    let nodeId: string | undefined;
    let s: ReturnType<typeof session> | undefined;
    let cleanup: (() => void)[] = [];
    const pending: Req[] = [];
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      for (const c of cleanup) c();
      cleanup = [];
    };
    call.on('data', (req: Req) => {
      if (s) return s.handle(req);
      pending.push(req);
      if (nodeId !== undefined) return;
      nodeId = req.node?.id ?? '';
      const id = nodeId;
      // Checked before anything else: a node id is echoed in logs and errors only once it is
      // the shape of a node id (a 10,000-character one was sent back whole).
      if (!NODE_ID.test(id)) {
        o.logger.warn({ nodeIdLength: id.length }, 'refused an xDS stream with a malformed node id');
        failCall(call, grpc.status.INVALID_ARGUMENT, `node.id must be "<mesh>.<name>" (a zone ingress: "<name>"), at most ${NODE_ID_MAX} letters, digits, ".", "-" or "_"; got ${id.length} characters`);
        return;
      }
      const v = req.node?.user_agent_build_version?.version;
      const envoyVersion = v ? `${v.major_number ?? 0}.${v.minor_number ?? 0}.${v.patch ?? 0}` : undefined;
      o.admit({ id, metadata: req.node?.metadata, ...(envoyVersion ? { envoyVersion } : {}) }, call.metadata).then(
        (admission) => {
          if (closed) return admission.release();
          s = session(id);
          cleanup.push(() => admission.release(), o.cache.watch(id, (snap) => s!.setSnapshot(snap)));
          for (const r of pending.splice(0)) s.handle(r);
        },
        (err: Error & { code?: grpc.status }) => {
          o.logger.warn({ nodeId: id, err: err.message }, 'refused an xDS stream');
          failCall(call, err.code ?? grpc.status.PERMISSION_DENIED, err.message);
        },
      );
    });
    call.on('end', () => {
      close();
      call.end();
    });
    for (const e of ['error', 'cancelled', 'close']) call.on(e, close);
  };

  server.addService(adsService(), {
    StreamAggregatedResources: (call: Call<DiscoveryRequest, DiscoveryResponse>) =>
      serve(call, (nodeId) => {
        const sotw = new SotwSession({
          send: (r) => call.write(r),
          logger: o.logger.child({ nodeId, ads: 'sotw' }),
          events: {
            sent: (k) => o.events?.sent?.(nodeId, typeUrl(k)),
            acked: (k) => o.events?.acked?.(nodeId, typeUrl(k)),
            nacked: (k, _v, m) => o.events?.nacked?.(nodeId, typeUrl(k), m),
          },
        });
        return { handle: (r) => sotw.handleRequest(r), setSnapshot: (snap) => sotw.setSnapshot(snap) };
      }),
    DeltaAggregatedResources: (call: Call<DeltaDiscoveryRequest, DeltaDiscoveryResponse>) =>
      serve(call, (nodeId) => {
        const delta = new DeltaServerSession({
          send: (r) => call.write(r),
          maxMessageBytes: 64 * 1024 * 1024,
          // A cluster sent is followed by its endpoints (Envoy warms it until they come).
          resendWith: { [typeUrl('cluster')]: typeUrl('endpoint') },
          logger: o.logger.child({ nodeId, ads: 'delta' }),
          events: {
            sent: (t) => o.events?.sent?.(nodeId, t),
            acked: (t) => o.events?.acked?.(nodeId, t),
            nacked: (t, m) => o.events?.nacked?.(nodeId, t, m),
          },
        });
        return { handle: (r) => delta.handleRequest(r), setSnapshot: (snap) => delta.setSnapshot(deltaView(snap)) };
      }),
  });
}
