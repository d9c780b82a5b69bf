import { pino, type Logger, type LoggerOptions } from 'pino';

// One pino root logger per process; components take a child with a kebab-case name.
// JSON by default; pretty output when writing to a terminal (or MESHWORK_LOG_FORMAT=pretty).

export type { Logger };

export interface LoggerConfig {
  level: string;
  format: 'json' | 'pretty' | 'auto';
}

export function createRootLogger(cfg: LoggerConfig, destination?: NodeJS.WritableStream): Logger {
  const options: LoggerOptions = { level: cfg.level, base: { pid: process.pid } };
  const pretty = cfg.format === 'pretty' || (cfg.format === 'auto' && process.stdout.isTTY === true && !destination);
  if (pretty) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  return destination ? pino(options, destination as never) : pino(options);
}

/** A logger that drops everything; for unit tests that do not assert on logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
