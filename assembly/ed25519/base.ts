// The base point B (RFC 8032 §5.1) and its table of odd multiples, for [s]B in verification.
//
// The table holds B, 3B, 5B, ..., 127B in affine Niels form (y+x, y-x, 2dxy), so adding one
// costs 3M instead of 4M, and wNAF digits of width 8 need one addition per ~9 bits; a second
// table holds the same multiples of 2^128 B. Both are computed once, on first use, into static
// memory (two inversions with Montgomery's trick, well under a millisecond), rather than
// shipped as 15 KB of constants that would need their own generator and check.

import { feInvert, feMul, feAdd, feSub, feD2 } from './field';
import {
  cX, cY, cZ, geAdd, geDbl, geFromAffine, geP1P1ToP3, geToCached, nielsBytes, pointBytes,
} from './point';

/** wNAF width used for the base point's scalar. */
export const baseWindowBits: i32 = 8;
/** Entries in the base table: the odd multiples 1, 3, ..., 2^(w-1) - 1 of B. */
export const baseTableEntries: usize = 1 << (baseWindowBits - 2);

// Affine coordinates of B: y = 4/5, x the even root (limbs of the radix-2^25.5 form).
const baseX: usize = memory.data<i32>([
  52811034, 25909283, 16144682, 17082669, 27570973, 30858332, 40966398, 8378388, 20764389, 8758491,
], 8);
const baseY: usize = memory.data<i32>([
  40265304, 26843545, 13421772, 20132659, 26843545, 6710886, 53687091, 13421772, 40265318, 26843545,
], 8);

/** B, 3B, ..., 127B as Niels points, 120 bytes each. */
export const baseTable: usize = memory.data(<i32>(baseTableEntries * nielsBytes), 8);

/**
 * The same odd multiples of B' = 2^128 B. Single verification splits its base scalar
 * u = u_lo + 2^128 u_hi into two 128-bit halves so that every scalar of its double-scalar
 * multiplication is ~128 bits long (verify.ts).
 */
export const baseTableHigh: usize = memory.data(<i32>(baseTableEntries * nielsBytes), 8);

/** B as a P3 point. */
export const basePoint: usize = memory.data(160, 8);

let baseReady = false;
const twoB: usize = memory.data(160, 8);
const twoBCached: usize = memory.data(160, 8);
const sum: usize = memory.data(160, 8);
const zInverse: usize = memory.data(40, 8);
const affineX: usize = memory.data(40, 8);
const affineY: usize = memory.data(40, 8);
const highPoint: usize = memory.data(160, 8);

const multiples: usize = memory.data(<i32>(baseTableEntries * pointBytes), 8); // (2i+1)P, P3
const prefix: usize = memory.data(<i32>(baseTableEntries * 40), 8); // Z_0 Z_1 ... Z_i

// Fills `table` with P, 3P, ..., 127P in Niels form for the P3 point `p`. The 64 points are
// normalised with one inversion (Montgomery's trick: invert the product of all Z, then peel
// off one Z at a time, 3M a point) instead of 64 inversions.
function fillNielsTable(table: usize, p: usize): void {
  geDbl(sum, p);
  geP1P1ToP3(twoB, sum);
  geToCached(twoBCached, twoB);
  memory.copy(multiples, p, pointBytes);
  memory.copy(prefix, p + cZ, 40);
  for (let i: usize = 1; i < baseTableEntries; i++) {
    const point = multiples + i * pointBytes;
    geAdd(sum, point - pointBytes, twoBCached);
    geP1P1ToP3(point, sum);
    feMul(prefix + i * 40, prefix + (i - 1) * 40, point + cZ);
  }
  feInvert(zInverse, prefix + (baseTableEntries - 1) * 40); // 1 / (Z_0 ... Z_63)
  for (let i = <isize>baseTableEntries - 1; i >= 0; i--) {
    const point = multiples + <usize>i * pointBytes;
    // zInverse = 1 / (Z_0 ... Z_i) here; 1 / Z_i = zInverse * (Z_0 ... Z_(i-1)).
    if (i > 0) {
      feMul(affineY, zInverse, prefix + <usize>(i - 1) * 40); // 1 / Z_i, parked in affineY
      feMul(zInverse, zInverse, point + cZ); // 1 / (Z_0 ... Z_(i-1)) for the next step
    } else {
      memory.copy(affineY, zInverse, 40);
    }
    feMul(affineX, point + cX, affineY);
    feMul(affineY, point + cY, affineY);
    const entry = table + <usize>i * nielsBytes;
    feAdd(entry + cX, affineY, affineX);
    feSub(entry + cY, affineY, affineX);
    feMul(entry + cZ, affineX, affineY);
    feMul(entry + cZ, entry + cZ, feD2);
  }
}

/** Builds the base tables if they are not built yet (idempotent, cheap after the first call). */
export function ensureBaseTable(): void {
  if (baseReady) return;
  geFromAffine(basePoint, baseX, baseY);
  fillNielsTable(baseTable, basePoint);
  memory.copy(highPoint, basePoint, pointBytes);
  for (let i = 0; i < 128; i++) {
    geDbl(sum, highPoint);
    geP1P1ToP3(highPoint, sum);
  }
  fillNielsTable(baseTableHigh, highPoint);
  baseReady = true;
}
