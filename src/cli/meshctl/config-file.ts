import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { z } from 'zod';
import { CliError } from './errors.ts';

// ~/.meshctl/config (MESHCTL_CONFIG overrides the path), in kumactl's layout: control
// planes with coordinates, contexts pointing at them, and the current context.

const controlPlane = z.object({
  name: z.string().min(1),
  coordinates: z.object({
    apiServer: z.object({
      url: z.string().url(),
      authType: z.enum(['tokens']).optional(),
      authConf: z.record(z.string(), z.string()).optional(),
    }),
  }),
});

const configSchema = z.object({
  controlPlanes: z.array(controlPlane).default([]),
  contexts: z.array(z.object({ name: z.string(), controlPlane: z.string() })).default([]),
  currentContext: z.string().default(''),
});

export type MeshctlConfig = z.infer<typeof configSchema>;
export type ControlPlaneEntry = z.infer<typeof controlPlane>;

export const DEFAULT_CONTROL_PLANE: ControlPlaneEntry = { name: 'local', coordinates: { apiServer: { url: 'http://localhost:5681' } } };

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.MESHCTL_CONFIG || join(homedir(), '.meshctl', 'config');
}

export function readConfig(path: string): MeshctlConfig {
  if (!existsSync(path)) {
    return { controlPlanes: [DEFAULT_CONTROL_PLANE], contexts: [{ name: 'local', controlPlane: 'local' }], currentContext: 'local' };
  }
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8')) ?? {};
  } catch (err) {
    throw new CliError(`config file ${path} is not valid YAML: ${(err as Error).message}`);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new CliError(`config file ${path} is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export function writeConfig(path: string, config: MeshctlConfig): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, stringify(config), { mode: 0o600 });
}

export function currentControlPlane(config: MeshctlConfig): ControlPlaneEntry {
  const ctx = config.contexts.find((c) => c.name === config.currentContext);
  if (!ctx) throw new CliError(`no current control plane: add one with \`meshctl config control-planes add --name NAME --address URL\``);
  const cp = config.controlPlanes.find((c) => c.name === ctx.controlPlane);
  if (!cp) throw new CliError(`context "${ctx.name}" points at control plane "${ctx.controlPlane}", which is not configured`);
  return cp;
}
