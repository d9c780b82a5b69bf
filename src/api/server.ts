import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { MeshworkError, toRestError } from '../core/errors.ts';
import { registerAuth } from './auth.ts';
import { registerBodyHandling } from './body/register.ts';
import { YamlBodyParser } from './body/yaml-parser.ts';
import type { ApiDeps } from './deps.ts';
import { registerErrorHandling } from './errors.ts';
import { metaRoutes } from './routes/meta.ts';
import { overviewRoutes } from './routes/overview.ts';
import { resourceRoutes } from './routes/resources.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { inspectRoutes } from './routes/inspect.ts';
import { notYetSupportedRoutes } from './routes/not-yet.ts';

export type { ApiDeps } from './deps.ts';

const MAX_PARAM_LENGTH = 1024;

/**
 * The REST API as a fastify app, built from the registry. Tests drive it with inject();
 * the control plane listens on apiServer.address:port.
 */
export function buildApi(deps: ApiDeps): FastifyInstance {
  const api = deps.config.apiServer;
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: 'api-server' }) as FastifyBaseLogger,
    // A body holds one resource: twice the resource limit leaves room for YAML's indentation.
    bodyLimit: api.bodyLimitBytes ?? 2 * deps.config.store.maxResourceBytes,
    logController: new LogController({ disableRequestLogging: true }),
    // Names are at most 253 characters; longer segments get a Kuma-shaped 400, not fastify's 414.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: (err, _req, reply: FastifyReply) => {
      const tooLong = (err as { code?: string }).code === 'FST_ERR_MAX_PARAM_LENGTH';
      // The URL is not echoed back: it may be anything, of any length.
      const e = new MeshworkError('BAD_REQUEST', tooLong ? `invalid URL: a path segment is longer than ${MAX_PARAM_LENGTH} characters` : 'invalid URL: it cannot be decoded', { invalidParameters: [tooLong ? { field: 'name', reason: 'must be at most 253 characters' } : { field: '', reason: 'malformed URL' }] });
      void reply.code(e.httpStatus).type('application/json').send(toRestError(e));
    },
    requestTimeout: api.requestTimeoutMs,
  });

  registerErrorHandling(app, deps);
  registerAuth(app, deps);
  registerBodyHandling(app, deps.yamlParser ?? new YamlBodyParser({ timeoutMs: api.yamlParseTimeoutMs }));

  if (deps.metrics) {
    const histogram = deps.metrics.apiRequests;
    app.addHook('onResponse', async (req, reply) => {
      histogram.observe({ method: req.method, route: req.routeOptions.url ?? 'unknown', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    });
  }

  metaRoutes(app, deps);
  tokenRoutes(app, deps);
  inspectRoutes(app, deps);
  notYetSupportedRoutes(app, deps);
  for (const d of deps.registry.all()) {
    overviewRoutes(app, deps, d);
    resourceRoutes(app, deps, d);
  }
  return app;
}
