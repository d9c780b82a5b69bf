import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { MeshworkError, type InvalidParameter } from '../errors.ts';
import { formatPath } from '../../resources/validation.ts';
import { configSchema, ENV_VARS, type Config } from './schema.ts';

type Json = Record<string, unknown>;

export interface ConfigSources {
  /** Path of a YAML file (`--config`). */
  file?: string;
  /** The process environment, read once here. */
  env?: Record<string, string | undefined>;
  /** Values from command-line flags, as config paths (`apiServer.port`) → values. */
  flags?: Record<string, unknown>;
}

function setPath(target: Json, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Json;
  }
  node[parts.at(-1)!] = value;
}

function parseEnvValue(name: string, raw: string, kind: 'string' | 'number' | 'boolean' | 'list'): unknown {
  switch (kind) {
    case 'string':
      return raw;
    case 'list':
      return raw.split(',').map((s) => s.trim()).filter(Boolean);
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) {
        throw new MeshworkError('BAD_REQUEST', `invalid configuration: ${name}="${raw}" is not a number`, {
          invalidParameters: [{ field: name, reason: 'must be a number' }],
        });
      }
      return n;
    }
    case 'boolean':
      if (/^(true|1|yes)$/i.test(raw)) return true;
      if (/^(false|0|no)$/i.test(raw)) return false;
      throw new MeshworkError('BAD_REQUEST', `invalid configuration: ${name}="${raw}" is not a boolean`, {
        invalidParameters: [{ field: name, reason: 'must be true or false' }],
      });
  }
}

/** File, then environment, then flags; the result is validated and frozen. */
export function loadConfig(sources: ConfigSources = {}): Readonly<Config> {
  let raw: Json = {};
  if (sources.file) {
    let text: string;
    try {
      text = readFileSync(sources.file, 'utf8');
    } catch (err) {
      throw new MeshworkError('BAD_REQUEST', `cannot read config file ${sources.file}: ${(err as Error).message}`, { cause: err });
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(text);
    } catch (err) {
      throw new MeshworkError('BAD_REQUEST', `config file ${sources.file} is not valid YAML: ${(err as Error).message}`, { cause: err });
    }
    if (parsed !== null && parsed !== undefined) {
      if (typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new MeshworkError('BAD_REQUEST', `config file ${sources.file} must hold a YAML mapping`);
      }
      raw = parsed as Json;
    }
  }
  const env = sources.env ?? {};
  for (const [name, spec] of Object.entries(ENV_VARS)) {
    const value = env[name];
    if (value !== undefined && value !== '') setPath(raw, spec.path, parseEnvValue(name, value, spec.kind));
  }
  for (const [path, value] of Object.entries(sources.flags ?? {})) {
    if (value !== undefined) setPath(raw, path, value);
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const invalidParameters: InvalidParameter[] = result.error.issues.map((i) => ({
      field: formatPath(i.path),
      reason: i.message,
    }));
    throw new MeshworkError(
      'BAD_REQUEST',
      `invalid configuration: ${invalidParameters.map((p) => `${p.field}: ${p.reason}`).join('; ')}`,
      { invalidParameters },
    );
  }
  return deepFreeze(result.data);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The config as shown by `GET /config`: secrets-bearing fields redacted. */
export function redactConfig(cfg: Config): Json {
  const copy = structuredClone(cfg) as Json;
  const redis = (copy.store as Json).redis as Json;
  redis.url = String(redis.url).replace(/\/\/([^@/]*)@/, '//***@');
  return copy;
}
