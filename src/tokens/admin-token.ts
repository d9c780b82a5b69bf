import { randomBytes, timingSafeEqual } from 'node:crypto';
import { isMeshworkError } from '../core/errors.ts';
import type { ResourceStore } from '../store/store.ts';

// The admin user token: generated on global's first start and kept in the global secret
// `admin-user-token` (base64, like every secret), as Kuma does. It never leaves global.

export const ADMIN_TOKEN_SECRET = 'admin-user-token';
const KEY = { type: 'GlobalSecret', name: ADMIN_TOKEN_SECRET } as const;

function decode(data: unknown): string {
  return Buffer.from(String(data), 'base64').toString('utf8');
}

/** Returns the admin token, creating it if absent. Safe to race: the first create wins. */
export async function ensureAdminToken(store: ResourceStore): Promise<{ token: string; created: boolean }> {
  try {
    const existing = await store.get(KEY);
    return { token: decode((existing.spec as { data: string }).data), created: false };
  } catch (err) {
    if (!isMeshworkError(err, 'NOT_FOUND')) throw err;
  }
  const token = `mwa_${randomBytes(32).toString('base64url')}`;
  try {
    await store.create({ ...KEY, labels: {}, spec: { data: Buffer.from(token).toString('base64') } });
    return { token, created: true };
  } catch (err) {
    if (!isMeshworkError(err, 'ALREADY_EXISTS')) throw err;
    const existing = await store.get(KEY);
    return { token: decode((existing.spec as { data: string }).data), created: false };
  }
}

/** Checks bearer tokens against the stored admin token; re-reads it at most every `ttlMs`. */
export class AdminTokenVerifier {
  readonly #store: ResourceStore;
  readonly #ttlMs: number;
  #cached: { token: string | undefined; at: number } | undefined;

  constructor(store: ResourceStore, ttlMs = 2000) {
    this.#store = store;
    this.#ttlMs = ttlMs;
  }

  async #current(): Promise<string | undefined> {
    if (this.#cached && Date.now() - this.#cached.at < this.#ttlMs) return this.#cached.token;
    let token: string | undefined;
    try {
      token = decode(((await this.#store.get(KEY)).spec as { data: string }).data);
    } catch (err) {
      if (!isMeshworkError(err, 'NOT_FOUND')) throw err;
    }
    this.#cached = { token, at: Date.now() };
    return token;
  }

  async isAdmin(candidate: string): Promise<boolean> {
    const token = await this.#current();
    if (!token) return false;
    const a = Buffer.from(candidate);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
