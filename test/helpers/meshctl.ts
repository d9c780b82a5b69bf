import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MESHCTL, runNode, type RunResult } from './processes.ts';

/** A meshctl with its own config file; run() spawns the real binary. */
export function meshctl() {
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-'));
  const config = join(dir, 'config');
  const run = (args: string[], input?: string): Promise<RunResult> =>
    runNode(MESHCTL, args, { env: { MESHCTL_CONFIG: config }, ...(input !== undefined ? { input } : {}) });
  const ok = async (args: string[]) => {
    const r = await run(args);
    if (r.code !== 0) throw new Error(`meshctl ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };
  return {
    config,
    run,
    /** Writes global's self-signed KDS certificate (the zones' CA) to a file; returns its path. */
    async kdsCaFile(): Promise<string> {
      const secret = JSON.parse(await ok(['get', 'global-secret', 'kds-server-tls', '-o', 'json'])) as { data: string };
      const file = join(dir, 'kds-ca.pem');
      writeFileSync(file, (JSON.parse(Buffer.from(secret.data, 'base64').toString('utf8')) as { cert: string }).cert);
      return file;
    },
    /** Generates a zone token (of the given scopes, meshctl's default otherwise) and writes it to a file; returns its path. */
    async zoneTokenFile(zone: string, scope: string[] = []): Promise<string> {
      const file = join(dir, `${zone}${scope.length ? `-${scope.join('-')}` : ''}.token`);
      writeFileSync(file, (await ok(['generate', 'zone-token', '--zone', zone, '--valid-for', '24h', ...scope.flatMap((s) => ['--scope', s])])).trim());
      return file;
    },
    /**
     * The environment of a zone CP federated with the global this meshctl points at (whose
     * KDS server is `globalKds`, HOST:PORT): KDS over TLS with global's certificate pinned,
     * and a zone token.
     */
    async zoneEnv(zone: string, globalKds: string): Promise<NodeJS.ProcessEnv> {
      return { MESHWORK_ZONE_NAME: zone, MESHWORK_GLOBAL_ADDRESS: `grpcs://${globalKds}`, MESHWORK_KDS_CA_FILE: await this.kdsCaFile(), MESHWORK_ZONE_TOKEN_FILE: await this.zoneTokenFile(zone) };
    },
  };
}
