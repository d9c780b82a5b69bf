import { execFileSync } from 'node:child_process';
import { constants, openSync, rmSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import { createInterface } from 'node:readline';
import type { Logger } from '../core/logger.ts';
import { ACCESS_LOG_ADDRESS_KEY } from './agent-protocol.ts';

// MeshAccessLog's tcp backend, as kuma-dp does it: Envoy formats each line and writes it to
// a FIFO this agent reads; the line names its backend (`ADDRESS;line`, or the address key
// of a JSON line), and the agent sends it there over TCP, one connection per backend,
// reconnecting as needed. Lines for a backend that cannot be reached are buffered up to a
// limit, then the oldest are dropped (and counted in a warning): logging never blocks Envoy.

const MAX_BUFFERED = 10_000;

class Backend {
  readonly #address: string;
  readonly #logger: Logger;
  #socket: Socket | undefined;
  #connected = false;
  #buffer: string[] = [];
  #dropped = 0;
  #retryAt = 0;

  constructor(address: string, logger: Logger) {
    this.#address = address;
    this.#logger = logger;
  }

  send(line: string): void {
    if (this.#connected) {
      this.#socket!.write(`${line}\n`);
      return;
    }
    this.#buffer.push(line);
    if (this.#buffer.length > MAX_BUFFERED) {
      this.#buffer.shift();
      if (this.#dropped++ % 1000 === 0) this.#logger.warn({ backend: this.#address, dropped: this.#dropped }, 'access log backend unreachable: dropping the oldest lines');
    }
    this.#connect();
  }

  #connect(): void {
    if (this.#socket || Date.now() < this.#retryAt) return;
    const colon = this.#address.lastIndexOf(':');
    const socket = connect({ host: this.#address.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(this.#address.slice(colon + 1)) });
    this.#socket = socket;
    socket.on('connect', () => {
      this.#connected = true;
      for (const l of this.#buffer.splice(0)) socket.write(`${l}\n`);
    });
    socket.on('error', (err) => this.#logger.warn({ backend: this.#address, err: err.message }, 'access log backend connection failed'));
    socket.on('close', () => {
      this.#socket = undefined;
      this.#connected = false;
      this.#retryAt = Date.now() + 1000;
    });
  }

  close(): void {
    this.#socket?.destroy();
  }
}

export interface AccessLogStreamer {
  readonly path: string;
  close(): void;
}

/** Creates the FIFO at `path` and streams what Envoy writes to it to the backends it names. */
export function startAccessLogStreamer(path: string, logger: Logger): AccessLogStreamer {
  rmSync(path, { force: true });
  execFileSync('mkfifo', ['-m', '600', path]);
  // Opened read-write: opening does not wait for Envoy, and the stream never sees EOF when
  // Envoy closes its end (its loggers come and go with the config).
  const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
  const pipe = new Socket({ fd, readable: true, writable: false });
  const backends = new Map<string, Backend>();
  const backend = (address: string) => {
    let b = backends.get(address);
    if (!b) backends.set(address, (b = new Backend(address, logger)));
    return b;
  };
  createInterface({ input: pipe, crlfDelay: Infinity }).on('line', (line) => {
    if (line.startsWith('{')) {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        const address = entry[ACCESS_LOG_ADDRESS_KEY];
        if (typeof address !== 'string') return;
        delete entry[ACCESS_LOG_ADDRESS_KEY];
        backend(address).send(JSON.stringify(entry));
      } catch {
        logger.warn({ line: line.slice(0, 200) }, 'unreadable access log line');
      }
      return;
    }
    const sep = line.indexOf(';');
    if (sep > 0) backend(line.slice(0, sep)).send(line.slice(sep + 1));
  });
  return {
    path,
    close() {
      pipe.destroy();
      for (const b of backends.values()) b.close();
    },
  };
}
