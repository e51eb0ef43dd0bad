import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Members } from '../../src/consensus/members.js';
import {
  correctWitnesses,
  faultsTolerated,
  quorumRule,
  quorumSize,
  unsafeTwoFPlusOneRule,
} from '../../src/consensus/quorum.js';

describe('quorum arithmetic', () => {
  it('for every n in 1..100: any two quorums share a correct member (2q − n ≥ f + 1) and the correct alone form one (q ≤ n − f)', () => {
    for (let n = 1; n <= 100; n++) {
      const f = faultsTolerated(n);
      const q = quorumSize(n);
      expect(f).toBe(Math.floor((n - 1) / 3));
      expect(2 * q - n, `n = ${n}`).toBeGreaterThanOrEqual(f + 1);
      expect(q, `n = ${n}`).toBeLessThanOrEqual(n - f);
      // The smallest such q: one vote fewer would break intersection.
      expect(2 * (q - 1) - n, `n = ${n}`).toBeLessThan(f + 1);
      const rule = quorumRule(n);
      expect(rule).toEqual({ size: n, faults: f, quorum: q, preparesNeeded: q - 1, witnesses: f + 1 });
      expect(correctWitnesses(n)).toBe(f + 1);
    }
  });

  it('a quorum exists at every size up to 2^20 (property over n)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1 << 20 }), (n) => {
        const f = faultsTolerated(n);
        const q = quorumSize(n);
        return 2 * q - n >= f + 1 && q <= n - f && q >= 1;
      }),
    );
  });

  it('is 2f + 1 exactly when n = 3f + 1', () => {
    for (let n = 1; n <= 100; n++) {
      const f = faultsTolerated(n);
      expect(quorumSize(n) === 2 * f + 1, `n = ${n}`).toBe(n === 3 * f + 1);
    }
  });

  it('gives the table in the module header', () => {
    const sizes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 16];
    expect(sizes.map(faultsTolerated)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 5]);
    expect(sizes.map(quorumSize)).toEqual([1, 2, 2, 3, 4, 4, 5, 6, 6, 7, 11]);
  });

  it('the unsafe 2f + 1 rule (negative control) breaks intersection at n = 3, 5, 6', () => {
    for (const n of [3, 5, 6]) {
      const rule = unsafeTwoFPlusOneRule(n);
      expect(2 * rule.quorum - n, `n = ${n}`).toBeLessThan(rule.faults + 1);
    }
  });

  it('refuses a validator count that is not a positive integer', () => {
    for (const n of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => quorumSize(n)).toThrow(RangeError);
      expect(() => faultsTolerated(n)).toThrow(/validator count/);
    }
  });

  it('Members carries the rule for its size', () => {
    const keys = Array.from({ length: 6 }, (_, i) => new Uint8Array(32).fill(i + 1));
    const members = new Members(keys);
    expect([members.faults, members.quorum, members.preparesNeeded, members.witnesses]).toEqual([1, 4, 3, 2]);
    const unsafe = new Members(keys, unsafeTwoFPlusOneRule);
    expect(unsafe.quorum).toBe(3);
  });
});
