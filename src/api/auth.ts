import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MeshworkError } from '../core/errors.ts';
import type { ApiDeps } from './deps.ts';
import { ADMIN_GROUP, looksLikeJwt, type User } from '../tokens/user-token.ts';

// Identity, as in Kuma: a valid `Authorization: Bearer <admin token>` is admin, and so is a
// user token of a member of mesh-system:admin (other users are read-only); with
// apiServer.auth.localhostIsAdmin, a request from loopback is admin without a token;
// everyone else is anonymous. Anonymous users may read everything but secrets; only admin
// writes. A token that is present but wrong is always 401, even from loopback.

export interface Identity {
  admin: boolean;
  via: 'token' | 'user-token' | 'localhost' | 'anonymous';
  /** The user a user token names (Kuma's user tokens). */
  user?: User;
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
      const token = match?.[1];
      if (token && (await deps.adminTokens.isAdmin(token))) req.identity = { admin: true, via: 'token' };
      else if (token && deps.userTokens && looksLikeJwt(token)) {
        const user = await deps.userTokens.verify(token);
        req.identity = { admin: user.groups.includes(ADMIN_GROUP), via: 'user-token', user };
      } else {
        throw new MeshworkError('UNAUTHENTICATED', 'invalid token: send "Authorization: Bearer <admin token or user token>"');
      }
    } else if (deps.config.apiServer.auth.localhostIsAdmin && isLoopback(req.socket.remoteAddress)) {
      req.identity = { admin: true, via: 'localhost' };
    } else {
      req.identity = { admin: false, via: 'anonymous' };
    }
    if (WRITE_METHODS.has(req.method) && !req.identity.admin) {
      const who = req.identity.user ? `user "${req.identity.user.name}" is not in group ${ADMIN_GROUP}: ` : '';
      throw new MeshworkError('FORBIDDEN', `access denied: ${who}writes need an admin token (Authorization: Bearer <token>)`);
    }
  });
}

/** For sensitive types (secrets): reads need admin too. */
export function requireAdmin(req: FastifyRequest, what: string): void {
  if (!req.identity.admin) throw new MeshworkError('FORBIDDEN', `access denied: reading ${what} needs an admin token`);
}
