import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Handlers log one JSON line per request; show it only for failing tests.
    silent: 'passed-only',
    coverage: {
      provider: 'v8',
      include: ['lambdas/**/*.ts', 'sdk/**/*.ts', 'cli/**/*.ts', 'node-agent/**/*.ts'],
      reporter: ['text-summary', ['text', { skipFull: true }]],
      // The pure rules are proven by unit tests alone; the adapters and handlers are covered by the
      // integration suite against the emulator, so their unit coverage is reported, not gated.
      thresholds: {
        'lambdas/domain/**': { lines: 95, branches: 95 },
        'lambdas/transport/**': { lines: 95, branches: 95 },
      },
    },
    projects: [
      // Property tests run hundreds of cases: a loaded machine must not turn them into timeouts.
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 30_000 } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/local-stack.setup.ts'],
          setupFiles: ['test/integration/support/env.setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 300_000,
        },
      },
      { test: { name: 'cdk', include: ['test/cdk/**/*.test.ts'], testTimeout: 120_000 } },
    ],
  },
});
