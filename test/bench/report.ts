export interface Metric {
  name: string;
  unit: string;
  value: number;
  /** The target, if the scenario has one, and whether lower is better. */
  target?: number;
  lowerIsBetter?: boolean;
  /** A difference of two samples that may come out negative (GC between them), not a count or a time. */
  signed?: boolean;
}

export interface ScenarioResult {
  scenario: string;
  description: string;
  params: Record<string, number | string>;
  metrics: Metric[];
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function summarize(samples: number[]): { p50: number; p95: number; p99: number; max: number; mean: number } {
  const s = [...samples].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    p50: round(percentile(s, 50)),
    p95: round(percentile(s, 95)),
    p99: round(percentile(s, 99)),
    max: round(s.at(-1) ?? Number.NaN),
    mean: round(s.reduce((a, b) => a + b, 0) / s.length),
  };
}

export function met(m: Metric): string {
  if (m.target === undefined) return '';
  const ok = m.lowerIsBetter === false ? m.value >= m.target : m.value <= m.target;
  return ok ? 'met' : 'NOT met';
}

export function markdown(report: { date: string; quick: boolean; machine: Record<string, unknown>; results: ScenarioResult[] }): string {
  const lines = [`# Meshwork benchmarks${report.quick ? ' (quick run)' : ''}`, '', `${report.date}; machine: ${JSON.stringify(report.machine)}`, ''];
  for (const r of report.results) {
    lines.push(`## ${r.scenario}`, '', r.description, '', `Parameters: ${Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(', ')}`, '');
    lines.push('| metric | value | target | |', '| --- | --- | --- | --- |');
    for (const m of r.metrics) lines.push(`| ${m.name} | ${m.value} ${m.unit} | ${m.target === undefined ? '' : `${m.lowerIsBetter === false ? '≥' : '≤'} ${m.target} ${m.unit}`} | ${met(m)} |`);
    lines.push('');
  }
  return lines.join('\n');
}
