import Fastify, { type FastifyInstance } from 'fastify';
import type { ComponentManager } from '../core/component.ts';
import type { CpMetrics } from '../core/metrics.ts';

/** `/healthy` (the process is up), `/ready` (every component runs), `/metrics` (Prometheus). */
export function buildDiagnostics(components: ComponentManager, metrics: CpMetrics): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/healthy', async () => 'OK');
  app.get('/ready', async (_req, reply) => {
    if (components.ready()) return 'OK';
    return reply.code(503).send({ ready: false, components: components.states() });
  });
  app.get('/metrics', async (_req, reply) => {
    void reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  return app;
}
