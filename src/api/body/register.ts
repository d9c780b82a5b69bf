import type { FastifyInstance } from 'fastify';
import { MeshworkError } from '../../core/errors.ts';
import { YamlBodyParser } from './yaml-parser.ts';

// Request bodies, read only once the request may have one: the auth hook has run, the
// route exists and takes a body (PUT, POST). Anything else that carries a body is refused
// before a byte of it is read. JSON is parsed on the event loop (V8's parser is fast and
// iterative); YAML on a worker thread. Depth and `__proto__` keys are checked by
// parseDocument (src/core/structure.ts) for every path a resource comes in by.

const BODY_METHODS = new Set(['PUT', 'POST']);
export const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'];

function hasBody(headers: Record<string, string | string[] | undefined>): boolean {
  const length = headers['content-length'];
  return (length !== undefined && length !== '0') || headers['transfer-encoding'] !== undefined;
}

export function registerBodyHandling(app: FastifyInstance, yaml: YamlBodyParser): void {
  app.addHook('onClose', async () => yaml.close());

  // Registered after the auth hook: an anonymous write is refused first, unread.
  app.addHook('onRequest', async (req) => {
    if (!hasBody(req.headers)) return;
    if (req.is404) throw new MeshworkError('NOT_FOUND', `no such endpoint: ${req.method} ${req.url.split('?')[0]}`);
    if (!BODY_METHODS.has(req.method)) {
      throw new MeshworkError('BAD_REQUEST', `${req.method} requests take no body`, { invalidParameters: [{ field: '', reason: `a ${req.method} request must not have a body` }] });
    }
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(new MeshworkError('INVALID_RESOURCE', 'request body is empty', { invalidParameters: [{ field: '', reason: 'must be a resource' }] }), undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(new MeshworkError('INVALID_RESOURCE', `request body is not valid JSON: ${(err as Error).message}`, { invalidParameters: [{ field: '', reason: 'invalid JSON' }] }), undefined);
    }
  });
  app.addContentTypeParser(YAML_TYPES, { parseAs: 'string' }, async (_req: unknown, body: string | Buffer) => yaml.parse(String(body)));
}
