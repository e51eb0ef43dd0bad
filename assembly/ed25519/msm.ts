// Multi-scalar multiplication: [b]B + sum_j [s_j] P_j, for batch verification.
//
// Straus (interleaved wNAF): every point gets a table of its 8 odd multiples and a width-5
// wNAF of its scalar; one chain of ~253 doublings is shared by all points, and each non-zero
// digit costs one addition. B uses the static width-8 table of base.ts.
//
// The caller describes the points as `count` entries of two u32 pointers (a P3 point and a
// 32-byte scalar < 2^253) at `entries`, and supplies the work area: `count` point tables and
// `count` 256-byte wNAF buffers (msmScratchBytes). Nothing allocates.

import { baseTable, baseWindowBits } from './base';
import {
  geAdd, geAddNiels, geDbl, geIdentity, geP1P1ToP2, geP1P1ToP3, geSub, geSubNiels, geToCached,
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
