import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { MeshworkError, toMeshworkError, toRestError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';

// The zone's DP server: one TLS port, as in Kuma. ALPN h2 connections are handed to the
// gRPC server (ADS); HTTP/1.1 ones to the bootstrap handler.

export interface HttpRoute {
  method: string;
  path: string;
  handle(body: unknown, req: IncomingMessage): Promise<{ status: number; body: unknown }>;
}

const MAX_BODY = 2 * 1024 * 1024;

export class DpServer {
  readonly #grpc: grpc.Server;
  readonly #routes: HttpRoute[];
  readonly #logger: Logger;
  readonly #tls: { cert: string; key: string };
  #server: TlsServer | undefined;
  readonly #sockets = new Set<TLSSocket>();

  constructor(options: { grpcServer: grpc.Server; routes: HttpRoute[]; logger: Logger; tls: { cert: string; key: string } }) {
    this.#grpc = options.grpcServer;
    this.#routes = options.routes;
    this.#logger = options.logger;
    this.#tls = options.tls;
  }

  async listen(address: string, port: number): Promise<number> {
    const injector = this.#grpc.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    const http = createHttpServer((req, res) => void this.#handle(req, res));
    const server = createTlsServer({ cert: this.#tls.cert, key: this.#tls.key, ALPNProtocols: ['h2', 'http/1.1'] }, (socket: TLSSocket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      if (socket.alpnProtocol === 'h2') injector.injectConnection(socket);
      else http.emit('connection', socket);
    });
    server.on('tlsClientError', (err) => this.#logger.debug({ err: err.message }, 'TLS handshake failed'));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // Every proxy of a zone reconnects at once when its CP restarts: Node's default accept
      // queue (511) drops their SYNs, and each retries only after 1, 3, 7… s. The kernel caps
      // the backlog at net.core.somaxconn.
      server.listen({ port, host: address, backlog: 65535 }, () => resolve());
    });
    return (server.address() as { port: number }).port;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    try {
      const route = this.#routes.find((r) => r.method === req.method && r.path === req.url?.split('?')[0]);
      if (!route) throw new MeshworkError('NOT_FOUND', `no such endpoint: ${req.method} ${req.url}`);
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > MAX_BODY) throw new MeshworkError('RESOURCE_TOO_LARGE', 'request body is too large');
        chunks.push(chunk as Buffer);
      }
      let body: unknown;
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
      } catch (err) {
        throw new MeshworkError('BAD_REQUEST', `request body is not valid JSON: ${(err as Error).message}`);
      }
      const out = await route.handle(body, req);
      send(out.status, out.body);
    } catch (err) {
      const e = toMeshworkError(err);
      if (e.code === 'INTERNAL') this.#logger.error({ err }, 'DP server request failed');
      send(e.httpStatus, toRestError(e));
    }
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    // Stop accepting, end every stream (proxies reconnect to the next instance), and drop
    // the connections: server.close() alone waits for connected proxies, which never leave.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    this.#grpc.forceShutdown();
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }
}
