#!/usr/bin/env node
import { buildDpProgram } from './dp/program.ts';

await buildDpProgram().parseAsync();
