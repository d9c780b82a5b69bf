import { defineConfig } from 'vitest/config';

// Unit tests sit beside the code (src/**/*.test.ts); integration and end-to-end tests
// against real etcd, Redis and CP processes live in test/. Both run under `npm test`.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration files start their own servers on free ports; two cores, so two workers.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
