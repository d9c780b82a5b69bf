// Durations in the Go / Kubernetes metav1.Duration syntax that Kuma policies use:
// a sequence of decimal numbers with units, e.g. `2s`, `500ms`, `1h30m`, `1.5s`.
// Mesh CA settings additionally accept days and years (`1d`, `10y`), as Kuma does.

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  y: 365 * 86_400_000,
};

const PART = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h|d|y)/y;

export type DurationResult = { ok: true; ms: number } | { ok: false; reason: string };

// Config builds parse the same few durations for every proxy: results are remembered.
const MEMO_LIMIT = 4096;
const parsed = new Map<string, DurationResult>();
const formatted = new Map<number, string>();

/** Parses a duration; `extended` allows the `d` and `y` units. Zero is `0` or `0s`. */
export function parseDuration(input: string, extended = false): DurationResult {
  if (typeof input !== 'string') return parse(input, extended);
  const key = `${extended ? 'x' : ''}:${input}`;
  let r = parsed.get(key);
  if (r === undefined) {
    r = Object.freeze(parse(input, extended));
    if (parsed.size >= MEMO_LIMIT) parsed.clear();
    parsed.set(key, r);
  }
  return r;
}

function parse(input: string, extended: boolean): DurationResult {
  if (typeof input !== 'string' || input.length === 0) return { ok: false, reason: 'must be a duration like 2s or 500ms' };
  if (input.startsWith('-')) return { ok: false, reason: 'must not be negative' };
  const text = input.startsWith('+') ? input.slice(1) : input;
  if (text === '0') return { ok: true, ms: 0 };
  let ms = 0;
  PART.lastIndex = 0;
  let pos = 0;
  while (pos < text.length) {
    PART.lastIndex = pos;
    const m = PART.exec(text);
    if (!m) return { ok: false, reason: `invalid duration "${input}": expected a number followed by a unit (ns, us, ms, s, m, h${extended ? ', d, y' : ''})` };
    const unit = m[2]!;
    if (!extended && (unit === 'd' || unit === 'y')) {
      return { ok: false, reason: `invalid duration "${input}": unit "${unit}" is not allowed here (use h)` };
    }
    ms += Number(m[1]) * UNIT_MS[unit]!;
    pos = PART.lastIndex;
  }
  return { ok: true, ms };
}

/** Formats milliseconds the way Envoy's proto3 JSON wants durations: seconds with up to 9 decimals. */
export function toProtoDuration(ms: number): string {
  let text = formatted.get(ms);
  if (text === undefined) {
    text = `${Number((ms / 1000).toFixed(9))}s`;
    if (formatted.size >= MEMO_LIMIT) formatted.clear();
    formatted.set(ms, text);
  }
  return text;
}
