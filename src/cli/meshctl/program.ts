import { Command, CommanderError } from 'commander';
import { VERSION } from '../../app/runtime.ts';
import { applyCommand } from './commands/apply.ts';
import { configCommands } from './commands/config.ts';
import { generateCommands } from './commands/generate.ts';
import { getCommand } from './commands/get.ts';
import { inspectCommand } from './commands/inspect.ts';
import { transparentProxyCommands } from './commands/transparent-proxy.ts';
import { clientFor, type CliContext } from './context.ts';
import { CliError } from './errors.ts';

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('meshctl')
    .description('Meshwork CLI: manage meshes and policies on a Meshwork (or Kuma-compatible) control plane')
    .exitOverride()
    .configureOutput({ writeOut: ctx.out, writeErr: ctx.err });
  configCommands(program, ctx);
  applyCommand(program, ctx);
  getCommand(program, ctx);
  inspectCommand(program, ctx);
  generateCommands(program, ctx);
  transparentProxyCommands(program, ctx);
  program
    .command('version')
    .description('print the client version and, if reachable, the control plane version')
    .action(async () => {
      ctx.out(`Client: Meshwork ${VERSION}\n`);
      try {
        const { body } = await clientFor(ctx).request<{ product: string; version: string; mode: string; meshwork?: { product: string; version: string } }>('GET', '/');
        const own = body.meshwork ? `${body.meshwork.product} ${body.meshwork.version}, compatible with ${body.product} ${body.version}` : `${body.product} ${body.version}`;
        ctx.out(`Control Plane: ${own} (${body.mode})\n`);
      } catch (err) {
        if (!(err instanceof CliError)) throw err;
        ctx.out(`Control Plane: unknown (${err.message})\n`);
      }
    });
  return program;
}

/** Runs meshctl with argv (without node and script); returns the exit code. */
export async function runMeshctl(argv: string[], ctx: CliContext): Promise<number> {
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof CliError) {
      ctx.err(`${err.format()}\n`);
      return 1;
    }
    ctx.err(`Error: ${(err as Error).message}\n`);
    return 1;
  }
}
