import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MeshworkError } from '../core/errors.ts';
import type { ApiDeps } from './deps.ts';

// Identity, as in Kuma: a valid `Authorization: Bearer <admin token>` is admin; with
// apiServer.auth.localhostIsAdmin, a request from loopback is admin without a token;
// everyone else is anonymous. Anonymous users may read everything but secrets; only admin
// writes. A token that is present but wrong is always 401, even from loopback.

export interface Identity {
  admin: boolean;
  via: 'token' | 'localhost' | 'anonymous';
}

declare module 'fastify' {
  interface FastifyRequest {
    identity: Identity;
  }
}

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

const WRITE_METHODS = new Set(['PUT', 'POST', 'DELETE', 'PATCH']);

export function registerAuth(app: FastifyInstance, deps: ApiDeps): void {
  app.decorateRequest('identity', null as unknown as Identity);
  app.addHook('onRequest', async (req) => {
    const header = req.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match || !(await deps.adminTokens.isAdmin(match[1]!))) {
        throw new MeshworkError('UNAUTHENTICATED', 'invalid token: send "Authorization: Bearer <admin token>"');
      }
      req.identity = { admin: true, via: 'token' };
    } else if (deps.config.apiServer.auth.localhostIsAdmin && isLoopback(req.socket.remoteAddress)) {
      req.identity = { admin: true, via: 'localhost' };
    } else {
      req.identity = { admin: false, via: 'anonymous' };
    }
    if (WRITE_METHODS.has(req.method) && !req.identity.admin) {
      throw new MeshworkError('FORBIDDEN', 'access denied: writes need an admin token (Authorization: Bearer <token>)');
    }
  });
}

/** For sensitive types (secrets): reads need admin too. */
export function requireAdmin(req: FastifyRequest, what: string): void {
  if (!req.identity.admin) throw new MeshworkError('FORBIDDEN', `access denied: reading ${what} needs an admin token`);
}
