import { describe, expect, it } from 'vitest';
import { markdown, met, percentile, summarize } from './report.ts';

describe('benchmark report', () => {
  it('computes nearest-rank percentiles', () => {
    const s = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(s, 50)).toBe(50);
    expect(percentile(s, 99)).toBe(99);
    expect(percentile(s, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(summarize([3, 1, 2])).toEqual({ p50: 2, p95: 3, p99: 3, max: 3, mean: 2 });
  });

  it('says whether a target is met, in either direction', () => {
    expect(met({ name: 'p99', unit: 'ms', value: 150, target: 200 })).toBe('met');
    expect(met({ name: 'p99', unit: 'ms', value: 250, target: 200 })).toBe('NOT met');
    expect(met({ name: 'rate', unit: '/s', value: 10, target: 100, lowerIsBetter: false })).toBe('NOT met');
    const md = markdown({ date: 'd', quick: true, machine: { cpus: 2 }, results: [{ scenario: 's', description: 'x', params: { n: 1 }, metrics: [{ name: 'p99', unit: 'ms', value: 1, target: 2 }] }] });
    expect(md).toContain('| p99 | 1 ms | ≤ 2 ms | met |');
  });
});
