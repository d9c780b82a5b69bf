import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { parse as parseYaml } from 'yaml';
import { MeshworkError } from '../core/errors.ts';
import { registerAuth } from './auth.ts';
import type { ApiDeps } from './deps.ts';
import { registerErrorHandling } from './errors.ts';
import { metaRoutes } from './routes/meta.ts';
import { overviewRoutes } from './routes/overview.ts';
import { resourceRoutes } from './routes/resources.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { inspectRoutes } from './routes/inspect.ts';

export type { ApiDeps } from './deps.ts';

/**
 * The REST API as a fastify app, built from the registry. Tests drive it with inject();
 * the control plane listens on apiServer.address:port.
 */
export function buildApi(deps: ApiDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: 'api-server' }) as FastifyBaseLogger,
    bodyLimit: deps.config.apiServer.bodyLimitBytes,
    logController: new LogController({ disableRequestLogging: true }),
  });

  for (const type of ['application/yaml', 'application/x-yaml', 'text/yaml']) {
    app.addContentTypeParser(type, { parseAs: 'string' }, (_req, body, done) => {
      try {
        done(null, parseYaml(body as string));
      } catch (err) {
        done(new MeshworkError('INVALID_RESOURCE', `request body is not valid YAML: ${(err as Error).message}`, { invalidParameters: [{ field: '', reason: 'invalid YAML' }] }), undefined);
      }
    });
  }

  registerErrorHandling(app, deps);
  registerAuth(app, deps);

  if (deps.metrics) {
    const histogram = deps.metrics.apiRequests;
    app.addHook('onResponse', async (req, reply) => {
      histogram.observe({ method: req.method, route: req.routeOptions.url ?? 'unknown', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    });
  }

  metaRoutes(app, deps);
  tokenRoutes(app, deps);
  inspectRoutes(app, deps);
  for (const d of deps.registry.all()) {
    overviewRoutes(app, deps, d);
    resourceRoutes(app, deps, d);
  }
  return app;
}
