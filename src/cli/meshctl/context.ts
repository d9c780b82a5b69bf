import { ApiClient } from './client.ts';
import { configPath, currentControlPlane, readConfig } from './config-file.ts';

/** What every command gets: where to print and how to reach the current control plane. */
export interface CliContext {
  out: (text: string) => void;
  err: (text: string) => void;
  stdin: () => Promise<string>;
  env: NodeJS.ProcessEnv;
  isTty: boolean;
}

export function clientFor(ctx: CliContext): ApiClient {
  return new ApiClient(currentControlPlane(readConfig(configPath(ctx.env))));
}
