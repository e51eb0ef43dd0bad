// A failed signature batch is settled on a budget (src/crypto/ed25519-batch-policy.ts): the
// verdicts stay exactly the single verdicts, and no choice of bad signatures makes the batch
// cost more than its first check plus (1 + batchSlackFraction) × verifying its items one by
// one (issue 8: 16,384 signatures half invalid cost 5.5× one by one under full bisection).
// The policy is checked on a model batch whose operations count their cost in the policy's
// own units, and on the wasm for the verdicts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Ed25519BatchItem,
  ed25519GenerateKeyPair,
  ed25519Sign,
  ed25519Verify,
  ed25519VerifyBatch,
} from '../../src/crypto/ed25519.js';
import {
  batchSlackFraction,
  checkCostPerItem,
  differenceCost,
  type PreparedBatch,
  settleBatch,
  sumSlotsMax,
} from '../../src/crypto/ed25519-batch-policy.js';
import { wasmExports } from '../../src/crypto/wasm.js';
import { fuzzParams } from '../support/fuzz.js';

/**
 * A batch of `n` candidates, `invalid` of them bad, whose operations give exact answers and
 * add up their cost in units of one single verification (a check: m × checkCostPerItem(m)).
 */
class ModelBatch implements PreparedBatch {
  readonly count: number;
  readonly verdicts: Uint8Array;
  readonly #invalidBefore: Int32Array;
  /** Cost of everything after the first check of the whole batch. */
  costAfterFirstCheck = 0;
  checks = 0;
  differences = 0;

  constructor(n: number, invalid: ReadonlySet<number>) {
    this.count = n;
    this.verdicts = new Uint8Array(n);
    this.#invalidBefore = new Int32Array(n + 1);
    for (let i = 0; i < n; i++)
      this.#invalidBefore[i + 1] = (this.#invalidBefore[i] as number) + (invalid.has(i) ? 1 : 0);
  }

  #invalidIn(from: number, to: number): number {
    return (this.#invalidBefore[to] as number) - (this.#invalidBefore[from] as number);
  }

  /** What each slot holds: the range it sums and how many invalid items that range has. */
  readonly #slots = new Map<number, { from: number; to: number; invalid: number }>();

  checkInto(from: number, to: number, slot: number): boolean {
    expect(0 <= from && from < to && to <= this.count).toBe(true);
    expect(Number.isInteger(slot) && slot >= 0 && slot < sumSlotsMax).toBe(true);
    if (this.checks++ > 0) this.costAfterFirstCheck += (to - from) * checkCostPerItem(to - from);
    this.#slots.set(slot, { from, to, invalid: this.#invalidIn(from, to) });
    return this.#invalidIn(from, to) === 0;
  }

  checkDifference(whole: number, part: number, out: number): boolean {
    const w = this.#slots.get(whole);
    const p = this.#slots.get(part);
    if (w === undefined || p === undefined) throw new Error(`slot ${whole} or ${part} holds no sum`);
    // The policy subtracts a first half from its range: the rest is a range too.
    expect(p.from).toBe(w.from);
    expect(p.to).toBeLessThan(w.to);
    this.costAfterFirstCheck += differenceCost;
    this.differences++;
    const rest = { from: p.to, to: w.to, invalid: w.invalid - p.invalid };
    expect(rest.invalid).toBe(this.#invalidIn(rest.from, rest.to));
    this.#slots.set(out, rest);
    return rest.invalid === 0;
  }

  accept(from: number, to: number): void {
    expect(this.#invalidIn(from, to)).toBe(0);
    this.verdicts.fill(1, from, to);
  }

  verifySingly(from: number, to: number): number {
    this.costAfterFirstCheck += to - from;
    let valid = 0;
    for (let i = from; i < to; i++) {
      const ok = this.#invalidIn(i, i + 1) === 0;
      this.verdicts[i] = ok ? 1 : 0;
      if (ok) valid++;
    }
    return valid;
  }
}

/** Invalid positions: `fraction` of `n`, spread evenly, at random, or in one run. */
function invalidSet(n: number, fraction: number, layout: 'spread' | 'random' | 'run', seed: number): Set<number> {
  const count = Math.min(n, Math.max(fraction > 0 ? 1 : 0, Math.round(fraction * n)));
  const set = new Set<number>();
  let state = seed >>> 0 || 1;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state;
  };
  for (let k = 0; set.size < count; k++) {
    if (layout === 'spread') set.add(Math.floor((k * n) / count) % n);
    else if (layout === 'run') set.add((seed + k) % n);
    else set.add(next() % n);
  }
  return set;
}

/** The full bisection the wasm's own verifyBatch does, on the same model (the negative control). */
function settleByFullBisection(batch: ModelBatch): void {
  const resolve = (from: number, to: number): void => {
    if (to - from > 2 && batch.checkInto(from, to, 0)) {
      batch.accept(from, to);
      return;
    }
    if (to - from <= 2) {
      batch.verifySingly(from, to);
      return;
    }
    const middle = from + ((to - from) >> 1);
    resolve(from, middle);
    resolve(middle, to);
  };
  resolve(0, batch.count);
}

describe('settleBatch on a model batch', () => {
  it('verdicts are exact, and a failed batch costs at most (1 + slack) × one by one after its first check', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20_000 }),
        fc.constantFrom(0, 1e-4, 1e-3, 0.01, 0.05, 0.1, 0.3, 0.5, 0.9, 1),
        fc.constantFrom('spread' as const, 'random' as const, 'run' as const),
        fc.nat(),
        (n, fraction, layout, seed) => {
          const invalid = invalidSet(n, fraction, layout, seed);
          const batch = new ModelBatch(n, invalid);
          settleBatch(batch);
          for (let i = 0; i < n; i++) expect(batch.verdicts[i]).toBe(invalid.has(i) ? 0 : 1);
          expect(batch.costAfterFirstCheck).toBeLessThanOrEqual((1 + batchSlackFraction) * n + 1e-9);
        },
      ),
      fuzzParams(0.2),
    );
  });

  it('an all-valid batch costs one check', () => {
    const batch = new ModelBatch(16_384, new Set());
    settleBatch(batch);
    expect(batch.checks).toBe(1);
    expect(batch.verdicts.every((v) => v === 1)).toBe(true);
  });

  it('a few bad signatures still bisect cheaply: one in 16,384 costs under a sixth of one by one', () => {
    for (const at of [0, 8000, 16_383]) {
      const batch = new ModelBatch(16_384, new Set([at]));
      settleBatch(batch);
      expect(batch.costAfterFirstCheck).toBeLessThan(16_384 / 6);
      // Every failed range checks one half and subtracts for the other.
      expect(batch.differences).toBeGreaterThan(0);
    }
  });

  it('the rest of a failed range costs a subtraction: 0.1 % spread costs under half of one by one', () => {
    // Without the subtraction (both halves checked) the same batch costs 0.76 of one by one.
    const batch = new ModelBatch(16_384, invalidSet(16_384, 0.001, 'spread', 1));
    settleBatch(batch);
    expect(batch.costAfterFirstCheck).toBeLessThan(0.5 * 16_384);
  });

  it('groups adapt to the density: 1 % spread costs under 0.85 of one by one (halving alone: 1.1, the budget)', () => {
    const batch = new ModelBatch(16_384, invalidSet(16_384, 0.01, 'spread', 1));
    settleBatch(batch);
    expect(batch.costAfterFirstCheck).toBeLessThan(0.85 * 16_384);
  });

  it('the negative control: full bisection of 16,384 half invalid costs several times one by one', () => {
    const n = 16_384;
    const ours = new ModelBatch(n, invalidSet(n, 0.5, 'spread', 1));
    settleBatch(ours);
    const full = new ModelBatch(n, invalidSet(n, 0.5, 'spread', 1));
    settleByFullBisection(full);
    expect(full.costAfterFirstCheck).toBeGreaterThan(3 * n);
    expect(ours.costAfterFirstCheck).toBeLessThanOrEqual((1 + batchSlackFraction) * n);
  });
});

describe('settleBatch on the wasm', () => {
  const keys = Array.from({ length: 16 }, () => ed25519GenerateKeyPair());
  const valid: Ed25519BatchItem[] = Array.from({ length: 3000 }, (_, i) => {
    const { publicKey, secretKey } = keys[i % keys.length] as (typeof keys)[number];
    const message = Uint8Array.of(i & 0xff, i >> 8, 7);
    return { publicKey, message, signature: ed25519Sign(secretKey, message) };
  });
  const mutate = (item: Ed25519BatchItem, i: number): Ed25519BatchItem => {
    const signature = item.signature.slice();
    // S's low bytes (S stays canonical, R still decodes) or the message: the full cost.
    if (i % 2 === 0) signature[32 + (i % 8)] = (signature[32 + (i % 8)] as number) ^ 1;
    return i % 2 === 0 ? { ...item, signature } : { ...item, message: Uint8Array.of(0xee, i & 0xff) };
  };

  for (const fraction of [1, 0.5, 0.1, 0.01, 0.001]) {
    it(`batch verdicts equal single verdicts with ${fraction * 100} % of 3,000 signatures bad`, () => {
      const bad = invalidSet(valid.length, fraction, 'random', 77);
      const items = valid.map((item, i) => (bad.has(i) ? mutate(item, i) : item));
      const verdicts = ed25519VerifyBatch(items);
      const singles = items.map((item) => ed25519Verify(item.publicKey, item.message, item.signature));
      expect(verdicts).toEqual(singles);
      expect(verdicts.filter((ok) => !ok).length).toBe(bad.size);
    });
  }

  it('the wasm refuses a candidate range outside the prepared batch or a slot past its table, in release builds too', () => {
    const hooks = wasmExports as unknown as {
      ed25519BatchCheckInto(from: number, to: number, slot: number): number;
      ed25519BatchCheckDifference(whole: number, part: number, out: number): number;
    };
    ed25519VerifyBatch(valid.slice(0, 10));
    expect(() => hooks.ed25519BatchCheckInto(0, 1 << 20, 0)).toThrow(/unreachable/);
    expect(() => hooks.ed25519BatchCheckInto(5, 3, 0)).toThrow(/unreachable/);
    expect(() => hooks.ed25519BatchCheckInto(0, 5, sumSlotsMax)).toThrow(/unreachable/);
    expect(() => hooks.ed25519BatchCheckDifference(0, 1, sumSlotsMax)).toThrow(/unreachable/);
    expect(ed25519VerifyBatch(valid.slice(0, 10))).toEqual(new Array(10).fill(true));
  });
});
