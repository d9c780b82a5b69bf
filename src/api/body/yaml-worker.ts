import { parentPort } from 'node:worker_threads';
import { parse } from 'yaml';
import { checkStructure } from '../../core/structure.ts';

// Parses YAML request bodies off the event loop (see yaml-parser.ts). One message in, one
// out: `{id, value}`, `{id, problem}` for a document beyond the structure limits (checked
// here, before the result is cloned back), or `{id, error}` for invalid YAML. It posts
// 'ready' once loaded.

parentPort!.on('message', ({ id, text }: { id: number; text: string }) => {
  let value: unknown;
  try {
    value = parse(text);
  } catch (err) {
    parentPort!.postMessage({ id, error: (err as Error).message });
    return;
  }
  const problem = checkStructure(value);
  parentPort!.postMessage(problem ? { id, problem } : { id, value });
});

parentPort!.postMessage('ready');
