import { createServer, get, type Server } from 'node:http';
import { urlToHttpOptions } from 'node:url';
import { rmSync } from 'node:fs';
import type { Logger } from '../core/logger.ts';
import { METRICS_APPLICATIONS_HEADER, METRICS_ENVOY_PATH_HEADER, type MetricsApplication } from './agent-protocol.ts';

// MeshMetric's applications, as kuma-dp merges them: the proxy's Prometheus listener sends
// each scrape to this unix socket, with the applications to include in a header (set by
// Envoy, never by the caller); the answer is Envoy's own metrics followed by each
// application's. An application that does not answer is left out with a comment line.

/** GET a URL, or a path over a unix socket; the body when the status is 200. */
export function fetchText(target: string | { socketPath: string; path: string }, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const options = typeof target === 'string' ? { ...urlToHttpOptions(new URL(target)), timeout: timeoutMs } : { ...target, timeout: timeoutMs };
    const req = get(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

/**
 * Envoy's Prometheus text (from its admin `envoyPath`), then each application's; whatever
 * does not answer becomes a comment line.
 */
export function scrapeAll(adminPort: number, envoyPath: string, apps: MetricsApplication[], logger: Logger): Promise<string[]> {
  return Promise.all([
    fetchText(`http://127.0.0.1:${adminPort}${envoyPath}`, 5000).catch((err: Error) => `# meshwork: Envoy metrics unavailable: ${err.message}\n`),
    ...apps.map((a) =>
      fetchText(`http://${a.address ?? '127.0.0.1'}:${a.port}${a.path ?? '/metrics'}`, 5000).catch((err: Error) => {
        logger.warn({ application: a.name ?? a.port, err: err.message }, 'cannot scrape an application');
        return `# meshwork: application ${a.name ?? a.port} unavailable: ${err.message}\n`;
      }),
    ),
  ]);
}

export interface MetricsMerger {
  readonly path: string;
  close(): void;
}

export async function startMetricsMerger(path: string, adminPort: number, logger: Logger): Promise<MetricsMerger> {
  rmSync(path, { force: true });
  const server: Server = createServer((req, res) => {
    void (async () => {
      let apps: MetricsApplication[] = [];
      try {
        apps = JSON.parse(String(req.headers[METRICS_APPLICATIONS_HEADER] ?? '[]')) as MetricsApplication[];
      } catch {
        logger.warn('unreadable MeshMetric applications header');
      }
      const envoyPath = String(req.headers[METRICS_ENVOY_PATH_HEADER] ?? '/stats/prometheus');
      const parts = await scrapeAll(adminPort, envoyPath, apps, logger);
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(parts.map((p) => (p.endsWith('\n') ? p : `${p}\n`)).join(''));
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, resolve);
  });
  return {
    path,
    close() {
      server.close();
    },
  };
}
