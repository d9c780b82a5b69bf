import { followDnsConfig, startDnsProxy, type DnsProxy } from '../../dp/dns-proxy.ts';
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { VERSION } from '../../app/runtime.ts';
import { backoffDelay, sleep } from '../../core/backoff.ts';
import type { RestErrorBody } from '../../core/errors.ts';
import { createRootLogger } from '../../core/logger.ts';
import { findEnvoy } from '../../dp/envoy-binary.ts';
import { startAccessLogStreamer, type AccessLogStreamer } from '../../dp/access-log-streamer.ts';
import { ACCESS_LOG_PATH_METADATA, DEFAULT_ADMIN_PORT, DNS_PROXY_PORT_METADATA, DYNAMIC_CONFIG_SOCKET_METADATA, METRICS_CERT_PATH_METADATA, METRICS_KEY_PATH_METADATA, METRICS_SOCKET_METADATA } from '../../dp/agent-protocol.ts';
import { startMetricsPusher, type MetricsPusher } from '../../dp/metrics-pusher.ts';
import { parseDuration } from '../../core/duration.ts';
import { startMetricsMerger, type MetricsMerger } from '../../dp/metrics-merger.ts';
import { substitute } from '../meshctl/commands/apply.ts';

// meshwork-dp: kuma-dp's counterpart. `run` registers the Dataplane with the zone CP and
// gets the Envoy bootstrap (POST /bootstrap on the DP server), then runs Envoy in the
// foreground: signals are forwarded, nothing is restarted silently, and meshwork-dp exits
// with Envoy's exit status. Meanwhile it streams access logs to MeshAccessLog tcp backends
// and merges MeshMetric applications' metrics into the proxy's, and pushes metrics to
// MeshMetric OpenTelemetry backends.

const durationMs = (v: string) => {
  const r = parseDuration(v);
  if (!r.ok || r.ms <= 0) throw new InvalidArgumentError('must be a positive duration like 10s or 500ms');
  return r.ms;
};

const bool = (v: string) => {
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new InvalidArgumentError('must be true or false');
};

/** kuma-dp's default DNS proxy port (its KUMA_DNS_PROXY_PORT is read too). */
export const DEFAULT_DNS_PROXY_PORT = 15053;

const port = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError('must be a port number');
  return n;
};

interface RunOptions {
  cpAddress: string;
  dataplaneFile: string;
  dataplaneVar: string[];
  dataplaneTokenFile?: string;
  proxyType: string;
  binaryPath?: string;
  adminPort: number;
  caCertFile?: string;
  name?: string;
  mesh?: string;
  configDir?: string;
  delta?: boolean;
  dynamicConfigRefreshInterval: number;
  metricsCertPath?: string;
  metricsKeyPath?: string;
  /** Unset: on when the Dataplane uses transparent proxying (the DNS proxy only serves it). */
  dnsEnabled?: boolean;
  dnsProxyPort: number;
  logLevel: string;
}

class BootstrapRefused extends Error {}

function post(url: URL, body: unknown, ca: string | undefined): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const req = request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': data.length }, ...(ca ? { ca } : { rejectUnauthorized: false }), timeout: 15_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(data);
  });
}

async function run(opts: RunOptions): Promise<number> {
  const log = createRootLogger({ level: opts.logLevel, format: 'auto' }).child({ component: 'meshwork-dp' });
  const cp = new URL(opts.cpAddress);
  if (cp.protocol !== 'https:') throw new Error('--cp-address must be https://HOST:PORT (the DP server serves TLS)');
  // MeshMetric's ProvidedTLS: Envoy reads these files itself, so they must exist now.
  let metricsTls: { cert: string; key: string } | undefined;
  if (opts.metricsCertPath || opts.metricsKeyPath) {
    if (!opts.metricsCertPath || !opts.metricsKeyPath) throw new Error('--metrics-cert-path and --metrics-key-path go together');
    metricsTls = { cert: resolve(opts.metricsCertPath), key: resolve(opts.metricsKeyPath) };
    for (const file of [metricsTls.cert, metricsTls.key]) accessSync(file, constants.R_OK);
  }
  const vars = Object.fromEntries(opts.dataplaneVar.map((v) => [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)]));
  const dataplane = parseYaml(substitute(readFileSync(opts.dataplaneFile, 'utf8'), vars)) as Record<string, unknown>;
  const mesh = opts.mesh ?? (dataplane.mesh as string | undefined) ?? 'default';
  const name = opts.name ?? (dataplane.name as string | undefined);
  if (!name) throw new Error('the Dataplane has no name: set it in the file or pass --name');
  const ca = opts.caCertFile ? readFileSync(opts.caCertFile, 'utf8') : undefined;
  if (!ca) log.warn('no --ca-cert-file: the control plane certificate is NOT verified');
  const token = opts.dataplaneTokenFile ? readFileSync(opts.dataplaneTokenFile, 'utf8').trim() : undefined;
  const envoy = findEnvoy(opts.binaryPath);

  // Register and fetch the bootstrap; the CP may not be up yet, so connection errors retry.
  let bootstrap: object | undefined;
  for (let attempt = 0; !bootstrap; attempt++) {
    try {
      const res = await post(new URL('/bootstrap', cp), { mesh, name, proxyType: opts.proxyType, dataplane, dataplaneToken: token, adminPort: opts.adminPort, caCert: ca, delta: opts.delta, version: VERSION }, ca);
      if (res.status === 200) bootstrap = (JSON.parse(res.body) as { bootstrap: object }).bootstrap;
      else {
        const e = JSON.parse(res.body) as RestErrorBody;
        throw new BootstrapRefused([`the control plane refused the dataplane: ${e.detail} (${e.code})`, ...(e.invalid_parameters ?? []).map((p) => `  * ${p.field}: ${p.reason}`)].join('\n'));
      }
    } catch (err) {
      if (err instanceof BootstrapRefused) throw err;
      if (attempt >= 30) throw new Error(`cannot reach the control plane at ${cp.origin}: ${(err as Error).message}`);
      const delay = backoffDelay(attempt, 500, 5000);
      log.warn({ err: (err as Error).message, retryInMs: delay }, 'control plane not reachable yet');
      await sleep(delay);
    }
  }
  const dir = opts.configDir ?? mkdtempSync(join(tmpdir(), `meshwork-dp-${name}-`));
  // MeshAccessLog tcp backends: Envoy writes their lines to a FIFO this process streams
  // from; the CP learns its path from the node metadata.
  // MeshMetric applications: scrapes are merged by this process, on a unix socket.
  // MeshMetric OpenTelemetry backends: Envoy serves this process their config on a unix
  // socket (its listener, so the path is only announced) and it pushes the metrics.
  let streamer: AccessLogStreamer | undefined;
  let merger: MetricsMerger | undefined;
  let pusher: MetricsPusher | undefined;
  let dns: DnsProxy | undefined;
  let dnsFollower: { stop(): void } | undefined;
  if (opts.proxyType === 'dataplane') {
    // Neither is needed to run the proxy: if one cannot start, the CP is not told about it.
    const fifo = join(dir, 'access-log.fifo');
    try {
      streamer = startAccessLogStreamer(fifo, log.child({ component: 'access-log-streamer' }));
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'cannot create the access log FIFO: MeshAccessLog tcp backends are not available');
    }
    const socket = join(dir, 'metrics.sock');
    // A unix socket path has at most 107 bytes.
    if (Buffer.byteLength(socket) >= 100) log.warn({ socket }, 'the config dir path is too long for a unix socket: MeshMetric applications are not merged');
    else merger = await startMetricsMerger(socket, opts.adminPort, log.child({ component: 'metrics-merger' })).catch((err: Error) => {
      log.warn({ err: err.message }, 'cannot serve merged metrics: MeshMetric applications are not merged');
      return undefined;
    });
    const configSocket = join(dir, 'dynamic-config.sock');
    if (Buffer.byteLength(configSocket) < 100) {
      rmSync(configSocket, { force: true });
      pusher = startMetricsPusher({ configSocket, adminPort: opts.adminPort, pollIntervalMs: opts.dynamicConfigRefreshInterval, version: VERSION, logger: log.child({ component: 'metrics-pusher' }) });
    } else log.warn({ socket: configSocket }, 'the config dir path is too long for a unix socket: MeshMetric OpenTelemetry backends are not available');
    // The DNS proxy: only useful with transparent proxying (DNS traffic redirected to it), and
    // only with the dynamic configuration, where its records come from. Not running it never
    // stops the proxy: the CP is then not told about it.
    const transparent = Boolean((dataplane.networking as { transparentProxying?: unknown } | undefined)?.transparentProxying);
    if (pusher && (opts.dnsEnabled ?? transparent)) {
      try {
        dns = await startDnsProxy({ port: opts.dnsProxyPort, logger: log.child({ component: 'dns-proxy' }) });
        dnsFollower = followDnsConfig(dns, { configSocket, intervalMs: opts.dynamicConfigRefreshInterval, logger: log.child({ component: 'dns-proxy' }) });
        log.info({ port: dns.port }, 'DNS proxy listening on 127.0.0.1 (UDP)');
      } catch (err) {
        log.warn({ err: (err as Error).message, port: opts.dnsProxyPort }, 'cannot start the DNS proxy: mesh hostnames are not resolved by it');
      }
    } else if (opts.dnsEnabled) log.warn('the DNS proxy needs the dynamic configuration socket (see above): not started');
    const node = (bootstrap as { node: { metadata?: Record<string, unknown> } }).node;
    node.metadata = {
      ...node.metadata,
      ...(metricsTls ? { [METRICS_CERT_PATH_METADATA]: metricsTls.cert, [METRICS_KEY_PATH_METADATA]: metricsTls.key } : {}),
      ...(streamer ? { [ACCESS_LOG_PATH_METADATA]: streamer.path } : {}),
      ...(merger ? { [METRICS_SOCKET_METADATA]: merger.path } : {}),
      ...(pusher ? { [DYNAMIC_CONFIG_SOCKET_METADATA]: configSocket } : {}),
      ...(dns ? { [DNS_PROXY_PORT_METADATA]: String(dns.port) } : {}),
    };
  }
  // JSON, not YAML: Envoy's YAML parser would read values such as `on` as booleans.
  const file = join(dir, 'bootstrap.json');
  writeFileSync(file, JSON.stringify(bootstrap, null, 2));
  log.info({ envoy, bootstrap: file, nodeId: `${mesh}.${name}`, adminPort: opts.adminPort }, 'starting Envoy');
  const child = spawn(envoy, ['-c', file, '--disable-hot-restart', '--drain-time-s', '3', '--log-level', opts.logLevel === 'debug' ? 'debug' : 'info'], { stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => () => {
    log.info({ signal }, 'forwarding signal to Envoy');
    child.kill(signal);
  };
  process.on('SIGTERM', forward('SIGTERM'));
  process.on('SIGINT', forward('SIGINT'));
  return new Promise((resolve) => {
    child.on('error', (err) => {
      log.error({ err: err.message }, 'cannot start Envoy');
      resolve(1);
    });
    child.on('exit', (code, signal) => {
      streamer?.close();
      merger?.close();
      pusher?.close();
      dnsFollower?.stop();
      void dns?.close();
      log.info({ code, signal }, 'Envoy exited');
      resolve(code ?? (signal ? 128 + 15 : 1));
    });
  });
}

export function buildDpProgram(): Command {
  const program = new Command('meshwork-dp').description('Meshwork data plane agent: registers a proxy and runs Envoy').version(VERSION);
  program
    .command('run')
    .description('register the Dataplane with the zone control plane and run Envoy')
    .requiredOption('--cp-address <url>', 'DP server of the zone control plane, https://HOST:5678')
    .requiredOption('--dataplane-file <file>', 'Dataplane resource (YAML)')
    .option('--dataplane-var <key=value>', 'value for a {{ key }} placeholder in the dataplane file (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--dataplane-token-file <file>', 'dataplane token (meshctl generate dataplane-token)')
    .option('--proxy-type <type>', 'dataplane or ingress', 'dataplane')
    .option('--binary-path <path>', 'Envoy binary (default: envoy on PATH)')
    .option('--admin-port <port>', 'Envoy admin port, on 127.0.0.1', port, DEFAULT_ADMIN_PORT)
    .option('--ca-cert-file <file>', 'CA certificate of the DP server; without it the CP is not verified')
    .option('--name <name>', 'dataplane name (default: from the file)')
    .option('--mesh <mesh>', 'mesh (default: from the file, else "default")')
    .option('--config-dir <dir>', 'where to write the Envoy bootstrap (default: a temp dir)')
    .option('--delta', 'use delta (incremental) xDS')
    .option('--dynamic-config-refresh-interval <duration>', 'how often to read the config Envoy serves this agent (MeshMetric OpenTelemetry backends)', durationMs, 10_000)
    .addOption(new Option('--metrics-cert-path <file>', 'certificate (PEM) of the Prometheus endpoint when a MeshMetric asks for ProvidedTLS').env('MESHWORK_DATAPLANE_RUNTIME_METRICS_CERT_PATH'))
    .addOption(new Option('--metrics-key-path <file>', 'its private key (PEM)').env('MESHWORK_DATAPLANE_RUNTIME_METRICS_KEY_PATH'))
    .addOption(new Option('--dns-enabled <enabled>', "run the DNS proxy: true or false (default: when the Dataplane uses transparent proxying)").argParser(bool).env('MESHWORK_DNS_ENABLED'))
    .addOption(new Option('--dns-proxy-port <port>', 'loopback UDP port of the DNS proxy (KUMA_DNS_PROXY_PORT is read too)').argParser(port).env('MESHWORK_DNS_PROXY_PORT').default(process.env.KUMA_DNS_PROXY_PORT ? port(process.env.KUMA_DNS_PROXY_PORT) : DEFAULT_DNS_PROXY_PORT))
    .option('--log-level <level>', 'info, debug, warn, error', 'info')
    .action(async (opts: RunOptions) => {
      try {
        process.exitCode = await run(opts);
      } catch (err) {
        process.stderr.write(`Error: ${(err as Error).message}\n`);
        process.exitCode = 1;
      }
    });
  return program;
}
