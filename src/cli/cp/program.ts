import { Command, InvalidArgumentError } from 'commander';
import { buildRuntime, VERSION } from '../../app/runtime.ts';
import { loadConfig } from '../../core/config/load.ts';
import { isMeshworkError } from '../../core/errors.ts';
import { createRootLogger } from '../../core/logger.ts';
import { setupGlobal } from '../../global/setup.ts';
import { setupZone } from '../../zone/setup.ts';

// meshwork-cp: the control plane binary. `run` loads the config (file < env < flags),
// wires global or zone, starts, and stops cleanly on SIGTERM/SIGINT (exit 0).

const port = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number');
  return n;
};

/** The meshwork-cp command line; `run` starts a control plane. */
export function buildCpProgram(): Command {
  const program = new Command('meshwork-cp').description('Meshwork control plane').version(VERSION);
  program
    .command('run')
    .description('run the control plane')
    .option('--mode <mode>', 'global or zone (env MESHWORK_MODE)')
    .option('-c, --config <file>', 'YAML configuration file')
    .option('--store-type <type>', 'memory, etcd or redis (env MESHWORK_STORE_TYPE)')
    .option('--api-port <port>', 'REST API port (env MESHWORK_API_PORT)', port)
    .option('--diagnostics-port <port>', 'diagnostics port (env MESHWORK_DIAGNOSTICS_PORT)', port)
    .option('--kds-port <port>', 'KDS port on global (env MESHWORK_KDS_PORT)', port)
    .option('--dp-server-port <port>', 'DP server port on zones (env MESHWORK_DP_SERVER_PORT)', port)
    .option('--zone-name <name>', 'zone name (env MESHWORK_ZONE_NAME)')
    .option('--global-address <url>', 'global KDS address, grpcs://HOST:PORT (env MESHWORK_GLOBAL_ADDRESS)')
    .option('--log-level <level>', 'trace, debug, info, warn, error (env MESHWORK_LOG_LEVEL)')
    .action(async (opts: Record<string, string | number | undefined>) => {
      let config;
      try {
        config = loadConfig({
          file: opts.config as string | undefined,
          env: process.env,
          flags: {
            mode: opts.mode,
            'store.type': opts.storeType,
            'apiServer.port': opts.apiPort,
            'diagnostics.port': opts.diagnosticsPort,
            'kds.port': opts.kdsPort,
            'dpServer.port': opts.dpServerPort,
            'multizone.zone.name': opts.zoneName,
            'multizone.zone.globalAddress': opts.globalAddress,
            'logging.level': opts.logLevel,
          },
        });
      } catch (err) {
        process.stderr.write(`Error: ${(err as Error).message}\n`);
        process.exit(2);
      }
      const logger = createRootLogger(config.logging);
      const rt = buildRuntime(config, logger);
      let stopping = false;
      const shutdown = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'stopping');
        await rt.components.stop();
        logger.info('stopped');
        logger.flush?.();
        process.exit(0);
      };
      // Last resort: a promise nobody awaited must not take the control plane down with it
      // (every store and stream failure is handled where it happens; this counts the misses).
      process.on('unhandledRejection', (reason) => {
        rt.metrics.unhandledRejections.inc();
        logger.error({ err: reason, code: 'INTERNAL' }, 'unhandled promise rejection; the control plane keeps running (please report this)');
      });
      process.on('SIGTERM', () => void shutdown('SIGTERM'));
      process.on('SIGINT', () => void shutdown('SIGINT'));
      try {
        (config.mode === 'global' ? setupGlobal : setupZone)(rt);
        logger.info({ mode: config.mode, role: rt.role, store: config.store.type, version: VERSION, instanceId: rt.instanceId }, 'starting control plane');
        await rt.components.start();
        logger.info({ api: `http://${config.apiServer.address}:${config.apiServer.port}` }, 'control plane is running');
      } catch (err) {
        logger.fatal({ err, code: isMeshworkError(err) ? err.code : 'INTERNAL' }, `cannot start: ${(err as Error).message}`);
        await rt.components.stop().catch(() => {});
        process.exit(1);
      }
    });
  return program;
}
