import type { RestErrorBody } from '../../core/errors.ts';
import type { ControlPlaneEntry } from './config-file.ts';
import { CliError } from './errors.ts';

/** A thin REST client for one control plane; non-2xx answers become CliErrors with the server's fields. */
export class ApiClient {
  readonly baseUrl: string;
  readonly #token: string | undefined;

  constructor(cp: ControlPlaneEntry) {
    this.baseUrl = cp.coordinates.apiServer.url.replace(/\/+$/, '');
    this.#token = cp.coordinates.apiServer.authType === 'tokens' ? cp.coordinates.apiServer.authConf?.token : undefined;
  }

  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new CliError(`cannot reach the control plane at ${this.baseUrl}: ${cause}`, { code: 'UNAVAILABLE' });
    }
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    if (!res.ok) {
      const e = parsed as Partial<RestErrorBody> | undefined;
      throw new CliError(e?.detail ?? `${method} ${path} failed with HTTP ${res.status}`, {
        status: res.status,
        ...(e?.code ? { code: e.code } : {}),
        invalidParameters: e?.invalid_parameters ?? [],
      });
    }
    return { status: res.status, body: parsed as T };
  }
}
