import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { buildCpProgram } from '../../src/cli/cp/program.ts';
import { buildDpProgram } from '../../src/cli/dp/program.ts';
import { loadConfig } from '../../src/core/config/load.ts';
import { ENV_VARS } from '../../src/core/config/schema.ts';
import { createRegistry } from '../../src/resources/all.ts';
import { parseDocument } from '../../src/resources/document.ts';
import { startControlPlane, type ControlPlaneProcess } from '../helpers/control-plane.ts';
import { REPO_ROOT } from '../helpers/processes.ts';
import { waitFor } from '../helpers/wait.ts';

// No Docker engine runs here, so the demo files are checked against the code instead: they
// parse, every command, flag, environment variable, file and port they use exists and
// agrees, and the one-shot setup scripts run for real against a global and a zone CP.

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; target?: string };
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  networks?: Record<string, { ipv4_address?: string }>;
  network_mode?: string;
  healthcheck?: object;
}

const DEPLOY = join(REPO_ROOT, 'deploy');
const compose = parseYaml(readFileSync(join(DEPLOY, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service>; networks: Record<string, { ipam: { config: { subnet: string }[] } }> };
const dockerfile = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');
const services = Object.entries(compose.services);
const byTarget = (target: string) => services.filter(([, s]) => s.build?.target === target && !s.entrypoint);
/** A path inside a container mapped to the repository: /demo is deploy/demo (a bind mount), the image's cwd is the repo. */
const hostPath = (p: string) => (p.startsWith('/demo/') ? join(DEPLOY, 'demo', p.slice('/demo/'.length)) : join(REPO_ROOT, p));
const ipOf = (name: string): string | undefined => {
  const s = compose.services[name]!;
  if (s.network_mode?.startsWith('service:')) return ipOf(s.network_mode.slice('service:'.length));
  return Object.values(s.networks ?? {})[0]?.ipv4_address;
};
const flagValue = (args: string[], flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);

describe('deploy/Dockerfile', () => {
  it('copies files that exist, and its cp and dp stages run entry points that exist', () => {
    for (const m of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const src of m[1]!.split(' ')) expect(existsSync(join(REPO_ROOT, src)), `COPY ${src}`).toBe(true);
    }
    const stages = [...dockerfile.matchAll(/^FROM \S+ AS (\S+)$/gm)].map((m) => m[1]);
    expect(stages).toEqual(expect.arrayContaining(['cp', 'dp']));
    const entries = [...dockerfile.matchAll(/^ENTRYPOINT \["node", "([^"]+)"\]$/gm)].map((m) => m[1]!);
    expect(entries).toEqual(['src/cli/meshwork-dp.ts', 'src/cli/meshwork-cp.ts']);
    for (const e of entries) expect(existsSync(join(REPO_ROOT, e))).toBe(true);
    const exposed = /^EXPOSE (.+)$/m.exec(dockerfile)![1]!.split(' ').map(Number).sort();
    const d = loadConfig();
    expect(exposed).toEqual([d.diagnostics.port, d.apiServer.port, d.kds.port, d.dpServer.port].sort());
  });
});

describe('deploy/docker-compose.yml', () => {
  it('has the whole multi-zone topology, built from Dockerfile stages, with valid dependencies', () => {
    const stages = [...dockerfile.matchAll(/^FROM \S+ AS (\S+)$/gm)].map((m) => m[1]);
    for (const [name, s] of services) {
      if (s.build) {
        expect(existsSync(join(DEPLOY, s.build.context, s.build.dockerfile)), `${name}: dockerfile`).toBe(true);
        expect(stages, `${name}: target`).toContain(s.build.target);
      }
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        const target = compose.services[dep];
        expect(target, `${name} depends on ${dep}`).toBeDefined();
        if (condition === 'service_healthy') expect(target!.healthcheck, `${dep} has a healthcheck`).toBeDefined();
        if (condition === 'service_completed_successfully') expect(target!.entrypoint?.[0], `${dep} is a one-shot script`).toBe('sh');
      }
      if (s.network_mode) expect(compose.services[s.network_mode.replace('service:', '')], `${name}: ${s.network_mode}`).toBeDefined();
    }
    const modes = byTarget('cp').map(([, s]) => flagValue(s.command ?? [], '--mode'));
    expect(modes.sort()).toEqual(['global', 'zone', 'zone']);
    const dps = byTarget('dp').map(([, s]) => flagValue(s.command ?? [], '--proxy-type') ?? 'dataplane');
    expect(dps.sort()).toEqual(['dataplane', 'dataplane', 'dataplane', 'ingress', 'ingress']);
  });

  it('every meshwork-cp command, flag and environment variable exists and makes a valid configuration', () => {
    const program = buildCpProgram();
    for (const [name, s] of byTarget('cp')) {
      const [sub, ...args] = s.command ?? ['run'];
      const command = program.commands.find((c) => c.name() === sub);
      expect(command, `${name}: subcommand ${sub}`).toBeDefined();
      const flags = new Set(command!.options.flatMap((o) => [o.long, o.short].filter(Boolean)));
      for (const arg of args.filter((a) => a.startsWith('-'))) expect(flags.has(arg.split('=')[0]!), `${name}: flag ${arg}`).toBe(true);
      for (const key of Object.keys(s.environment ?? {})) expect(Object.keys(ENV_VARS), `${name}: env ${key}`).toContain(key);
      const cfg = loadConfig({ env: s.environment ?? {}, flags: { mode: flagValue(args, '--mode') } });
      // Published ports are ports it listens on.
      const listening = [cfg.apiServer.port, cfg.diagnostics.port, cfg.kds.port, cfg.dpServer.port];
      for (const mapping of s.ports ?? []) expect(listening, `${name}: port ${mapping}`).toContain(Number(mapping.split(':').at(-1)));
      if (cfg.mode === 'zone') {
        // It dials a global service on its KDS port, and trusts a name global's certificate carries.
        const url = new URL(cfg.multizone.zone.globalAddress!);
        const global = compose.services[url.hostname]!;
        expect(loadConfig({ env: global.environment ?? {}, flags: { mode: 'global' } }).kds.port).toBe(Number(url.port));
        expect(global.environment!.MESHWORK_KDS_TLS_HOSTNAMES!.split(',')).toContain(url.hostname);
      }
    }
  });

  it('every meshwork-dp flag exists, its Dataplane or ZoneIngress file is valid and names its own address and CP', () => {
    const program = buildDpProgram();
    const run = program.commands.find((c) => c.name() === 'run')!;
    const flags = new Set(run.options.flatMap((o) => [o.long, o.short].filter(Boolean)));
    const registry = createRegistry();
    for (const [name, s] of byTarget('dp')) {
      const [sub, ...args] = s.command!;
      expect(sub).toBe('run');
      for (const arg of args.filter((a) => a.startsWith('-'))) expect(flags.has(arg), `${name}: flag ${arg}`).toBe(true);
      const file = hostPath(flagValue(args, '--dataplane-file')!);
      const [doc] = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Record<string, unknown>);
      const { descriptor, input } = parseDocument(doc, registry, { maxBytes: 64 * 1024 });
      expect(descriptor.name).toBe(flagValue(args, '--proxy-type') === 'ingress' ? 'ZoneIngress' : 'Dataplane');
      const networking = (input.spec as { networking: { address: string; advertisedAddress?: string } }).networking;
      expect(networking.address, `${name}: address`).toBe(ipOf(name));
      if (networking.advertisedAddress) expect(networking.advertisedAddress).toBe(ipOf(name));
      const cp = new URL(flagValue(args, '--cp-address')!);
      const zone = compose.services[cp.hostname]!;
      expect(flagValue(zone.command!, '--mode'), `${name}: its CP is a zone`).toBe('zone');
      expect(loadConfig({ env: zone.environment ?? {}, flags: { mode: 'zone' } }).dpServer.port).toBe(Number(cp.port));
      expect(s.depends_on?.[cp.hostname] ?? Object.values(s.depends_on ?? {})[0], `${name} waits for its CP`).toBeDefined();
    }
  });

  it('apps and setup scripts exist, and static addresses lie in the network', () => {
    for (const [name, s] of services.filter(([, s]) => s.entrypoint)) {
      const script = s.entrypoint![1]!;
      expect(existsSync(hostPath(script)), `${name}: ${script}`).toBe(true);
    }
    const subnet = compose.networks.mesh!.ipam.config[0]!.subnet;
    const prefix = subnet.split('.').slice(0, 2).join('.');
    for (const [name] of services) if (ipOf(name)) expect(ipOf(name)!.startsWith(`${prefix}.`), name).toBe(true);
    const ips = services.filter(([, s]) => !s.network_mode).map(([n]) => ipOf(n)).filter(Boolean);
    expect(new Set(ips).size).toBe(ips.length);
  });
});

describe('deploy/demo setup scripts, run for real', () => {
  const shared = mkdtempSync(join(tmpdir(), 'compose-shared-'));
  const cps: ControlPlaneProcess[] = [];
  const env = { PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`, MESHCTL_CONFIG: join(shared, 'meshctl-config'), DEMO: join(DEPLOY, 'demo'), SHARED: shared };
  const sh = (script: string, args: string[], extra: NodeJS.ProcessEnv) =>
    new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn('sh', [join(DEPLOY, 'demo', script), ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env, ...extra } });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      child.on('close', (code) => resolve({ code, output }));
    });
  afterAll(async () => {
    for (const cp of cps.reverse()) await cp[Symbol.asyncDispose]();
  });

  it('setup-global.sh and setup-zone.sh write every file the containers read, and a zone joins with them', async () => {
    const global = await startControlPlane({ mode: 'global' });
    cps.push(global);
    const g = await sh('setup-global.sh', [], { API: global.apiUrl });
    expect(g.code, g.output).toBe(0);
    const mesh = (await (await fetch(`${global.apiUrl}/meshes/default`)).json()) as { mtls?: { enabledBackend: string } };
    expect(mesh.mtls?.enabledBackend).toBe('ca-1');
    expect((await fetch(`${global.apiUrl}/meshes/default/meshloadbalancingstrategies/spread-over-zones`)).status).toBe(200);
    expect((await fetch(`${global.apiUrl}/meshes/default/meshtrafficpermissions/allow-all`)).status).toBe(200);

    // zone-1 exactly as compose configures it, except for loopback addresses and the store.
    const zone1 = compose.services['zone-1']!.environment!;
    const zone = await startControlPlane({
      mode: 'zone',
      env: {
        MESHWORK_ZONE_NAME: zone1.MESHWORK_ZONE_NAME,
        MESHWORK_GLOBAL_ADDRESS: `grpcs://${global.kdsHostPort}`,
        MESHWORK_KDS_CA_FILE: zone1.MESHWORK_KDS_CA_FILE!.replace('/shared', shared),
        MESHWORK_ZONE_TOKEN_FILE: zone1.MESHWORK_ZONE_TOKEN_FILE!.replace('/shared', shared),
      },
    });
    cps.push(zone);
    await waitFor(async () => ((await (await fetch(`${global.apiUrl}/zones/_overview`)).json()) as { items: { name: string }[] }).items.some((z) => z.name === 'zone-1'), { what: 'zone-1 to join with the token and CA from setup-global.sh' });
    const z = await sh('setup-zone.sh', ['zone-1'], { API: zone.apiUrl });
    expect(z.code, z.output).toBe(0);

    // Every /shared file a zone-1 container reads now exists (zone-2's are written the same way).
    const read = services
      .filter(([n]) => !n.includes('zone-2'))
      .flatMap(([, s]) => [...(s.command ?? []), ...Object.values(s.environment ?? {})])
      .filter((v) => v.startsWith('/shared/'));
    expect(read.length).toBeGreaterThanOrEqual(5);
    for (const f of read) expect(readFileSync(f.replace('/shared', shared), 'utf8').trim().length, f).toBeGreaterThan(0);
    for (const f of ['zone-2.token', 'backend-zone-2.token']) expect(existsSync(join(shared, f)), f).toBe(true);
  }, 120_000);
});
