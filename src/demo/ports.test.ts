import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { DEMO_PORTS, FETCH_BLOCKED_PORTS } from './ports.ts';

const DEPLOY = new URL('../../deploy/', import.meta.url);

/** Every port number in a parsed YAML value: fields named *port/*Port, `host:container` mappings and URLs. */
function portsIn(value: unknown, out: number[] = []): number[] {
  if (Array.isArray(value)) for (const v of value) portsIn(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (/port$/i.test(k) && typeof v === 'number') out.push(v);
      else portsIn(v, out);
    }
  } else if (typeof value === 'string') {
    for (const m of value.matchAll(/(?:^|:)(\d{1,5})(?=[/:]|$)/g)) out.push(Number(m[1]));
  }
  return out;
}

describe('demo ports', () => {
  it("the quickstart's fixed ports are all reachable by fetch (none is a blocked \"bad port\")", () => {
    const fixed = [...Object.values(DEMO_PORTS.global), ...[1, 2].flatMap((n) => Object.values(DEMO_PORTS.zone(n))), DEMO_PORTS.webOutbound];
    expect(fixed.filter((p) => FETCH_BLOCKED_PORTS.has(p))).toEqual([]);
    expect(FETCH_BLOCKED_PORTS.has(10080)).toBe(true);
  });

  it('docker-compose and the demo dataplanes use none either', () => {
    const ports = [...portsIn(parse(readFileSync(new URL('docker-compose.yml', DEPLOY), 'utf8'))), ...readdirSync(new URL('demo/', DEPLOY)).filter((f) => f.endsWith('.yaml')).flatMap((f) => parseAllDocuments(readFileSync(new URL(`demo/${f}`, DEPLOY), 'utf8')).flatMap((d) => portsIn(d.toJS())))];
    expect(ports).toContain(18081);
    expect(ports.filter((p) => FETCH_BLOCKED_PORTS.has(p))).toEqual([]);
  });
});
