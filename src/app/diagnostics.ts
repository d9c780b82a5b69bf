import Fastify, { type FastifyInstance } from 'fastify';
import type { ComponentManager } from '../core/component.ts';
import type { CpMetrics } from '../core/metrics.ts';

/**
 * `/healthy` (the process is up), `/ready` (every component runs and can do its job: the store
 * answers, global accepts a federated zone), `/metrics` (Prometheus).
 */
export function buildDiagnostics(components: ComponentManager, metrics: CpMetrics): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/healthy', async () => 'OK');
  app.get('/ready', async (_req, reply) => {
    const { ready, reasons } = await components.readiness();
    if (ready) return 'OK';
    return reply.code(503).send({ ready: false, reasons, components: components.states() });
  });
  app.get('/metrics', async (_req, reply) => {
    void reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  return app;
}
