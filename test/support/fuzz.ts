/**
 * The one place property tests take their parameters from (issues 2 and 12). Every `fc.assert`
 * in `test/` passes {@link fuzzParams}.
 *
 * - `FUZZ_RUNS`: runs per property, modest by default (100) so `npm test` stays fast.
 * - `FUZZ_SECONDS` (read by `fuzz-budget.ts`): a wall-clock budget per property, unset by
 *   default. fast-check's `interruptAfterTimeLimit` stops a property at it: one that reaches the
 *   budget with no counterexample passes with the runs it reached; a counterexample found before
 *   it still fails, its shrinking also bounded by the budget. With a budget set, every property
 *   prints one line to stderr with the runs it reached, so a fuzz run shows how far each got.
 * - `FUZZ_SEED`/`FUZZ_PATH`: fast-check prints the seed and path of any failure; these replay it.
 *   A replay with a path runs without the budget, so it always reaches the recorded case.
 */
import fc from 'fast-check';
import { TestRunner } from 'vitest';
import { fuzzSecondsFromEnv, propertiesPerTestMax } from './fuzz-budget.js';

const defaultRuns = 100;

function integerFromEnv(name: string, min: number): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) {
    const what = min === 0 ? 'a non-negative integer' : 'an integer';
    throw new RangeError(`${name} must be ${what}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** Property runs for this test process (`FUZZ_RUNS`, default 100). */
export const fuzzRuns: number = integerFromEnv('FUZZ_RUNS', 0) ?? defaultRuns;

const fuzzSeconds = fuzzSecondsFromEnv();
/** The budget of one property in milliseconds (`FUZZ_SECONDS` × 1000), or undefined: count only. */
export const fuzzTimeLimitMs: number | undefined = fuzzSeconds === undefined ? undefined : fuzzSeconds * 1000;

/** What one property reached, handed to {@link PropertyOptions.report} when it completes. */
export interface PropertyRunsReport {
  /** The test that ran it: `[project] file > describe > test`. */
  property: string;
  runsAsked: number;
  /** Runs that passed, or, when it failed, the runs up to and including the first failure. */
  runsReached: number;
  /** True when the time limit stopped it (before `runsAsked`, or during shrinking). */
  stoppedByTimeLimit: boolean;
  failed: boolean;
  /** False for a failure without a counterexample: the budget ran out before any run completed. */
  foundCounterexample: boolean;
  elapsedMs: number;
  timeLimitMs: number | undefined;
}

/** The inputs of {@link propertyParams}; {@link fuzzParams} fills them from the environment. */
export interface PropertyOptions {
  numRuns: number;
  /** Stop the property after this many milliseconds; undefined runs all of `numRuns`. */
  timeLimitMs?: number | undefined;
  seed?: number | undefined;
  path?: string | undefined;
  /** Called once when the property completes, pass or fail, before fast-check reports. */
  report?: ((report: PropertyRunsReport) => void) | undefined;
}

/**
 * fast-check parameters for a property. `weight` scales the run count for expensive
 * properties (0.1 → a tenth of the runs, at least 1). A failure report carries the seed and
 * path; set `FUZZ_SEED` and `FUZZ_PATH` to replay exactly that case. With `FUZZ_SECONDS` set,
 * the property also stops at that budget and prints the runs it reached.
 */
export function fuzzParams<T>(weight = 1): fc.Parameters<T> {
  const path = process.env.FUZZ_PATH;
  const replaying = path !== undefined && path !== '';
  return propertyParams<T>({
    numRuns: Math.max(1, Math.round(fuzzRuns * weight)),
    timeLimitMs: replaying ? undefined : fuzzTimeLimitMs,
    // fast-check's random seeds are signed (Date.now() ^ random), so a printed seed may be negative.
    seed: integerFromEnv('FUZZ_SEED', Number.MIN_SAFE_INTEGER),
    path,
    report: fuzzTimeLimitMs === undefined ? undefined : printRunsReached,
  });
}

/**
 * The parameters {@link fuzzParams} builds, from explicit options (the budget's own test uses
 * this with a budget of its own). Without `timeLimitMs` and `report` they are exactly the
 * count-only parameters: run count, verbose failure reports, seed and path.
 */
export function propertyParams<T>(options: PropertyOptions): fc.Parameters<T> {
  const property = countPropertyInCurrentTest();
  const params: fc.Parameters<T> = {
    numRuns: options.numRuns,
    verbose: fc.VerbosityLevel.Verbose,
  };
  if (options.seed !== undefined) params.seed = options.seed;
  if (options.path !== undefined && options.path !== '') params.path = options.path;
  const plugins: fc.Plugin<T>[] = [];
  if (options.timeLimitMs !== undefined) {
    // Reaching the budget without a counterexample is a pass: `failOnInterrupt` and the older
    // `markInterruptAsFailure` (which a global configuration could set) both say so explicitly.
    plugins.push(fc.interruptAfterTimeLimit(options.timeLimitMs, { failOnInterrupt: false }));
    params.markInterruptAsFailure = false;
  }
  if (options.report !== undefined) plugins.push(runsReportPlugin(property, options.timeLimitMs, options.report));
  if (plugins.length > 0) params.plugins = plugins;
  return params;
}

/** Properties started per test in this process, for {@link propertiesPerTestMax}. */
const propertiesByTest = new WeakMap<object, number>();

/** Names the current test and refuses one property too many in it (see `fuzz-budget.ts`). */
function countPropertyInCurrentTest(): string {
  const test = TestRunner.getCurrentTest();
  if (test === undefined) return '(outside a test)';
  const count = (propertiesByTest.get(test) ?? 0) + 1;
  propertiesByTest.set(test, count);
  if (count > propertiesPerTestMax) {
    throw new RangeError(
      `${test.fullName}: more than ${propertiesPerTestMax} properties in one test; its timeout allows ` +
        `${propertiesPerTestMax} budgets (test/support/fuzz-budget.ts), so split the test`,
    );
  }
  const project = test.file.projectName;
  return project === undefined || project === '' ? test.fullName : `[${project}] ${test.fullName}`;
}

function runsReportPlugin<T>(
  property: string,
  timeLimitMs: number | undefined,
  report: (report: PropertyRunsReport) => void,
): fc.Plugin<T> {
  // Instantiated by fast-check when the property starts, so the clock covers exactly its runs.
  return () => {
    const startMs = performance.now();
    return {
      onAllRunsComplete: (details) => {
        report({
          property,
          runsAsked: details.runConfiguration.numRuns ?? 0,
          runsReached: details.numRuns,
          stoppedByTimeLimit: details.interrupted,
          failed: details.failed,
          foundCounterexample: details.counterexample !== null,
          elapsedMs: performance.now() - startMs,
          timeLimitMs,
        });
      },
    };
  };
}

/** One line per property on stderr: `fuzz <property>: 4812/20000 runs in 10.0 s, …`. */
function printRunsReached(report: PropertyRunsReport): void {
  const seconds = (report.elapsedMs / 1000).toFixed(1);
  const budget = report.timeLimitMs === undefined ? '' : ` (budget ${report.timeLimitMs / 1000} s)`;
  let outcome: string;
  if (report.failed && report.foundCounterexample) {
    outcome = report.stoppedByTimeLimit ? 'FAILED, shrinking stopped at the budget' : 'FAILED';
  } else if (report.failed) {
    outcome = report.stoppedByTimeLimit ? 'FAILED, the budget ran out before one run completed' : 'FAILED';
  } else {
    outcome = report.stoppedByTimeLimit ? 'passed, stopped at the budget' : 'passed';
  }
  process.stderr.write(
    `fuzz ${report.property}: ${report.runsReached}/${report.runsAsked} runs in ${seconds} s${budget}, ${outcome}\n`,
  );
}
