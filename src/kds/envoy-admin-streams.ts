import { ERROR_CODES, isMeshworkError, MeshworkError, type ErrorCode } from '../core/errors.ts';
import type { AdminKind, AdminQuery, ProxyRef } from '../envoy-admin/access.ts';
import type { AdminAnswer } from '../envoy-admin/client.ts';

// The messages of KDS's Envoy admin streams (StreamXDSConfigs, StreamStats, StreamClusters),
// shared by global (which asks) and the zone (which answers): one request/response pair per
// admin kind, as Kuma's kds.proto, with grpc's proto-loader field names.

export interface AdminRequestMessage {
  request_id: string;
  resource_type: string;
  resource_name: string;
  resource_mesh: string;
  include_eds?: boolean;
  format?: 'TEXT' | 'JSON';
  used_only?: boolean;
}

export interface AdminResponseMessage {
  request_id: string;
  error?: string;
  error_code?: string;
  config?: Buffer;
  stats?: Buffer;
  clusters?: Buffer;
}

/** Per kind: the RPC of GlobalKDSService and the response field holding the answer. */
export const ADMIN_STREAMS: Record<AdminKind, { rpc: 'StreamXDSConfigs' | 'StreamStats' | 'StreamClusters'; field: 'config' | 'stats' | 'clusters' }> = {
  xds: { rpc: 'StreamXDSConfigs', field: 'config' },
  stats: { rpc: 'StreamStats', field: 'stats' },
  clusters: { rpc: 'StreamClusters', field: 'clusters' },
};

export function adminRequest(kind: AdminKind, requestId: string, proxy: ProxyRef, query: AdminQuery): AdminRequestMessage {
  const base = { request_id: requestId, resource_type: proxy.type, resource_name: proxy.name, resource_mesh: proxy.mesh ?? '' };
  switch (kind) {
    case 'xds':
      return { ...base, include_eds: query.includeEds === true };
    case 'stats':
      return { ...base, format: query.format === 'json' ? 'JSON' : 'TEXT', used_only: query.usedOnly !== false };
    case 'clusters':
      return { ...base, format: query.format === 'json' ? 'JSON' : 'TEXT' };
  }
}

/** What a zone is asked for, read from a request; a malformed one throws BAD_REQUEST naming the field. */
export function parseAdminRequest(kind: AdminKind, m: AdminRequestMessage): { proxy: ProxyRef; query: AdminQuery } {
  if (m.resource_type !== 'Dataplane' && m.resource_type !== 'ZoneIngress') throw new MeshworkError('BAD_REQUEST', `resource_type: must be Dataplane or ZoneIngress, not "${m.resource_type}"`);
  if (!m.resource_name) throw new MeshworkError('BAD_REQUEST', 'resource_name: must be set');
  if (m.resource_type === 'Dataplane' && !m.resource_mesh) throw new MeshworkError('BAD_REQUEST', 'resource_mesh: must be set for a Dataplane');
  const proxy: ProxyRef = { type: m.resource_type, name: m.resource_name, ...(m.resource_type === 'Dataplane' ? { mesh: m.resource_mesh } : {}) };
  const query: AdminQuery = kind === 'xds' ? { includeEds: m.include_eds === true } : { format: m.format === 'JSON' ? 'json' : 'text', ...(kind === 'stats' ? { usedOnly: m.used_only === true } : {}) };
  return { proxy, query };
}

/** A zone's answer, or its error (with its code) as a response. */
export function adminResponse(kind: AdminKind, requestId: string, result: { answer: AdminAnswer } | { error: unknown }): AdminResponseMessage {
  if ('answer' in result) return { request_id: requestId, [ADMIN_STREAMS[kind].field]: result.answer.body };
  const err = result.error;
  return { request_id: requestId, error: (err as Error).message ?? String(err), error_code: isMeshworkError(err) ? err.code : 'INTERNAL' };
}

/** Global's reading of a zone's response: the answer, with the media type the REST API sends, or the zone's error. */
export function answerOf(kind: AdminKind, query: AdminQuery, m: AdminResponseMessage): AdminAnswer {
  if (m.error !== undefined && m.error !== '') {
    const code = m.error_code && m.error_code in ERROR_CODES ? (m.error_code as ErrorCode) : 'INTERNAL';
    throw new MeshworkError(code, m.error);
  }
  const body = m[ADMIN_STREAMS[kind].field] ?? Buffer.alloc(0);
  return { contentType: kind === 'xds' || query.format === 'json' ? 'application/json' : 'text/plain', body: Buffer.from(body) };
}
