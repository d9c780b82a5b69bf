import type { FastifyInstance } from 'fastify';
import type { Component } from '../../core/component.ts';
import type { Logger } from '../../core/logger.ts';

/** Serves a fastify app on address:port; stop() closes it and waits for open requests. */
export function httpServer(name: string, app: FastifyInstance, address: string, port: number, logger: Logger): Component {
  return {
    name,
    needsLeader: false,
    async start() {
      const url = await app.listen({ host: address, port });
      logger.info({ component: name, url }, 'listening');
    },
    async stop() {
      await app.close();
    },
  };
}
