#!/usr/bin/env node
import { buildCpProgram } from './cp/program.ts';

buildCpProgram()
  .parseAsync()
  .catch((err: unknown) => {
    process.stderr.write(`Error: ${(err as Error).message}\n`);
    process.exit(1);
  });
