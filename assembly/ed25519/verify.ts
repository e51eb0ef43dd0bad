// Single Ed25519 verification with ZIP-215 semantics (DESIGN.md decision 1):
//   refuse S >= L; decode A and R per ZIP-215 (decompress.ts); k = SHA-512(R ‖ A ‖ M) mod L;
//   accept iff [8]([S]B - [k]A - R) is the identity.
//
// The check runs on an equivalent equation with half-length scalars (Pornin 2020): halfgcd.ts
// finds r = t k (mod L) with r < 2^126 and 0 < |t| < 2^127. Multiplying by t,
//   [8]([t S]B - [t k]A - [t]R) = [8]([u]B - [r]A - [t]R),  u = t S mod L,
// because (t k - r) A is a multiple of L A, a torsion point that [8] kills; and [8] t P = 0 iff
// [8] P = 0, since [8] P lies in the subgroup of prime order L and 0 < |t| < L. So the verdict
// is exactly that of the original equation, for every A and R (small-order ones included).
// With u = u_lo + 2^128 u_hi, the sum [u_lo]B + [u_hi](2^128 B) + [r](-A) + [t](-R) has four
// ~128-bit scalars and needs ~128 doublings instead of ~253: wNAF width 5 for A and R (tables
// of 8 odd multiples built per call), width 8 for B and 2^128 B (the static tables of base.ts).
// A negative t is handled by negating the whole equation: [|t| S]B + [r]A - [|t|]R.

import { sha512Final, sha512Init, sha512Update } from '../sha512';
import { baseTable, baseTableHigh, baseWindowBits, ensureBaseTable } from './base';
import { scHalfGcd } from './halfgcd';
import { geDecompressPair } from './decompress';
import {
  geAdd, geAddNiels, geDbl, geIdentity, geIsSmallOrder, geNeg, geP1P1ToP2, geP1P1ToP3, geSub,
  geSubNiels, geToCached, nielsBytes, pointBytes,
} from './point';
import { scIsCanonical, scMulAdd, scReduce64 } from './scalar';
import { computeWnaf } from './wnaf';

/** wNAF width for variable points (A in single verification, every point in Straus). */
export const pointWindowBits: i32 = 5;
/** Odd multiples P, 3P, ..., 15P kept per variable point. */
export const pointTableEntries: usize = 1 << (pointWindowBits - 2);
/** Bytes of one variable point's table (Cached points). */
export const pointTableBytes: usize = pointTableEntries * pointBytes;

const tableTwice: usize = memory.data(160, 8);
const tableTwiceCached: usize = memory.data(160, 8);
const tableCurrent: usize = memory.data(160, 8);
const tableSum: usize = memory.data(160, 8);

/** Fills `table` with P, 3P, ..., 15P (Cached) for the P3 point `p`. */
export function buildPointTable(table: usize, p: usize): void {
  geDbl(tableSum, p);
  geP1P1ToP3(tableTwice, tableSum);
  geToCached(tableTwiceCached, tableTwice);
  geToCached(table, p);
  memory.copy(tableCurrent, p, pointBytes);
  for (let i: usize = 1; i < pointTableEntries; i++) {
    geAdd(tableSum, tableCurrent, tableTwiceCached);
    geP1P1ToP3(tableCurrent, tableSum);
    geToCached(table + i * pointBytes, tableCurrent);
  }
}

const pointA: usize = memory.data(160, 8);
const pointR: usize = memory.data(160, 8);
const tableA: usize = memory.data(<i32>pointTableBytes, 8);
const tableR: usize = memory.data(<i32>pointTableBytes, 8);
const nafA: usize = memory.data(256, 8);
const nafR: usize = memory.data(256, 8);
const nafLow: usize = memory.data(256, 8);
const nafHigh: usize = memory.data(256, 8);
const digest: usize = memory.data(64, 8);
const scalarK: usize = memory.data(32, 8);
const shortR: usize = memory.data(32, 8); // r < 2^126
const shortT: usize = memory.data(32, 8); // |t| < 2^127
const scalarU: usize = memory.data(32, 8); // |t| S mod L
const scalarLow: usize = memory.data(32, 8); // u mod 2^128
const scalarHigh: usize = memory.data(32, 8); // u >> 128
const zero32: usize = memory.data(32, 8);
const accumulator: usize = memory.data(160, 8); // P2 between steps, P3 when adding
const completed: usize = memory.data(160, 8); // P1P1

// One step of a double-and-add ladder: completed (P1P1) += digit * table entry. The
// accumulator becomes P3 first because the addition formulas need T.
// @ts-ignore: decorator
@inline function addDigit(digit: i32, table: usize): void {
  geP1P1ToP3(accumulator, completed);
  if (digit > 0) geAdd(completed, accumulator, table + <usize>(digit >> 1) * pointBytes);
  else geSub(completed, accumulator, table + <usize>((-digit) >> 1) * pointBytes);
}

// @ts-ignore: decorator
@inline function addBaseDigit(digit: i32, table: usize): void {
  geP1P1ToP3(accumulator, completed);
  if (digit > 0) geAddNiels(completed, accumulator, table + <usize>(digit >> 1) * nielsBytes);
  else geSubNiels(completed, accumulator, table + <usize>((-digit) >> 1) * nielsBytes);
}

/**
 * Checks one signature. `publicKey` and `signature` point at 32 and 64 bytes, the message
 * at `messageLength` bytes. Returns true iff it is valid under ZIP-215.
 */
export function verifySingle(publicKey: usize, signature: usize, message: usize, messageLength: usize): bool {
  const s = signature + 32;
  if (!scIsCanonical(s)) return false;
  // Both points decode or the signature is refused (each bit is one point's verdict).
  if (geDecompressPair(pointA, publicKey, pointR, signature) != 3) return false;

  // k = SHA-512(R ‖ A ‖ M) over the bytes as given (not re-encoded), reduced mod L.
  sha512Init();
  sha512Update(signature, 32);
  sha512Update(publicKey, 32);
  sha512Update(message, messageLength);
  sha512Final(digest);
  scReduce64(scalarK, digest);
  geNeg(pointA, pointA);
  geNeg(pointR, pointR);
  return checkSingleEquation(s);
}

/**
 * The equation of one signature whose points were decoded and whose k was computed already
 * (a prepared batch keeps both): `negA` and `negR` are -A and -R (P3), `k` and `s` 32-byte
 * scalars with S < L. Returns true iff [8]([S]B - [k]A - R) is the identity.
 */
export function verifyDecoded(negA: usize, negR: usize, k: usize, s: usize): bool {
  memory.copy(pointA, negA, pointBytes);
  memory.copy(pointR, negR, pointBytes);
  memory.copy(scalarK, k, 32);
  return checkSingleEquation(s);
}

// The equation for pointA = -A, pointR = -R and scalarK = k (both points clobbered).
function checkSingleEquation(s: usize): bool {
  ensureBaseTable();
  // Short scalars (see the top of this file): r = t k mod L; u = |t| S mod L, split in halves.
  const tNegative = scHalfGcd(shortR, shortT, scalarK);
  scMulAdd(scalarU, shortT, s, zero32);
  memory.copy(scalarLow, scalarU, 16);
  memory.fill(scalarLow + 16, 0, 16);
  memory.copy(scalarHigh, scalarU + 16, 16);
  memory.fill(scalarHigh + 16, 0, 16);

  // [u_lo]B + [u_hi](2^128 B) + [r](∓A) + [|t|](-R), scanning the four wNAFs from the top.
  if (tNegative) geNeg(pointA, pointA);
  buildPointTable(tableA, pointA);
  buildPointTable(tableR, pointR);
  const topA = computeWnaf(nafA, shortR, pointWindowBits);
  const topR = computeWnaf(nafR, shortT, pointWindowBits);
  const topLow = computeWnaf(nafLow, scalarLow, baseWindowBits);
  const topHigh = computeWnaf(nafHigh, scalarHigh, baseWindowBits);
  let i = max(max(topA, topR), max(topLow, topHigh));
  geIdentity(accumulator);
  geDbl(completed, accumulator); // completed = identity, in P1P1 form
  for (; i >= 0; i--) {
    const dA = <i32>load<i8>(nafA + <usize>i);
    const dR = <i32>load<i8>(nafR + <usize>i);
    const dLow = <i32>load<i8>(nafLow + <usize>i);
    const dHigh = <i32>load<i8>(nafHigh + <usize>i);
    if (dA != 0) addDigit(dA, tableA);
    if (dR != 0) addDigit(dR, tableR);
    if (dLow != 0) addBaseDigit(dLow, baseTable);
    if (dHigh != 0) addBaseDigit(dHigh, baseTableHigh);
    if (i == 0) break;
    geP1P1ToP2(accumulator, completed);
    geDbl(completed, accumulator);
  }
  geP1P1ToP3(accumulator, completed);

  // The cofactor: accept iff [8]([u]B - [r]A - [t]R) = identity.
  return geIsSmallOrder(accumulator);
}
