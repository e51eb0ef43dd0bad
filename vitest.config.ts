import { defineConfig } from 'vitest/config';

// Two projects: everything against the release wasm, and the crypto tests again against the
// debug wasm (assertions on), so both asconfig targets are exercised by `npm test`.
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 60_000,
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
