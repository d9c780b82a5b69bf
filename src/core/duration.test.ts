import { describe, expect, it } from 'vitest';
import { parseDuration, toProtoDuration } from './duration.ts';

describe('parseDuration', () => {
  it('parses Go/Kubernetes durations', () => {
    expect(parseDuration('2s')).toEqual({ ok: true, ms: 2000 });
    expect(parseDuration('500ms')).toEqual({ ok: true, ms: 500 });
    expect(parseDuration('1h30m')).toEqual({ ok: true, ms: 5_400_000 });
    expect(parseDuration('1.5s')).toEqual({ ok: true, ms: 1500 });
    expect(parseDuration('0')).toEqual({ ok: true, ms: 0 });
    expect(parseDuration('100us')).toEqual({ ok: true, ms: 0.1 });
  });

  it('refuses negative and malformed durations with a reason', () => {
    expect(parseDuration('-5s')).toEqual({ ok: false, reason: 'must not be negative' });
    expect(parseDuration('5')).toMatchObject({ ok: false });
    expect(parseDuration('5 s')).toMatchObject({ ok: false });
    expect(parseDuration('')).toMatchObject({ ok: false });
    expect(parseDuration('1d')).toMatchObject({ ok: false, reason: expect.stringMatching(/unit "d" is not allowed/) });
  });

  it('accepts days and years where extended (Mesh CA settings)', () => {
    expect(parseDuration('1d', true)).toEqual({ ok: true, ms: 86_400_000 });
    expect(parseDuration('10y', true)).toEqual({ ok: true, ms: 3650 * 86_400_000 });
  });

  it('formats proto3 JSON durations', () => {
    expect(toProtoDuration(1500)).toBe('1.5s');
    expect(toProtoDuration(0)).toBe('0s');
  });
});
