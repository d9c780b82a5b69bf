import { createServer, request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.ts';
import { freePort } from '../../test/helpers/ports.ts';
import { METRICS_APPLICATIONS_HEADER, METRICS_ENVOY_PATH_HEADER, METRICS_PROFILES_HEADER } from './agent-protocol.ts';
import { startMetricsMerger } from './metrics-merger.ts';

// The merger against a real "Envoy admin" and application, over its unix socket, with the
// headers the Prometheus listener sets.

const ENVOY = '# TYPE envoy_server_live gauge\nenvoy_server_live{} 1\n# TYPE envoy_runtime_load_success counter\nenvoy_runtime_load_success{} 1\n';
const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((c) => c()));

async function serve(handler: (path: string) => string): Promise<number> {
  const port = await freePort();
  const server = createServer((req, res) => res.end(handler(req.url ?? '')));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  closers.push(() => server.close());
  return port;
}

function scrape(socketPath: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/metrics', headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('metrics merger', () => {
  it('filters Envoy\'s metrics by the profiles, with or without applications, and appends the applications\'', async () => {
    const admin = await serve((path) => (path.startsWith('/stats/prometheus') ? ENVOY : ''));
    const app = await serve((path) => (path === '/metrics/prometheus' ? 'app_up 1\n' : 'wrong 1\n'));
    const merger = await startMetricsMerger(join(mkdtempSync(join(tmpdir(), 'merger-')), 'm.sock'), admin, silentLogger());
    closers.push(() => merger.close());
    const base = { [METRICS_ENVOY_PATH_HEADER]: '/stats/prometheus' };
    // Basic by default keeps envoy_server_*, not the runtime counter.
    const basic = await scrape(merger.path, { ...base, [METRICS_APPLICATIONS_HEADER]: '[]', [METRICS_PROFILES_HEADER]: '{}' });
    expect(basic).toContain('envoy_server_live{} 1');
    expect(basic).not.toContain('envoy_runtime_load_success');
    // Profiles without applications (the applications header is then empty) still apply.
    expect(await scrape(merger.path, { ...base, [METRICS_APPLICATIONS_HEADER]: '', [METRICS_PROFILES_HEADER]: '{"appendProfiles":[{"name":"All"}]}' })).toBe(ENVOY);
    const none = await scrape(merger.path, { ...base, [METRICS_PROFILES_HEADER]: '{"appendProfiles":[{"name":"None"}]}', [METRICS_APPLICATIONS_HEADER]: JSON.stringify([{ name: 'app', port: app }]) });
    expect(none).toBe('app_up 1\n');
    // No profiles header (an older CP): Envoy's metrics as they are.
    expect(await scrape(merger.path, base)).toBe(ENVOY);
  });
});
