import { defineConfig } from 'vitest/config';

const shared = {
  testTimeout: 60_000,
  hookTimeout: 60_000,
};

export default defineConfig({
  test: {
    // e2e suites start real server processes; keep the 2-core machine from oversubscribing.
    maxWorkers: 2,
    // The JSON report feeds .ci/run's "N passed, M failed" summary line.
    reporters: ['default', 'json'],
    outputFile: { json: '.tmp/vitest-results.json' },
    projects: [
      { test: { ...shared, name: 'shoal', include: ['packages/*/test/**/*.test.ts'] } },
      // The DynamoDB e2e suites once more, against an embedded three-node cluster.
      { test: { ...shared, name: 'cluster', include: ['packages/server/test/**/*.test.ts'], env: { SHOAL_TEST_NODES: '3' } } },
      // ...and against a multi-process cluster (three storage node processes and a gateway, over
      // loopback gRPC). The crash suite kills its server process, which here is only the launcher:
      // the failover suites kill storage nodes instead.
      {
        test: {
          ...shared,
          name: 'processes',
          include: ['packages/server/test/**/*.test.ts'],
          exclude: ['packages/server/test/crash.test.ts'],
          env: { SHOAL_TEST_CLUSTER: 'processes' },
        },
      },
    ],
  },
});
