import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { buildCpProgram } from '../../src/cli/cp/program.ts';
import { loadConfig } from '../../src/core/config/load.ts';
import { ENV_VARS } from '../../src/core/config/schema.ts';
import { REPO_ROOT } from '../helpers/processes.ts';

// No Docker engine runs here, so the demo files are checked against the code instead:
// they parse, and every command, flag, environment variable and port they use exists.

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: string[];
}

const compose = parseYaml(readFileSync(join(REPO_ROOT, 'deploy/docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };
const dockerfile = readFileSync(join(REPO_ROOT, 'deploy/Dockerfile'), 'utf8');
const meshworkServices = Object.entries(compose.services).filter(([, s]) => s.build !== undefined || s.image?.startsWith('meshwork'));

describe('deploy/', () => {
  it('the Dockerfile copies files that exist and runs the meshwork-cp entry point', () => {
    for (const m of dockerfile.matchAll(/^COPY (.+) \S+$/gm)) {
      for (const src of m[1]!.split(' ')) expect(existsSync(join(REPO_ROOT, src)), `COPY ${src}`).toBe(true);
    }
    const entry = /^ENTRYPOINT \["node", "([^"]+)"\]$/m.exec(dockerfile);
    expect(entry).not.toBeNull();
    expect(existsSync(join(REPO_ROOT, entry![1]!))).toBe(true);
    const exposed = /^EXPOSE (.+)$/m.exec(dockerfile)![1]!.split(' ').map(Number).sort();
    const d = loadConfig();
    expect(exposed).toEqual([d.diagnostics.port, d.apiServer.port, d.kds.port, d.dpServer.port].sort());
  });

  it('compose builds with deploy/Dockerfile and depends only on services it defines', () => {
    expect(meshworkServices.length).toBeGreaterThan(0);
    for (const [name, s] of Object.entries(compose.services)) {
      for (const dep of s.depends_on ?? []) expect(compose.services[dep], `${name} depends on ${dep}`).toBeDefined();
      if (s.build) expect(existsSync(join(REPO_ROOT, 'deploy', s.build.context, s.build.dockerfile))).toBe(true);
    }
  });

  it('every meshwork-cp command, flag and environment variable in compose exists', () => {
    const program = buildCpProgram();
    for (const [name, s] of meshworkServices) {
      const [sub, ...args] = s.command ?? ['run'];
      const command = program.commands.find((c) => c.name() === sub);
      expect(command, `${name}: subcommand ${sub}`).toBeDefined();
      const flags = new Set(command!.options.flatMap((o) => [o.long, o.short].filter(Boolean)));
      for (const arg of args.filter((a) => a.startsWith('-'))) expect(flags.has(arg.split('=')[0]!), `${name}: flag ${arg}`).toBe(true);
      for (const key of Object.keys(s.environment ?? {})) expect(Object.keys(ENV_VARS), `${name}: env ${key}`).toContain(key);
      // And the environment is a valid configuration.
      const env = s.environment ?? {};
      const modeArg = args[args.indexOf('--mode') + 1];
      expect(() => loadConfig({ env, flags: { mode: modeArg } })).not.toThrow();
    }
  });

  it('published ports are ports the control plane listens on with that configuration', () => {
    for (const [name, s] of meshworkServices) {
      const cfg = loadConfig({ env: s.environment ?? {} });
      const listening = [cfg.apiServer.port, cfg.diagnostics.port, cfg.kds.port, cfg.dpServer.port];
      for (const mapping of s.ports ?? []) {
        const container = Number(mapping.split(':').at(-1));
        expect(listening, `${name}: port ${mapping}`).toContain(container);
      }
    }
  });
});
