import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../core/logger.ts';
import { ADMIN_KINDS, type AdminKind, type EnvoyAdminAccess } from '../../envoy-admin/access.ts';
import { ADMIN_STREAMS, adminResponse, parseAdminRequest, type AdminRequestMessage, type AdminResponseMessage } from '../envoy-admin-streams.ts';

// The zone's side of KDS's Envoy admin streams: opened to global once the zone is in sync,
// one per admin kind; every request global sends is answered from the proxy's Envoy admin
// (LocalEnvoyAdmin), concurrently. A stream that fails is opened again after a pause while
// the connection lasts; a global that has no such streams (UNIMPLEMENTED) is not asked again.

type AdminStream = grpc.ClientDuplexStream<AdminResponseMessage, AdminRequestMessage>;
type GlobalClient = Record<string, (md: grpc.Metadata) => AdminStream>;

const REOPEN_MS = 2000;

export function serveEnvoyAdmin(options: { client: grpc.Client; metadata: () => grpc.Metadata; access: EnvoyAdminAccess; logger: Logger }): () => void {
  const client = options.client as unknown as GlobalClient;
  const log = options.logger.child({ stream: 'envoy-admin' });
  let stopped = false;
  const streams = new Set<AdminStream>();
  const timers = new Set<NodeJS.Timeout>();

  const open = (kind: AdminKind) => {
    if (stopped) return;
    const call = client[ADMIN_STREAMS[kind].rpc]!.call(client, options.metadata());
    streams.add(call);
    call.on('data', (m: AdminRequestMessage) => {
      void (async () => {
        let response: AdminResponseMessage;
        try {
          const { proxy, query } = parseAdminRequest(kind, m);
          response = adminResponse(kind, m.request_id, { answer: await options.access.inspect(proxy, kind, query) });
        } catch (err) {
          response = adminResponse(kind, m.request_id, { error: err });
        }
        if (!stopped && streams.has(call)) call.write(response);
      })();
    });
    let done = false;
    const ended = (err?: grpc.ServiceError) => {
      if (done) return;
      done = true;
      streams.delete(call);
      if (stopped) return;
      if (err?.code === grpc.status.UNIMPLEMENTED) {
        log.info({ kind }, 'global reads no Envoy admin through zones (an older global?): not opened again');
        return;
      }
      log.warn({ kind, err: err?.message ?? 'ended by global' }, 'Envoy admin stream to global ended; opening it again');
      const timer = setTimeout(() => {
        timers.delete(timer);
        open(kind);
      }, REOPEN_MS);
      timer.unref();
      timers.add(timer);
    };
    call.on('error', (err: grpc.ServiceError) => ended(err));
    call.on('end', () => ended());
  };
  for (const kind of ADMIN_KINDS) open(kind);

  return () => {
    stopped = true;
    for (const t of timers) clearTimeout(t);
    for (const s of streams) s.cancel();
    streams.clear();
  };
}
