import { createServer, get, type Server } from 'node:http';
import { urlToHttpOptions } from 'node:url';
import { rmSync } from 'node:fs';
import type { Logger } from '../core/logger.ts';
import { METRICS_APPLICATIONS_HEADER, METRICS_ENVOY_PATH_HEADER, METRICS_PROFILES_HEADER, type MetricsApplication } from './agent-protocol.ts';
import { profileFilter, type SidecarProfiles } from './metric-profiles.ts';
import { formatPrometheusText, parsePrometheusText, type Family } from './prometheus-to-otlp.ts';

// MeshMetric's applications, as kuma-dp merges them: the proxy's Prometheus listener sends
// each scrape to this unix socket, with the applications to include in a header (set by
// Envoy, never by the caller); the answer is Envoy's own metrics (filtered by the
// MeshMetric profiles in another header) followed by each application's. A source that
// does not answer is left out with a comment line.

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

export interface Scraped {
  /** The application, or undefined for Envoy. */
  app?: MetricsApplication;
  text?: string;
  error?: string;
}

const hostOf = (a: MetricsApplication) => (a.address?.includes(':') ? `[${a.address}]` : (a.address ?? '127.0.0.1'));
export const appName = (a: MetricsApplication) => a.name ?? `${hostOf(a)}:${a.port}`;

/** Envoy's Prometheus text (from its admin `envoyPath`), then each application's (Kuma's default path /metrics/prometheus). */
export function scrapeAll(adminPort: number, envoyPath: string, apps: MetricsApplication[], logger: Logger): Promise<Scraped[]> {
  return Promise.all([
    fetchText(`http://127.0.0.1:${adminPort}${envoyPath}`, 5000).then(
      (text): Scraped => ({ text }),
      (err: Error): Scraped => ({ error: err.message }),
    ),
    ...apps.map((app) =>
      fetchText(`http://${hostOf(app)}:${app.port}${app.path ?? '/metrics/prometheus'}`, 5000).then(
        (text): Scraped => ({ app, text }),
        (err: Error): Scraped => {
          logger.warn({ application: appName(app), err: err.message }, 'cannot scrape an application');
          return { app, error: err.message };
        },
      ),
    ),
  ]);
}

/** A scraped source's families: Envoy's through the profiles' filter, the applications' as they are. */
export function familiesOf(part: Scraped, filter: (families: Family[]) => Family[]): Family[] {
  const families = parsePrometheusText(part.text ?? '');
  return part.app ? families : filter(families);
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
      let profiles: SidecarProfiles | undefined;
      const profilesHeader = req.headers[METRICS_PROFILES_HEADER];
      try {
        apps = JSON.parse(String(req.headers[METRICS_APPLICATIONS_HEADER] || '[]')) as MetricsApplication[];
      } catch {
        logger.warn('unreadable MeshMetric applications header');
      }
      try {
        if (profilesHeader !== undefined) profiles = JSON.parse(String(profilesHeader)) as SidecarProfiles;
      } catch {
        logger.warn('unreadable MeshMetric profiles header');
      }
      const envoyPath = String(req.headers[METRICS_ENVOY_PATH_HEADER] ?? '/stats/prometheus');
      const parts = await scrapeAll(adminPort, envoyPath, apps, logger);
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(
        parts
          .map((p) => {
            if (p.error !== undefined) return `# meshwork: ${p.app ? `application ${appName(p.app)}` : 'Envoy metrics'} unavailable: ${p.error}\n`;
            if (!p.app && profilesHeader !== undefined) return formatPrometheusText(familiesOf(p, profileFilter(profiles)));
            return p.text!.endsWith('\n') ? p.text! : `${p.text!}\n`;
          })
          .join(''),
      );
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
