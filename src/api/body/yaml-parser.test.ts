import { afterEach, describe, expect, it } from 'vitest';
import { isMeshworkError } from '../../core/errors.ts';
import { YamlBodyParser } from './yaml-parser.ts';

let parser: YamlBodyParser | undefined;
afterEach(async () => {
  await parser?.close();
  parser = undefined;
});

function slowYaml(bytes: number): string {
  let s = 'items:\n';
  while (s.length < bytes) s += `  - {name: item-${s.length}, value: "x"}\n`;
  return s;
}

describe('YAML bodies parsed on a worker thread', () => {
  it('parses documents without holding the event loop', async () => {
    parser = new YamlBodyParser({ timeoutMs: 60_000 });
    const parsing = parser.parse(slowYaml(400_000));
    // A synchronous parser would finish before this timer could fire.
    let ticked = false;
    setTimeout(() => (ticked = true), 0);
    const value = (await parsing) as { items: unknown[] };
    expect(ticked).toBe(true);
    expect(value.items.length).toBeGreaterThan(1000);
    expect(await parser.parse('type: Mesh\nname: m\n')).toEqual({ type: 'Mesh', name: 'm' });
  });

  it('names what is wrong: invalid YAML, too deep, __proto__', async () => {
    parser = new YamlBodyParser({ timeoutMs: 60_000 });
    const fail = async (text: string) => parser!.parse(text).then(() => undefined, (err: unknown) => err);
    const invalid = await fail('a: [');
    expect(isMeshworkError(invalid, 'INVALID_RESOURCE') && invalid.message).toMatch(/not valid YAML/);
    const deep = await fail(`a: ${'['.repeat(150)}${']'.repeat(150)}`);
    expect(isMeshworkError(deep, 'INVALID_RESOURCE') && deep.invalidParameters[0]!.reason).toMatch(/nested more than/);
    const proto = await fail('a:\n  __proto__: {x: 1}\n');
    expect(isMeshworkError(proto, 'INVALID_RESOURCE') && proto.invalidParameters[0]).toEqual({ field: 'a.__proto__', reason: 'is not an allowed field name' });
  });

  it('gives up on a document that takes too long, and parses the next one with a new worker', async () => {
    // 4 MB takes the yaml library about 10 s; a tiny document well under the second allowed.
    parser = new YamlBodyParser({ timeoutMs: 1000 });
    const slow = parser.parse(slowYaml(4_000_000));
    const next = parser.parse('ok: true\n');
    const err = await slow.then(() => undefined, (e: unknown) => e);
    expect(isMeshworkError(err, 'RESOURCE_TOO_LARGE')).toBe(true);
    expect(await next).toEqual({ ok: true });
    expect(parser.pending).toBe(0);
  });
});
