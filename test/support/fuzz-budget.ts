/**
 * The time budget of a fuzz run (issue 12), read in one place by both sides that depend on it:
 * `vitest.config.ts` sizes vitest's per-test timeout from it, and `fuzz.ts` stops every property
 * at it. No imports, so the config can load this file before any test module.
 *
 * `FUZZ_SECONDS` is the wall-clock budget of one property (one `fc.assert`). Unset, properties
 * run their full count and vitest's timeout stays at its base.
 */

/**
 * vitest's per-test timeout when no budget is set, and the slack added to the budget when one
 * is: a test's setup and its fixed work (examples, unit checks after the property), and the run
 * that is still in progress when a property's budget expires (a synchronous predicate cannot be
 * stopped mid-run, so it finishes first).
 */
export const testTimeoutMsBase = 120_000;

/**
 * The most properties one test may hold. A test's timeout allows this many budgets back to back;
 * `fuzz.ts` refuses a further property in the same test, so a test cannot outgrow its timeout
 * and be killed by vitest before fast-check stops it.
 */
export const propertiesPerTestMax = 2;

/** `FUZZ_SECONDS` as a positive number of seconds (fractions allowed), or undefined when unset. */
export function fuzzSecondsFromEnv(env: Record<string, string | undefined> = process.env): number | undefined {
  const raw = env['FUZZ_SECONDS'];
  if (raw === undefined || raw === '') return undefined;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new RangeError(`FUZZ_SECONDS must be a positive number of seconds, got ${JSON.stringify(raw)}`);
  }
  return seconds;
}

/**
 * vitest's per-test timeout for a budget of `fuzzSeconds` per property: room for
 * {@link propertiesPerTestMax} whole budgets plus {@link testTimeoutMsBase}, so fast-check always
 * stops a property before vitest would kill its test. Without a budget: the base alone.
 */
export function testTimeoutMsFor(fuzzSeconds: number | undefined): number {
  if (fuzzSeconds === undefined) return testTimeoutMsBase;
  return testTimeoutMsBase + Math.ceil(propertiesPerTestMax * fuzzSeconds * 1000);
}
