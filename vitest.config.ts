import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // e2e suites start real server processes; keep the 2-core machine from oversubscribing.
    maxWorkers: 2,
    // The JSON report feeds .ci/run's "N passed, M failed" summary line.
    reporters: ['default', 'json'],
    outputFile: { json: '.tmp/vitest-results.json' },
  },
});
