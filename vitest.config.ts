import { defineConfig } from 'vitest/config';

/**
 * Workspace packages resolve to their TypeScript source (`b3iq-source` in each package's exports),
 * so no test needs a build first. Vitest adds its own server conditions (`node`, not `module`, so
 * the AWS SDK loads its CommonJS build) to these, and passes them to its workers as `--conditions`.
 */
const SOURCE_CONDITIONS = ['b3iq-source'];

export default defineConfig({
  resolve: { conditions: SOURCE_CONDITIONS },
  ssr: { resolve: { conditions: SOURCE_CONDITIONS } },
  test: {
    // Handlers log one JSON line per request; show it only for failing tests.
    silent: 'passed-only',
    coverage: {
      provider: 'v8',
      include: ['lambdas/**/*.ts', 'packages/*/src/**/*.ts'],
      reporter: ['text-summary', ['text', { skipFull: true }]],
      // The pure rules are proven by unit tests alone; the adapters and handlers are covered by the
      // integration suite against the emulator, so their unit coverage is reported, not gated.
      thresholds: {
        'lambdas/domain/**': { lines: 95, branches: 95 },
        'packages/protocol/src/{encoding,schemas,signatures,transport,views}/**': { lines: 95, branches: 95 },
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
