import { defineConfig } from 'vitest/config';
import { fuzzSecondsFromEnv, testTimeoutMsFor } from './test/support/fuzz-budget.js';

// With a fuzz budget (FUZZ_SECONDS per property), every test may run for its properties' budgets
// plus the base slack, so fast-check stops a property before vitest would kill its test. Without
// one, the timeout is the base alone (120 s), as `npm test` has always run.
const fuzzSeconds = fuzzSecondsFromEnv();
const testTimeoutMs = testTimeoutMsFor(fuzzSeconds);

// vitest's default is one worker fewer than the cores (a single worker on 2 cores). A budgeted
// fuzz run is bounded by properties × budget ÷ workers, so it takes every core.
const fuzzWorkers = fuzzSeconds === undefined ? {} : { maxWorkers: '100%' };

// Two projects: everything against the release wasm, and the crypto tests again against the
// debug wasm (assertions on), so both asconfig targets are exercised by `npm test`.
export default defineConfig({
  test: {
    testTimeout: testTimeoutMs,
    hookTimeout: 60_000,
    ...fuzzWorkers,
    projects: [
      {
        extends: true,
        test: { name: 'release', include: ['test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'debug-wasm',
          include: ['test/crypto/**/*.test.ts'],
          env: { CONSORTIUM_LEDGER_WASM: 'debug', FUZZ_RUNS: process.env.FUZZ_RUNS_DEBUG ?? '20' },
        },
      },
    ],
  },
});
