import { createServer, connect, type Server, type Socket } from 'node:net';

// A loopback TCP proxy that can go silent: blackhole() stops forwarding on every open
// connection without closing it (a network partition, as opposed to a process crash), and
// heal() lets new connections through again.

export interface TcpProxy extends AsyncDisposable {
  readonly port: number;
  blackhole(): void;
  heal(): void;
  connections(): number;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const live = new Set<{ client: Socket; upstream: Socket; dead: boolean }>();
  let silent = false;
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    const pair = { client, upstream, dead: silent };
    live.add(pair);
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk) => {
        if (!pair.dead) to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
    const close = () => {
      live.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    blackhole() {
      silent = true;
      for (const p of live) p.dead = true;
    },
    heal() {
      silent = false;
    },
    connections: () => [...live].filter((p) => !p.dead).length,
    async [Symbol.asyncDispose]() {
      for (const p of live) {
        p.client.destroy();
        p.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
