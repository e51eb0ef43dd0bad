// Multi-scalar multiplication: [b]B + sum_j [s_j] P_j, for batch verification.
//
// Straus (interleaved wNAF): every point gets a table of its 8 odd multiples and a width-5
// wNAF of its scalar; one chain of ~253 doublings is shared by all points, and each non-zero
// digit costs one addition. B uses the static width-8 table of base.ts.
//
// The caller describes the points as `count` entries of two u32 pointers (a P3 point and a
// 32-byte scalar < 2^253) at `entries`, and supplies the work area: `count` point tables and
// `count` 256-byte wNAF buffers (msmScratchBytes). Nothing allocates.

import { basePoint, baseTable, baseWindowBits } from './base';
import {
  geAdd, geAddNiels, geDbl, geIdentity, geNeg, geP1P1ToP2, geP1P1ToP3, geSub, geSubNiels, geToCached,
  nielsBytes, pointBytes,
} from './point';
import { buildPointTable, pointTableBytes, pointWindowBits } from './verify';
import { computeWnaf } from './wnaf';

/**
 * Points per Straus pass. A pass shares one chain of ~253 doublings among its points, so
 * bigger passes amortise the doublings better, but each point's table (1,280 bytes) and wNAF
 * (256 bytes) must stay in cache while the pass sweeps them 253 times: past a few hundred
 * points the sweeps miss L2 and a batch of 1,024 ran ~15% slower per signature than one of 64.
 * Larger sets are split into passes whose results are summed.
 */
export const strausPassPoints: usize = 256;

/** Bytes of work area msmStraus needs for `count` points. */
export function msmScratchBytes(count: usize): usize {
  return min(count, strausPassPoints) * (pointTableBytes + 256);
}

const nafB: usize = memory.data(256, 8);
const accumulator: usize = memory.data(160, 8); // P2 between doublings, P3 before an addition
const completed: usize = memory.data(160, 8); // P1P1

// Adds digit * (entry of `table`) to `completed`. Separate from the ladder loop so V8 tiers it
// up on its own: the loop function is entered once per batch and may stay in Liftoff.
function addTableDigit(digit: i32, table: usize): void {
  geP1P1ToP3(accumulator, completed);
  if (digit > 0) geAdd(completed, accumulator, table + <usize>(digit >> 1) * pointBytes);
  else geSub(completed, accumulator, table + <usize>((-digit) >> 1) * pointBytes);
}

function addBaseDigit(digit: i32): void {
  geP1P1ToP3(accumulator, completed);
  if (digit > 0) geAddNiels(completed, accumulator, baseTable + <usize>(digit >> 1) * nielsBytes);
  else geSubNiels(completed, accumulator, baseTable + <usize>((-digit) >> 1) * nielsBytes);
}

// Adds every point's digit at bit `bit` (one column of the interleaved wNAFs).
function addColumn(count: usize, nafs: usize, tables: usize, bit: usize): void {
  for (let j: usize = 0; j < count; j++) {
    const digit = <i32>load<i8>(nafs + (j << 8) + bit);
    if (digit != 0) addTableDigit(digit, tables + j * pointTableBytes);
  }
}

/**
 * out (P3) = [baseScalar]B + sum over the `count` entries of [scalar]point (Straus).
 * `scratch` must hold msmScratchBytes(count) bytes.
 */
export function msmStraus(out: usize, baseScalar: usize, entries: usize, count: usize, scratch: usize): void {
  strausPass(out, baseScalar, entries, min(count, strausPassPoints), scratch);
  for (let start = strausPassPoints; start < count; start += strausPassPoints) {
    strausPass(passResult, zeroScalar, entries + (start << 3), min(count - start, strausPassPoints), scratch);
    geToCached(passCached, passResult);
    geAdd(completed, out, passCached);
    geP1P1ToP3(out, completed);
  }
}

const passResult: usize = memory.data(160, 8);
const passCached: usize = memory.data(160, 8);
const zeroScalar: usize = memory.data(32, 8);

// One Straus pass over at most strausPassPoints entries.
function strausPass(out: usize, baseScalar: usize, entries: usize, count: usize, scratch: usize): void {
  const tables = scratch;
  const nafs = scratch + count * pointTableBytes;
  let top = computeWnaf(nafB, baseScalar, baseWindowBits);
  for (let j: usize = 0; j < count; j++) {
    const point = <usize>load<u32>(entries + (j << 3));
    const scalar = <usize>load<u32>(entries + (j << 3) + 4);
    buildPointTable(tables + j * pointTableBytes, point);
    top = max(top, computeWnaf(nafs + (j << 8), scalar, pointWindowBits));
  }
  geIdentity(accumulator);
  geDbl(completed, accumulator); // the identity in P1P1 form
  for (let i = top; i >= 0; i--) {
    addColumn(count, nafs, tables, <usize>i);
    const digit = <i32>load<i8>(nafB + <usize>i);
    if (digit != 0) addBaseDigit(digit);
    if (i == 0) break;
    geP1P1ToP2(accumulator, completed);
    geDbl(completed, accumulator);
  }
  geP1P1ToP3(out, completed);
}

// ---------------------------------------------------------------------------------------------
// Pippenger (bucket method) for large point sets. Each scalar is recoded into signed radix-2^c
// digits in (-2^(c-1), 2^(c-1)]; for every window, each point is added into the bucket of its
// digit (negated for negative digits), the buckets are summed with the running-sum trick
// (sum of b * bucket_b in 2 additions a bucket), and windows are joined by c doublings. Per
// point it costs one addition per window instead of Straus's one per ~6 bits plus an 8-entry
// table, so it wins once the bucket sums are spread over enough points (see pippengerMinPoints).
// Zero digits cost nothing, so the 128-bit coefficients z_i only touch the lower windows.

/** Scalars handled here are below 2^253; one more window catches the last signed carry. */
function windowCount(windowBits: i32): i32 {
  return (253 + windowBits - 1) / windowBits + 1;
}

/** Bytes of work area msmPippenger needs for `count` points (plus B) with `windowBits`. */
export function pippengerScratchBytes(count: usize, windowBits: i32): usize {
  const total = count + 1;
  const buckets = <usize>1 << <usize>(windowBits - 1);
  return total * pointBytes + ((total * <usize>windowCount(windowBits) * 2 + 7) & ~<usize>7) + buckets * pointBytes + buckets;
}

/**
 * Window width for `count` points: ~log2(count) - 2, measured best here from 5 to 9. Re-measured
 * after the SIMD field work, µs a signature with windows 6 / 7: 256 points 39.9 / 40.7, 512
 * points 41.8 / 38.4 (5 was slower at both); the 6/7 step moved from 600 to 384 points.
 */
export function pippengerWindowBits(count: usize): i32 {
  if (count < 384) return 6;
  if (count < 1300) return 7;
  if (count < 2600) return 8;
  return 9;
}

const scalarPadded: usize = memory.data(48, 8);
const pipAccumulator: usize = memory.data(160, 8);
const pipRunning: usize = memory.data(160, 8);
const pipSum: usize = memory.data(160, 8);
const pipCached: usize = memory.data(160, 8);
const pipCompleted: usize = memory.data(160, 8);

// Signed radix-2^c digits of the 32-byte scalar (< 2^253) into `windows` i16 at `out`.
function recodeSigned(out: usize, scalar: usize, windowBits: i32, windows: i32): void {
  memory.fill(scalarPadded, 0, 48);
  memory.copy(scalarPadded, scalar, 32);
  const mask: u64 = (<u64>1 << <u64>windowBits) - 1;
  const half: i32 = 1 << (windowBits - 1);
  let carry: i32 = 0;
  for (let w: i32 = 0; w < windows; w++) {
    const bit = <usize>(w * windowBits);
    let digit = <i32>((load<u64>(scalarPadded + (bit >> 3)) >> <u64>(bit & 7)) & mask) + carry;
    if (digit > half) {
      digit -= 1 << windowBits;
      carry = 1;
    } else {
      carry = 0;
    }
    store<i16>(out + (<usize>w << 1), <i16>digit);
  }
}

// acc (P3) += p (P3), through the Cached form of p.
function addP3(acc: usize, p: usize): void {
  geToCached(pipCached, p);
  geAdd(pipCompleted, acc, pipCached);
  geP1P1ToP3(acc, pipCompleted);
}

// Adds every point's digit of window `w` into its bucket.
function fillBuckets(total: usize, entries: usize, count: usize, cached: usize, digits: usize, windows: i32, w: i32, buckets: usize, used: usize): void {
  for (let j: usize = 0; j < total; j++) {
    const digit = <i32>load<i16>(digits + ((j * <usize>windows + <usize>w) << 1));
    if (digit == 0) continue;
    const index = <usize>(abs(digit) - 1);
    const bucket = buckets + index * pointBytes;
    if (load<u8>(used + index) == 0) {
      store<u8>(used + index, 1);
      const point = j < count ? <usize>load<u32>(entries + (j << 3)) : basePoint;
      if (digit > 0) memory.copy(bucket, point, pointBytes);
      else geNeg(bucket, point);
    } else {
      if (digit > 0) geAdd(pipCompleted, bucket, cached + j * pointBytes);
      else geSub(pipCompleted, bucket, cached + j * pointBytes);
      geP1P1ToP3(bucket, pipCompleted);
    }
  }
}

// pipSum = sum over buckets of (index + 1) * bucket; returns false if every bucket is empty.
function sumBuckets(buckets: usize, used: usize, bucketCount: usize): bool {
  let runningSet = false;
  let sumSet = false;
  for (let b = <isize>bucketCount - 1; b >= 0; b--) {
    if (load<u8>(used + <usize>b) != 0) {
      const bucket = buckets + <usize>b * pointBytes;
      if (runningSet) addP3(pipRunning, bucket);
      else memory.copy(pipRunning, bucket, pointBytes);
      runningSet = true;
    }
    if (runningSet) {
      if (sumSet) addP3(pipSum, pipRunning);
      else memory.copy(pipSum, pipRunning, pointBytes);
      sumSet = true;
    }
  }
  return sumSet;
}

/**
 * out (P3) = [baseScalar]B + sum over the `count` entries of [scalar]point (Pippenger, window
 * `windowBits`). `scratch` must hold pippengerScratchBytes(count, windowBits) bytes.
 */
export function msmPippenger(out: usize, baseScalar: usize, entries: usize, count: usize, scratch: usize, windowBits: i32): void {
  const total = count + 1; // entry `count` is B
  const windows = windowCount(windowBits);
  const bucketCount = <usize>1 << <usize>(windowBits - 1);
  const cached = scratch;
  const digits = cached + total * pointBytes;
  const buckets = digits + ((total * <usize>windows * 2 + 7) & ~<usize>7);
  const used = buckets + bucketCount * pointBytes;
  for (let j: usize = 0; j < total; j++) {
    const point = j < count ? <usize>load<u32>(entries + (j << 3)) : basePoint;
    const scalar = j < count ? <usize>load<u32>(entries + (j << 3) + 4) : baseScalar;
    geToCached(cached + j * pointBytes, point);
    recodeSigned(digits + ((j * <usize>windows) << 1), scalar, windowBits, windows);
  }
  geIdentity(pipAccumulator);
  for (let w = windows - 1; w >= 0; w--) {
    if (w < windows - 1) {
      for (let i = 0; i < windowBits; i++) {
        geDbl(pipCompleted, pipAccumulator);
        if (i < windowBits - 1) geP1P1ToP2(pipAccumulator, pipCompleted);
        else geP1P1ToP3(pipAccumulator, pipCompleted);
      }
    }
    memory.fill(used, 0, bucketCount);
    fillBuckets(total, entries, count, cached, digits, windows, w, buckets, used);
    if (sumBuckets(buckets, used, bucketCount)) addP3(pipAccumulator, pipSum);
  }
  memory.copy(out, pipAccumulator, pointBytes);
}
