import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../core/logger.ts';
import { MESH_METRIC_CONFIG_PATH, type MeshMetricAgentConfig } from './agent-protocol.ts';
import { appName, familiesOf, fetchText, scrapeAll } from './metrics-merger.ts';
import { otlpServices } from './otlp.ts';
import { exportMetricsRequest } from './prometheus-to-otlp.ts';
import { profileFilter } from './metric-profiles.ts';

// MeshMetric's OpenTelemetry backends, as kuma-dp pushes them: poll the config Envoy serves
// on the dynamic configuration socket; for each backend, every refreshInterval, scrape
// Envoy's Prometheus stats (filtered by the profiles) and the applications' and export
// them over OTLP/gRPC, a scope per application (named after it). A config
// that is gone (policy removed, listener absent) stops every push.

interface Backend {
  key: string;
  client: grpc.Client & { Export: (req: object, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null) => void) => void };
  timer: NodeJS.Timeout;
  failing: boolean;
}

export interface MetricsPusher {
  /** Backends being pushed to, by endpoint. */
  endpoints(): string[];
  /** Polls the config now (tests; the poll loop does it every interval). */
  refresh(): Promise<void>;
  /** Resolves once the pushes under way have ended (tests). */
  settled(): Promise<void>;
  close(): void;
}

export function startMetricsPusher(opts: { configSocket: string; adminPort: number; pollIntervalMs: number; version: string; logger: Logger }): MetricsPusher {
  const { logger } = opts;
  const MetricsService = otlpServices().metrics;
  const startNanos = String(BigInt(Date.now()) * 1_000_000n);
  let config: MeshMetricAgentConfig | undefined;
  // The profiles' selectors, compiled once per config rather than on every push.
  let filter = profileFilter(undefined);
  let configText = '';
  const backends = new Map<string, Backend>();

  const push = async (b: Backend) => {
    const cfg = config;
    if (!cfg) return;
    const parts = await scrapeAll(opts.adminPort, cfg.envoyPath, cfg.applications, logger);
    // The backend may have been dropped while scraping: its client is closed by now.
    if (backends.get(b.key) !== b) return;
    const sources = parts.map((p) => ({ scope: p.app ? { name: appName(p.app) } : { name: 'meshwork-dp', version: opts.version }, families: familiesOf(p, filter) }));
    const req = exportMetricsRequest(sources, cfg.resource, { start: startNanos, now: String(BigInt(Date.now()) * 1_000_000n) });
    b.client.Export(req, { deadline: Date.now() + 10_000 }, (err) => {
      if (err && !b.failing) logger.warn({ endpoint: b.key, err: err.message }, 'cannot push metrics to the OpenTelemetry backend (retrying every refresh interval)');
      else if (!err && b.failing) logger.info({ endpoint: b.key }, 'pushing metrics to the OpenTelemetry backend again');
      b.failing = Boolean(err);
    });
  };

  // A push never takes meshwork-dp (and the proxy's other helpers) down with it.
  const inFlight = new Set<Promise<void>>();
  const pushLogged = (b: Backend) => {
    const p = push(b)
      .catch((err: Error) => logger.warn({ endpoint: b.key, err: err.message }, 'cannot push metrics'))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  const stop = (b: Backend) => {
    clearInterval(b.timer);
    b.client.close();
    backends.delete(b.key);
  };

  const apply = (next: MeshMetricAgentConfig | undefined) => {
    config = next;
    filter = profileFilter(next?.profiles);
    const wanted = new Map((next?.openTelemetry ?? []).map((o) => [`${o.endpoint}@${o.refreshIntervalMs}`, o]));
    for (const b of [...backends.values()]) if (!wanted.has(b.key)) stop(b);
    for (const [key, o] of wanted) {
      if (backends.has(key)) continue;
      // http://HOST:PORT and HOST:PORT are plain text, https://HOST:PORT is TLS with the system CAs.
      const url = /^(https?):\/\/(.+?)\/?$/.exec(o.endpoint);
      const credentials = url?.[1] === 'https' ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
      const client = new MetricsService(url ? url[2]! : o.endpoint, credentials) as unknown as Backend['client'];
      const b: Backend = { key, client, failing: false, timer: setInterval(() => pushLogged(b), o.refreshIntervalMs) };
      backends.set(key, b);
      pushLogged(b);
    }
    logger.info({ endpoints: [...wanted.values()].map((o) => o.endpoint) }, 'MeshMetric OpenTelemetry backends');
  };

  let inflight: Promise<void> | undefined;
  const refresh = () => (inflight ??= read().finally(() => (inflight = undefined)));
  const read = async () => {
    let text = '';
    try {
      text = await fetchText({ socketPath: opts.configSocket, path: MESH_METRIC_CONFIG_PATH }, 5000);
    } catch {
      // No listener (no MeshMetric with OpenTelemetry backends, or Envoy not up): nothing to push.
    }
    if (text === configText) return;
    configText = text;
    try {
      apply(text ? (JSON.parse(text) as MeshMetricAgentConfig) : undefined);
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'unreadable MeshMetric config from Envoy');
    }
  };

  void refresh();
  const poll = setInterval(() => void refresh(), opts.pollIntervalMs);
  return {
    endpoints: () => [...backends.values()].map((b) => b.key.slice(0, b.key.lastIndexOf('@'))),
    refresh,
    settled: async () => void (await Promise.all([...inFlight])),
    close() {
      clearInterval(poll);
      for (const b of [...backends.values()]) stop(b);
    },
  };
}
