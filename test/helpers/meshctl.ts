import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MESHCTL, runNode, type RunResult } from './processes.ts';

/** A meshctl with its own config file; run() spawns the real binary. */
export function meshctl() {
  const config = join(mkdtempSync(join(tmpdir(), 'meshctl-')), 'config');
  return {
    config,
    run(args: string[], input?: string): Promise<RunResult> {
      return runNode(MESHCTL, args, { env: { MESHCTL_CONFIG: config }, ...(input !== undefined ? { input } : {}) });
    },
  };
}
