/**
 * The one place property tests take their run count from (issue 2): `FUZZ_RUNS` in the
 * environment, modest by default so `npm test` stays fast; `npm run fuzz` runs many.
 * fast-check prints the seed and path of any failure, and `FUZZ_SEED`/`FUZZ_PATH` replay it.
 */
import fc from 'fast-check';

const defaultRuns = 100;

function positiveIntFromEnv(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** Property runs for this test process (`FUZZ_RUNS`, default 100). */
export const fuzzRuns: number = positiveIntFromEnv('FUZZ_RUNS') ?? defaultRuns;

/**
 * fast-check parameters for a property. `weight` scales the run count for expensive
 * properties (0.1 → a tenth of the runs, at least 1). A failure report carries the seed and
 * path; set `FUZZ_SEED` and `FUZZ_PATH` to replay exactly that case.
 */
export function fuzzParams<T>(weight = 1): fc.Parameters<T> {
  const seed = positiveIntFromEnv('FUZZ_SEED');
  const path = process.env.FUZZ_PATH;
  const params: fc.Parameters<T> = {
    numRuns: Math.max(1, Math.round(fuzzRuns * weight)),
    verbose: fc.VerbosityLevel.Verbose,
  };
  if (seed !== undefined) params.seed = seed;
  if (path !== undefined && path !== '') params.path = path;
  return params;
}
