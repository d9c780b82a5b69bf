import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { MeshworkError } from '../core/errors.ts';
import type { EnvoyAdminTls } from './tls.ts';

// The zone control plane's client of its proxies' Envoy admin, as Kuma's envoyAdminClient:
// https to <proxy address>:<admin port>, presenting the control plane's client certificate and
// checking the proxy's against the zone's Envoy admin CA. A proxy whose address is 127.0.0.1
// has no admin listener of its own (Envoy's admin is bound there): it is read over plain http,
// as Kuma does, which reaches it when the proxy runs on the control plane's host.

export interface AdminTarget {
  /** What the error messages call it: `dataplane default/web-1`. */
  describe: string;
  address: string;
  adminPort: number;
}

/** What is read from a proxy's admin: Envoy's answer, with the media type it had. */
export interface AdminAnswer {
  contentType: string;
  body: Buffer;
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;

export class EnvoyAdminClient {
  readonly #tls: EnvoyAdminTls;
  readonly #timeoutMs: number;

  constructor(tls: EnvoyAdminTls, options: { timeoutMs?: number } = {}) {
    this.#tls = tls;
    this.#timeoutMs = options.timeoutMs ?? 5000;
  }

  async get(target: AdminTarget, path: 'config_dump' | 'stats' | 'clusters', query: Record<string, string> = {}): Promise<AdminAnswer> {
    const search = new URLSearchParams(query).toString();
    const plain = target.address === '127.0.0.1';
    const options = {
      host: target.address,
      port: target.adminPort,
      path: `/${path}${search ? `?${search}` : ''}`,
      method: 'GET',
      timeout: this.#timeoutMs,
      ...(plain ? {} : await this.#tlsOptions()),
    };
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = (plain ? httpRequest : httpsRequest)(options, resolve);
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.#timeoutMs} ms`)));
      req.on('error', reject);
      req.end();
    }).catch((err: Error) => {
      throw new MeshworkError('PROXY_UNREACHABLE', `cannot reach the Envoy admin of ${target.describe} at ${target.address}:${target.adminPort}: ${err.message}`, { cause: err });
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        res.destroy();
        throw new MeshworkError('PROXY_UNREACHABLE', `the Envoy admin of ${target.describe} answered /${path} with more than ${MAX_BODY_BYTES} bytes`);
      }
      chunks.push(chunk);
    }
    const body = Buffer.concat(chunks);
    if (res.statusCode !== 200) throw new MeshworkError('PROXY_UNREACHABLE', `the Envoy admin of ${target.describe} answered /${path} with ${res.statusCode}: ${body.toString('utf8').slice(0, 300)}`);
    return { contentType: String(res.headers['content-type'] ?? 'text/plain'), body };
  }

  async #tlsOptions() {
    const client = await this.#tls.client();
    return { ca: client.caCert, cert: client.cert, key: client.key, minVersion: 'TLSv1.2' as const };
  }
}
