// Prometheus text exposition → OTLP metrics, for MeshMetric's OpenTelemetry backends:
// meshwork-dp scrapes Envoy (and the applications) as for Prometheus and pushes the same
// figures to a collector. Counters become monotonic cumulative Sums, gauges and untyped
// samples Gauges, histograms Histograms (buckets de-accumulated, +Inf last) and summaries
// Summaries. Field names are OTLP's proto names (proto-loader keepCase).

type Obj = Record<string, unknown>;

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** The line as scraped. */
  line: string;
}

export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help?: string;
  /** Its # HELP and # TYPE lines as scraped. */
  header: string[];
  samples: Sample[];
}

const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

/** `name{a="x",b="y\"z"} 1.5 [ts]` → sample (undefined for a malformed line). */
export function parseSample(line: string): Sample | undefined {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(\s+-?\d+)?\s*$/.exec(line);
  if (!m) return undefined;
  const labels: Record<string, string> = {};
  if (m[2]) {
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/gy;
    const body = m[2].slice(1, -1);
    re.lastIndex = 0;
    let lm: RegExpExecArray | null;
    while (re.lastIndex < body.length && (lm = re.exec(body))) labels[lm[1]!] = lm[2]!.replace(/\\(["\\n])/g, (_s, c: string) => (c === 'n' ? '\n' : c));
    if (re.lastIndex < body.length && body.slice(re.lastIndex).trim()) return undefined;
  }
  const value = parseValue(m[3]!);
  return Number.isNaN(value) && m[3] !== 'NaN' ? undefined : { name: m[1]!, labels, value, line };
}

/** Families in order of appearance; samples whose family was not declared are untyped. */
export function parsePrometheusText(text: string): Family[] {
  const families = new Map<string, Family>();
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, type: 'untyped', header: [], samples: [] }));
    return f;
  };
  // A sample belongs to the family of its name, else to the histogram or summary its
  // _bucket/_sum/_count suffix names (or the OpenMetrics counter its _total names).
  const owner = (sample: string): Family => {
    const exact = families.get(sample);
    if (exact) return exact;
    for (const [suffix, types] of [['_bucket', ['histogram']], ['_sum', ['histogram', 'summary']], ['_count', ['histogram', 'summary']], ['_total', ['counter']]] as const) {
      const f = sample.endsWith(suffix) ? families.get(sample.slice(0, -suffix.length)) : undefined;
      if (f && (types as readonly string[]).includes(f.type)) return f;
    }
    return family(sample);
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('#')) {
      const m = /^#\s+(TYPE|HELP)\s+(\S+)\s*(.*)$/.exec(line);
      if (m?.[1] === 'TYPE' && TYPES.has(m[3]!)) {
        const f = family(m[2]!);
        f.type = m[3] as Family['type'];
        f.header.push(line);
      } else if (m?.[1] === 'HELP') {
        const f = family(m[2]!);
        f.help = m[3];
        f.header.push(line);
      }
      continue;
    }
    const s = parseSample(line);
    if (s) owner(s.name).samples.push(s);
  }
  return [...families.values()].filter((f) => f.samples.length);
}

/** Families back to Prometheus text, as they were scraped. */
export function formatPrometheusText(families: Family[]): string {
  return families.map((f) => [...f.header, ...f.samples.map((s) => s.line)].join('\n') + '\n').join('');
}

const attributes = (labels: Record<string, string>) => Object.entries(labels).map(([key, v]) => ({ key, value: { string_value: v } }));
const without = (labels: Record<string, string>, drop: string) => Object.fromEntries(Object.entries(labels).filter(([k]) => k !== drop));
const seriesKey = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));

/** Samples of a family grouped by their labels without `drop` (histogram `le`, summary `quantile`). */
function series(f: Family, drop: string): { labels: Record<string, string>; samples: Sample[] }[] {
  const groups = new Map<string, { labels: Record<string, string>; samples: Sample[] }>();
  for (const s of f.samples) {
    const labels = without(s.labels, drop);
    const key = seriesKey(labels);
    const g = groups.get(key) ?? { labels, samples: [] };
    g.samples.push(s);
    groups.set(key, g);
  }
  return [...groups.values()];
}

export interface OtlpTimes {
  /** When the counted figures started (the proxy's start), in ns since the epoch, as a decimal string. */
  start: string;
  now: string;
}

/** One family as an OTLP Metric. */
export function toOtlpMetric(f: Family, t: OtlpTimes): Obj {
  const base = { name: f.name, ...(f.help ? { description: f.help } : {}) };
  const times = { start_time_unix_nano: t.start, time_unix_nano: t.now };
  const number = (s: Sample) => ({ attributes: attributes(s.labels), ...times, as_double: s.value });
  switch (f.type) {
    case 'counter':
      return { ...base, sum: { data_points: f.samples.map(number), aggregation_temporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE', is_monotonic: true } };
    case 'histogram':
      return {
        ...base,
        histogram: {
          aggregation_temporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE',
          data_points: series(f, 'le').map(({ labels, samples }) => {
            const buckets = samples
              .filter((s) => s.name === `${f.name}_bucket` && s.labels.le !== undefined)
              .map((s) => ({ le: parseValue(s.labels.le!), cumulative: s.value }))
              .sort((a, b) => a.le - b.le);
            const bounds = buckets.filter((b) => Number.isFinite(b.le)).map((b) => b.le);
            const count = samples.find((s) => s.name === `${f.name}_count`)?.value ?? buckets.at(-1)?.cumulative ?? 0;
            const cumulative = [...bounds.map((le) => buckets.find((b) => b.le === le)!.cumulative), count];
            return {
              attributes: attributes(labels),
              ...times,
              count,
              sum: samples.find((s) => s.name === `${f.name}_sum`)?.value ?? 0,
              explicit_bounds: bounds,
              bucket_counts: cumulative.map((c, i) => Math.max(0, c - (i ? cumulative[i - 1]! : 0))),
            };
          }),
        },
      };
    case 'summary':
      return {
        ...base,
        summary: {
          data_points: series(f, 'quantile').map(({ labels, samples }) => ({
            attributes: attributes(labels),
            ...times,
            count: samples.find((s) => s.name === `${f.name}_count`)?.value ?? 0,
            sum: samples.find((s) => s.name === `${f.name}_sum`)?.value ?? 0,
            quantile_values: samples.filter((s) => s.name === f.name && s.labels.quantile !== undefined).map((s) => ({ quantile: Number(s.labels.quantile), value: s.value })),
          })),
        },
      };
    default:
      return { ...base, gauge: { data_points: f.samples.map(number) } };
  }
}

/** An ExportMetricsServiceRequest with one resource and a scope per source (the proxy, each application). */
export function exportMetricsRequest(sources: { scope: { name: string; version?: string }; families: Family[] }[], resource: Record<string, string>, t: OtlpTimes): Obj {
  const scopeMetrics = sources.filter((s) => s.families.length).map(({ scope, families }) => ({ scope, metrics: families.map((f) => toOtlpMetric(f, t)) }));
  return { resource_metrics: [{ resource: { attributes: attributes(resource) }, scope_metrics: scopeMetrics }] };
}
