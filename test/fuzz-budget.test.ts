// The fuzz budget (issue 12): a property stops at its time limit and passes with the runs it
// reached; a counterexample found before the limit still fails, with a seed and path that
// replay it; vitest's timeout leaves room for the budget. Properties here sleep rather than
// spin, so the test costs wall-clock time, not CPU.
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fuzzParams, fuzzTimeLimitMs, type PropertyRunsReport, propertyParams } from './support/fuzz.js';
import {
  fuzzSecondsFromEnv,
  propertiesPerTestMax,
  testTimeoutMsBase,
  testTimeoutMsFor,
} from './support/fuzz-budget.js';

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for `ms` without using the CPU: a slow synchronous predicate. */
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/** The one report a property made (each property reports exactly once). */
function onlyReport(reports: PropertyRunsReport[]): PropertyRunsReport {
  expect(reports).toHaveLength(1);
  return reports[0] as PropertyRunsReport;
}

const runMs = 5;
const runsAsked = 10_000; // 50 s of runs at 5 ms each: 200 times the budget
const budgetMs = 250;
// The budget plus the run in progress when it expires, and a loaded machine's scheduling delay.
const stopMsMax = budgetMs + 1_500;

describe('a property that reaches its time budget', () => {
  it('stops at the limit, passes, and reports fewer runs than asked (synchronous predicate)', () => {
    const reports: PropertyRunsReport[] = [];
    const params = propertyParams<[number]>({
      numRuns: runsAsked,
      timeLimitMs: budgetMs,
      report: (r) => reports.push(r),
    });
    expect(params.markInterruptAsFailure).toBe(false);
    const startMs = performance.now();
    fc.assert(
      fc.property(fc.nat(), (n) => {
        sleepSync(runMs);
        return n >= 0;
      }),
      params,
    );
    const elapsedMs = performance.now() - startMs;
    const report = onlyReport(reports);
    expect(report).toMatchObject({ failed: false, stoppedByTimeLimit: true, runsAsked, timeLimitMs: budgetMs });
    expect(report.runsReached).toBeGreaterThan(0);
    expect(report.runsReached).toBeLessThan(runsAsked);
    expect(report.runsReached).toBeLessThanOrEqual(Math.ceil(budgetMs / runMs) + 1);
    expect(elapsedMs).toBeGreaterThanOrEqual(budgetMs);
    expect(elapsedMs).toBeLessThan(stopMsMax);
  });

  it('stops at the limit, passes, and reports fewer runs than asked (asynchronous predicate)', async () => {
    const reports: PropertyRunsReport[] = [];
    const startMs = performance.now();
    await fc.assert(
      fc.asyncProperty(fc.nat(), async (n) => {
        await new Promise((resolve) => setTimeout(resolve, runMs));
        return n >= 0;
      }),
      propertyParams({ numRuns: runsAsked, timeLimitMs: budgetMs, report: (r) => reports.push(r) }),
    );
    const elapsedMs = performance.now() - startMs;
    const report = onlyReport(reports);
    expect(report).toMatchObject({ failed: false, stoppedByTimeLimit: true, runsAsked });
    expect(report.runsReached).toBeGreaterThan(0);
    expect(report.runsReached).toBeLessThan(runsAsked);
    expect(elapsedMs).toBeLessThan(stopMsMax);
  });

  it('runs every asked run when they fit in the budget', () => {
    const reports: PropertyRunsReport[] = [];
    fc.assert(
      fc.property(fc.nat(), (n) => n >= 0),
      propertyParams({ numRuns: 500, timeLimitMs: 60_000, report: (r) => reports.push(r) }),
    );
    expect(onlyReport(reports)).toMatchObject({
      failed: false,
      stoppedByTimeLimit: false,
      runsAsked: 500,
      runsReached: 500,
    });
  });
});

describe('negative controls: the budget does not hide a counterexample', () => {
  it('a counterexample found before the limit fails, shrunk, with a seed and path that replay it', () => {
    const reports: PropertyRunsReport[] = [];
    const property = fc.property(fc.nat(1_000), (n) => {
      sleepSync(1);
      return n < 500;
    });
    let message = '';
    try {
      fc.assert(property, propertyParams({ numRuns: runsAsked, timeLimitMs: 60_000, report: (r) => reports.push(r) }));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('Counterexample: [500]');
    const report = onlyReport(reports);
    expect(report).toMatchObject({ failed: true, foundCounterexample: true, stoppedByTimeLimit: false });
    expect(report.runsReached).toBeLessThan(runsAsked);

    // Replay as FUZZ_SEED/FUZZ_PATH do: the first run is the shrunk counterexample.
    const seed = Number(/seed: (-?\d+)/.exec(message)?.[1]);
    const path = /path: "([0-9:]+)"/.exec(message)?.[1];
    expect(Number.isSafeInteger(seed) && path !== undefined).toBe(true);
    const replay = fc.check(property, propertyParams({ numRuns: runsAsked, seed, path }));
    expect(replay.failed).toBe(true);
    expect(replay.numRuns).toBe(1);
    expect(replay.counterexample).toEqual([500]);
  });

  it('a counterexample found before the limit still fails when the limit cuts its shrinking', () => {
    const reports: PropertyRunsReport[] = [];
    // 0 passes at once; any other value fails, taking longer than the whole budget. The first
    // failure therefore ends past the limit, and its shrinking (toward 0) is cut at its first step.
    let message = '';
    try {
      fc.assert(
        fc.property(fc.nat(), (n) => {
          if (n === 0) return true;
          sleepSync(budgetMs + 50);
          return false;
        }),
        propertyParams({ numRuns: runsAsked, timeLimitMs: budgetMs, report: (r) => reports.push(r) }),
      );
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/Property failed after \d+ tests\s+\{ seed: -?\d+, path: "\d+(:\d+)*"/);
    const report = onlyReport(reports);
    expect(report).toMatchObject({ failed: true, foundCounterexample: true, stoppedByTimeLimit: true });
    expect(report.runsReached).toBeLessThan(runsAsked);
  });
});

describe('the shared parameters', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('without FUZZ_SECONDS are count-only, as npm test has always run; with it, carry the budget', () => {
    const params = fuzzParams(0.5);
    if (fuzzTimeLimitMs === undefined) {
      expect(Object.keys(params).sort()).toEqual(
        ['numRuns', 'verbose', ...(params.seed === undefined ? [] : ['seed']), ...(params.path ? ['path'] : [])].sort(),
      );
    } else {
      expect(params.markInterruptAsFailure).toBe(false);
      expect(params.plugins?.length).toBe(process.env.FUZZ_PATH ? 1 : 2);
    }
  });

  it('replay FUZZ_SEED (negative too: fast-check draws signed seeds) and FUZZ_PATH, without the budget', () => {
    vi.stubEnv('FUZZ_SEED', '-1234567');
    vi.stubEnv('FUZZ_PATH', '3:1:0');
    const params = fuzzParams();
    expect(params.seed).toBe(-1234567);
    expect(params.path).toBe('3:1:0');
    // A replay walks to one recorded case: no time limit may cut it short, so at most the report remains.
    expect(params.plugins?.length ?? 0).toBe(fuzzTimeLimitMs === undefined ? 0 : 1);
    expect(params.markInterruptAsFailure).toBeUndefined();
  });

  it(`refuse more than ${propertiesPerTestMax} properties in one test, whose timeout allows that many budgets`, () => {
    for (let i = 0; i < propertiesPerTestMax; i++) propertyParams({ numRuns: 1 });
    expect(() => propertyParams({ numRuns: 1 })).toThrow(/more than 2 properties in one test/);
  });

  it('FUZZ_SECONDS: positive seconds, fractions allowed; anything else is refused by name', () => {
    expect(fuzzSecondsFromEnv({})).toBeUndefined();
    expect(fuzzSecondsFromEnv({ FUZZ_SECONDS: '' })).toBeUndefined();
    expect(fuzzSecondsFromEnv({ FUZZ_SECONDS: '20' })).toBe(20);
    expect(fuzzSecondsFromEnv({ FUZZ_SECONDS: '0.5' })).toBe(0.5);
    for (const bad of ['0', '-1', 'abc', 'Infinity']) {
      expect(() => fuzzSecondsFromEnv({ FUZZ_SECONDS: bad })).toThrow(/FUZZ_SECONDS must be a positive number/);
    }
  });

  it('vitest’s timeout follows the budget: every property of a test can use its whole budget', () => {
    expect(testTimeoutMsFor(undefined)).toBe(testTimeoutMsBase);
    expect(testTimeoutMsBase).toBe(120_000);
    for (const seconds of [0.5, 10, 20, 300]) {
      expect(testTimeoutMsFor(seconds)).toBeGreaterThanOrEqual(
        propertiesPerTestMax * seconds * 1000 + testTimeoutMsBase,
      );
    }
  });
});
