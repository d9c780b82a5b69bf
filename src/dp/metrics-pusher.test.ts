import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.ts';
import { startOtlpCollector } from '../../test/helpers/otlp-collector.ts';
import { freePort } from '../../test/helpers/ports.ts';
import { waitFor } from '../../test/helpers/wait.ts';
import { MESH_METRIC_CONFIG_PATH, type MeshMetricAgentConfig } from './agent-protocol.ts';
import { startMetricsPusher } from './metrics-pusher.ts';

// The pusher against real servers: the config endpoint Envoy would serve (an HTTP server on
// a unix socket), an "admin" answering Prometheus text, and a real OTLP/gRPC collector.

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function listen(server: Server, target: string | number): Promise<void> {
  await new Promise<void>((resolve) => (typeof target === 'string' ? server.listen(target, resolve) : server.listen(target, '127.0.0.1', resolve)));
  closers.push(() => server.close());
}

describe('MeshMetric OpenTelemetry pusher', () => {
  it('pushes what it scrapes to the configured backends, keeps pushing past a dead one, and stops when the config is gone', async () => {
    const collector = await startOtlpCollector();
    closers.push(() => collector.close());
    const adminPort = await freePort();
    await listen(createServer((req, res) => res.end(req.url === '/stats/prometheus?usedonly' ? '# TYPE envoy_server_live gauge\nenvoy_server_live{} 1\n' : 'wrong_path 1\n')), adminPort);
    let config: MeshMetricAgentConfig | undefined = {
      envoyPath: '/stats/prometheus?usedonly',
      applications: [],
      // A backend nobody listens on must not stop the other.
      openTelemetry: [{ endpoint: `127.0.0.1:${await freePort()}`, refreshIntervalMs: 100 }, { endpoint: collector.endpoint, refreshIntervalMs: 100 }],
      resource: { 'service.name': 'web' },
    };
    const socket = join(mkdtempSync(join(tmpdir(), 'pusher-')), 'config.sock');
    await listen(
      createServer((req, res) => {
        if (req.url !== MESH_METRIC_CONFIG_PATH || !config) return void res.writeHead(404).end();
        res.end(JSON.stringify(config));
      }),
      socket,
    );
    const pusher = startMetricsPusher({ configSocket: socket, adminPort, pollIntervalMs: 3_600_000, version: 'test', logger: silentLogger() });
    closers.push(() => pusher.close());
    await pusher.refresh();
    expect(pusher.endpoints().sort()).toEqual(config.openTelemetry.map((o) => o.endpoint).sort());
    // Pushed repeatedly, every refresh interval.
    await waitFor(() => collector.metrics.filter((m) => m.name === 'envoy_server_live').length >= 3, { what: 'three pushes' });
    expect(collector.metrics.some((m) => m.name === 'wrong_path')).toBe(false);
    expect(collector.metrics[0]!.resource).toEqual({ 'service.name': 'web' });

    // The policy is removed: Envoy's listener is gone or answers nothing.
    config = undefined;
    await pusher.refresh();
    expect(pusher.endpoints()).toEqual([]);
  });

  it('survives a backend dropped while its scrape is in flight (its client is closed by then)', async () => {
    const collector = await startOtlpCollector();
    closers.push(() => collector.close());
    // Envoy's admin answers slowly: the config changes before the scrape returns.
    let answerScrape: (() => void) | undefined;
    const scraping = new Promise<void>((resolve) => (answerScrape = resolve));
    let released: () => void = () => {};
    let answered = false;
    const adminPort = await freePort();
    await listen(
      createServer((_req, res) => {
        answerScrape?.();
        res.on('finish', () => (answered = true));
        released = () => res.end('# TYPE envoy_server_live gauge\nenvoy_server_live{} 1\n');
      }),
      adminPort,
    );
    let config: MeshMetricAgentConfig | undefined = { envoyPath: '/stats/prometheus', applications: [], openTelemetry: [{ endpoint: collector.endpoint, refreshIntervalMs: 3_600_000 }], resource: {} };
    const socket = join(mkdtempSync(join(tmpdir(), 'pusher-')), 'config.sock');
    await listen(createServer((_req, res) => (config ? res.end(JSON.stringify(config)) : res.writeHead(404).end())), socket);
    const warnings: string[] = [];
    const logger = { ...silentLogger(), warn: (o: unknown, msg?: string) => void warnings.push(String(msg ?? o)) } as unknown as ReturnType<typeof silentLogger>;
    const pusher = startMetricsPusher({ configSocket: socket, adminPort, pollIntervalMs: 3_600_000, version: 'test', logger });
    closers.push(() => pusher.close());
    await pusher.refresh();
    await scraping;
    config = undefined;
    await pusher.refresh();
    expect(pusher.endpoints()).toEqual([]);
    released();
    // The scrape completes after the drop: nothing is exported, nothing throws (an unhandled
    // rejection would fail this test and, in meshwork-dp, kill the process).
    await waitFor(() => answered, { what: 'the scrape answered' });
    await pusher.settled();
    expect(collector.metrics).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('pushes nothing while Envoy serves no config', async () => {
    const socket = join(mkdtempSync(join(tmpdir(), 'pusher-')), 'absent.sock');
    const pusher = startMetricsPusher({ configSocket: socket, adminPort: 1, pollIntervalMs: 3_600_000, version: 'test', logger: silentLogger() });
    closers.push(() => pusher.close());
    await pusher.refresh();
    expect(pusher.endpoints()).toEqual([]);
  });
});
