import type { FastifyError, FastifyInstance } from 'fastify';
import { MeshworkError, toMeshworkError, toRestError } from '../core/errors.ts';
import type { ApiDeps } from './deps.ts';

/** Maps framework errors (body parsing, size) onto the error table. */
function fromFastify(err: FastifyError): MeshworkError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new MeshworkError('RESOURCE_TOO_LARGE', 'request body is too large', { invalidParameters: [{ field: '', reason: err.message }] });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new MeshworkError('UNSUPPORTED_MEDIA_TYPE', `${err.message}: send application/json or application/yaml`, { invalidParameters: [{ field: 'content-type', reason: 'must be application/json or application/yaml' }] });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new MeshworkError('INVALID_RESOURCE', 'request body is empty', { invalidParameters: [{ field: '', reason: 'must be a resource' }] });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new MeshworkError('INVALID_RESOURCE', `request body is not valid JSON: ${err.message}`, { invalidParameters: [{ field: '', reason: 'invalid JSON' }] });
  }
  if (err.statusCode === 400 && err instanceof SyntaxError) {
    return new MeshworkError('INVALID_RESOURCE', `request body is not valid JSON: ${err.message}`, { invalidParameters: [{ field: '', reason: 'invalid JSON' }] });
  }
  return undefined;
}

export function registerErrorHandling(app: FastifyInstance, deps: ApiDeps): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const e = err instanceof MeshworkError ? err : (fromFastify(err) ?? toMeshworkError(err));
    if (e.code === 'INTERNAL') req.log.error({ err }, 'internal error');
    deps.metrics?.apiErrors.inc({ code: e.code });
    void reply.code(e.httpStatus).type('application/json').send(toRestError(e));
  });
  app.setNotFoundHandler((req, reply) => {
    const e = new MeshworkError('NOT_FOUND', `no such endpoint: ${req.method} ${req.url.split('?')[0]}`);
    void reply.code(404).send(toRestError(e));
  });
}
