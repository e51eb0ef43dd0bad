/**
 * How a batch of Ed25519 signatures is settled once the batch equation fails for it: what to
 * check again and what to verify one by one, under a cost bound an attacker cannot break.
 *
 * The wasm prepares a batch once (assembly/ed25519/batch.ts: decoding, hashing, per-item
 * scalars) and then offers four operations on ranges of its candidates: check the batch
 * equation (keeping the range's sum in a slot), check the rest of a checked range once part of
 * it was checked (a subtraction of the two sums, almost free), accept a range whose check held,
 * verify a range one by one. Verdicts are always exact: a range is accepted only when its
 * equation holds, and every other item is settled by single verification, so batch verdicts
 * equal single verdicts.
 *
 * A failed range is scanned in groups from the left; only the group costs a check, since the
 * rest's sum is the range's minus the group's. A failing group is settled the same way one
 * level down, and the scan stops as soon as the rest holds. The group size adapts to the
 * failures seen (×2 after a pass, ÷4 after a failure, starting at half the batch), so a lone
 * bad signature costs a halving search whose second halves are free, and a dense spread of
 * bad ones is searched in small groups.
 *
 * An all-valid batch costs one check. Bisecting a failed one to the bottom would let a sender
 * of many bad signatures turn it into ~log2(n) full passes, each costlier per item than the
 * last (the README's adversarial rows). So bisection runs on a budget, in units of one single
 * verification (`checkCostPerItem` gives a check's cost in those units):
 *
 * - `spent` counts what the checks and single verifications after the first check cost;
 *   `settled` counts the items given a verdict. A passing check of m items settles m for
 *   m·C(m) ≪ m; a failing one settles none; a single verification settles one for one.
 * - A check is made only if, were it to fail, `spent − settled` would stay within the slack
 *   (`batchSlackFraction` × n); otherwise the range is split, and at the bottom verified singly.
 *   The subtraction that checks the other half is counted at `differenceCost`.
 *
 * Every item is settled exactly once, so at the end `spent ≤ n + slack`: after its first check
 * and the preparation, a failed batch costs at most 1.1× verifying its items one by one,
 * whatever the attacker chose. Sparse failures (a few bad signatures) still bisect cheaply,
 * because passing checks earn the slack back. The bound holds in the model's units; real
 * costs follow them to within the spread of the measurements behind `checkCostPerItem`.
 */

/** The operations the wasm offers on a prepared batch's candidates (ranges `[from, to)`). */
export interface PreparedBatch {
  /** Candidates: items that passed the up-front checks (the others are already settled). */
  readonly count: number;
  /**
   * True iff the batch equation holds for candidates `[from, to)`; the range's sum is kept in
   * `slot` (0 to `sumSlotsMax` − 1) for {@link checkDifference}.
   */
  checkInto(from: number, to: number, slot: number): boolean;
  /**
   * True iff the batch equation holds for the candidates of the range summed in slot `whole`
   * that are not in the sub-range summed in slot `part`; their sum is kept in slot `out`.
   */
  checkDifference(whole: number, part: number, out: number): boolean;
  /** Marks candidates `[from, to)` valid (their check held). */
  accept(from: number, to: number): void;
  /** Verifies candidates `[from, to)` one by one, writing their verdicts; returns how many were valid. */
  verifySingly(from: number, to: number): number;
}

/** Slots the wasm keeps range sums in; depth d of the bisection uses slots 1 + 2d and 2 + 2d. */
export const sumSlotsMax = 64;

/** Share of the batch's size that bisection may spend beyond verifying every item singly. */
export const batchSlackFraction = 0.1;

/**
 * A failed range of at most this many candidates is verified one by one: below it, checking
 * halves costs about as much per item as single verification (0.4–0.5 of one) and finds less.
 */
export const settleSinglyItemsMax = 16;

/**
 * How a failed range's scan adapts its group size (see `settleFailed`): ×2 after a group
 * holds, ÷4 after one fails. Chosen on the cost model (`npx tsx bench/policy-model.ts`) over
 * the adversarial benchmark's layouts: a lone bad signature, 0.1 % and 1 % spread evenly or
 * from a few senders, 10 % and all bad.
 */
export const groupGrowthOnPass = 2;
export const groupShrinkOnFailure = 4;

/**
 * Cost of {@link PreparedBatch.checkDifference} in units of one single verification: one point
 * subtraction and three doublings, against ~128 doublings and ~60 additions for a single.
 */
export const differenceCost = 0.03;

/**
 * Cost of checking the batch equation for `m` prepared candidates, per candidate, in units of
 * one single verification. Measured on the development machine (distinct keys, so no merging;
 * repeated keys only make checks cheaper): 0.48 at 8, 0.43 at 16, 0.39 at 64, 0.31 at 256,
 * 0.21 at 512, 0.15 at 1,024, 0.11 at 2,048, 0.098 at 4,096, 0.088 at 8,192, 0.084 at 16,384.
 * Between the points, the cost of the next smaller size.
 */
export function checkCostPerItem(m: number): number {
  for (const [size, cost] of checkCosts) if (m >= size) return cost;
  return 0.5;
}

const checkCosts: ReadonlyArray<readonly [number, number]> = [
  [16_384, 0.084],
  [8192, 0.088],
  [4096, 0.098],
  [2048, 0.114],
  [1024, 0.152],
  [512, 0.21],
  [256, 0.31],
  [128, 0.35],
  [64, 0.39],
  [32, 0.4],
  [16, 0.43],
  [8, 0.48],
];

/**
 * Settles every candidate of `batch`: one check for the whole batch, and if that fails,
 * bisection on the budget described above.
 */
export function settleBatch(batch: PreparedBatch): void {
  const n = batch.count;
  if (n === 0) return;
  // Two items: one check would cost as much as verifying both, and find less.
  if (n <= 2) {
    batch.verifySingly(0, n);
    return;
  }
  if (batch.checkInto(0, n, rootSlot)) {
    batch.accept(0, n);
    return;
  }
  new BudgetedBisection(batch, batchSlackFraction * n).settleFailed(0, n, rootSlot, 0);
}

const rootSlot = 0;

/** What checking a range found: it holds, it fails, or the budget could not afford the check. */
type Probe = 'passed' | 'failed' | 'unchecked';

/** The bisection of a failed batch, with its running costs (see the file comment). */
class BudgetedBisection {
  readonly #batch: PreparedBatch;
  readonly #slack: number;
  #spent = 0;
  #settled = 0;
  /** The size of the next group a failed range's scan checks (see settleFailed). */
  #groupSize: number;

  constructor(batch: PreparedBatch, slack: number) {
    this.#batch = batch;
    this.#slack = slack;
    this.#groupSize = Math.max(batch.count >>> 1, 1);
  }

  /**
   * Settles `[from, to)`, known to hold an invalid item, its sum in `slot`, at bisection depth
   * `depth`; returns how many were invalid.
   *
   * The range is scanned from the left in groups: each group costs a check, and the rest of
   * the range is checked by subtraction. A group that fails is settled the same way, one
   * level down; once the rest holds, the scan stops. The group size adapts to the density of
   * bad signatures seen so far: it doubles after a group holds and quarters after one fails
   * (starting at half the batch), so dense failures are looked for in small groups without
   * first failing checks of every size above, and sparse ones in large groups.
   */
  settleFailed(from: number, to: number, slot: number, depth: number): number {
    const [groupSlot, restSlot] = slotsAt(depth);
    let invalid = 0;
    let start = from;
    let sumSlot = slot;
    while (true) {
      const m = to - start;
      if (m <= settleSinglyItemsMax) return invalid + this.#singly(start, to);
      const end = start + Math.min(this.#groupSize, m >>> 1);
      const group = this.#probe(start, end, groupSlot, differenceCost);
      if (group === 'unchecked') return invalid + this.#settleUnchecked(start, to, depth + 1);
      // The rest's check is the subtraction of the group's sum from the range's.
      this.#spent += differenceCost;
      const restHolds = this.#batch.checkDifference(sumSlot, groupSlot, restSlot);
      if (group === 'passed') {
        this.#groupSize = Math.min(this.#groupSize * groupGrowthOnPass, this.#batch.count);
      } else {
        this.#groupSize = Math.max(Math.floor(this.#groupSize / groupShrinkOnFailure), settleSinglyItemsMax);
        invalid += this.settleFailed(start, end, groupSlot, depth + 1);
      }
      if (restHolds) {
        this.#batch.accept(end, to);
        this.#settled += to - end;
        return invalid;
      }
      start = end;
      sumSlot = restSlot;
    }
  }

  #settleProbed(from: number, to: number, probe: Probe, slot: number, depth: number): number {
    if (probe === 'passed') return 0;
    if (probe === 'failed') return this.settleFailed(from, to, slot, depth);
    return this.#settleUnchecked(from, to, depth);
  }

  /** Settles `[from, to)`, not checked on its own (its sum unknown), at depth `depth`. */
  #settleUnchecked(from: number, to: number, depth: number): number {
    const m = to - from;
    if (m <= 2 * settleSinglyItemsMax) return this.#singly(from, to);
    const middle = from + (m >>> 1);
    const [leftSlot, rightSlot] = slotsAt(depth);
    const left = this.#probe(from, middle, leftSlot, 0);
    const right = this.#probe(middle, to, rightSlot, 0);
    return (
      this.#settleProbed(from, middle, left, leftSlot, depth + 1) +
      this.#settleProbed(middle, to, right, rightSlot, depth + 1)
    );
  }

  /**
   * Checks `[from, to)` into `slot` if the budget can lose the check and `extra` after it
   * (were it to fail, spent − settled stays ≤ slack), accepting it if it holds; says how it
   * went, or that it was not checked.
   */
  #probe(from: number, to: number, slot: number, extra: number): Probe {
    const m = to - from;
    if (m <= 2) return 'unchecked';
    const cost = m * checkCostPerItem(m);
    if (this.#spent + cost + extra - this.#settled > this.#slack) return 'unchecked';
    this.#spent += cost;
    if (!this.#batch.checkInto(from, to, slot)) return 'failed';
    this.#batch.accept(from, to);
    this.#settled += m;
    return 'passed';
  }

  #singly(from: number, to: number): number {
    const m = to - from;
    this.#spent += m;
    this.#settled += m;
    return m - this.#batch.verifySingly(from, to);
  }
}

/** The two slots the halves of a range at bisection depth `depth` keep their sums in. */
function slotsAt(depth: number): [number, number] {
  const left = 1 + 2 * depth;
  if (left + 1 >= sumSlotsMax) throw new Error(`ed25519 batch bisection: depth ${depth} exceeds the sum slots`);
  return [left, left + 1];
}
