import { describe, expect, it } from 'vitest';
import { retryPolicy } from './plugin.ts';

describe('MeshRetry retry policy', () => {
  it('reads status codes written as YAML numbers and Kuma\'s older header match spellings', () => {
    const policy = retryPolicy({ retryOn: [503, '504', '5xx'], retriableResponseHeaders: [{ type: 'PREFIX', name: 'x-retry', value: 'y' }], retriableRequestHeaders: [{ type: 'REGULAR_EXPRESSION', name: 'x-id', value: 'a.*' }] }, false);
    expect(policy.retriable_status_codes).toEqual([503, 504]);
    expect(policy.retry_on).toBe('5xx,retriable-status-codes,retriable-headers');
    expect(policy.retriable_headers).toEqual([{ name: 'x-retry', string_match: { prefix: 'y' } }]);
    expect(policy.retriable_request_headers).toEqual([{ name: 'x-id', string_match: { safe_regex: { regex: 'a.*' } } }]);
  });
});
