import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Handlers log one JSON line per request; show it only for failing tests.
    silent: 'passed-only',
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
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
