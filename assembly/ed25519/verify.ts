// Single Ed25519 verification with ZIP-215 semantics (DESIGN.md decision 1):
//   refuse S >= L; decode A and R per ZIP-215 (decompress.ts); k = SHA-512(R ‖ A ‖ M) mod L;
//   accept iff [8]([S]B - [k]A - R) is the identity.
// [S]B + [k](-A) is one interleaved double-scalar multiplication: wNAF width 5 for -A (a
// table of 8 odd multiples built per call) and width 8 for B (the static table of base.ts).

import { sha512Final, sha512Init, sha512Update } from '../sha512';
import { baseTable, baseWindowBits, ensureBaseTable } from './base';
import { geDecompress } from './decompress';
import {
  geAdd, geAddNiels, geDbl, geIdentity, geIsSmallOrder, geNeg, geP1P1ToP2, geP1P1ToP3, geSub,
  geSubNiels, geToCached, nielsBytes, pointBytes,
} from './point';
import { scIsCanonical, scReduce64 } from './scalar';
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
const cachedR: usize = memory.data(160, 8);
const tableA: usize = memory.data(<i32>pointTableBytes, 8);
const nafA: usize = memory.data(256, 8);
const nafS: usize = memory.data(256, 8);
const digest: usize = memory.data(64, 8);
const scalarK: usize = memory.data(32, 8);
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
@inline function addBaseDigit(digit: i32): void {
  geP1P1ToP3(accumulator, completed);
  if (digit > 0) geAddNiels(completed, accumulator, baseTable + <usize>(digit >> 1) * nielsBytes);
  else geSubNiels(completed, accumulator, baseTable + <usize>((-digit) >> 1) * nielsBytes);
}

/**
 * Checks one signature. `publicKey` and `signature` point at 32 and 64 bytes, the message
 * at `messageLength` bytes. Returns true iff it is valid under ZIP-215.
 */
export function verifySingle(publicKey: usize, signature: usize, message: usize, messageLength: usize): bool {
  const s = signature + 32;
  if (!scIsCanonical(s)) return false;
  if (!geDecompress(pointA, publicKey)) return false;
  if (!geDecompress(pointR, signature)) return false;
  ensureBaseTable();

  // k = SHA-512(R ‖ A ‖ M) over the bytes as given (not re-encoded), reduced mod L.
  sha512Init();
  sha512Update(signature, 32);
  sha512Update(publicKey, 32);
  sha512Update(message, messageLength);
  sha512Final(digest);
  scReduce64(scalarK, digest);

  // [S]B + [k](-A), scanning both wNAFs from the top.
  geNeg(pointA, pointA);
  buildPointTable(tableA, pointA);
  const topA = computeWnaf(nafA, scalarK, pointWindowBits);
  const topS = computeWnaf(nafS, s, baseWindowBits);
  let i = max(topA, topS);
  geIdentity(accumulator);
  geDbl(completed, accumulator); // completed = identity, in P1P1 form
  for (; i >= 0; i--) {
    const dA = <i32>load<i8>(nafA + <usize>i);
    const dS = <i32>load<i8>(nafS + <usize>i);
    if (dA != 0) addDigit(dA, tableA);
    if (dS != 0) addBaseDigit(dS);
    if (i == 0) break;
    geP1P1ToP2(accumulator, completed);
    geDbl(completed, accumulator);
  }
  geP1P1ToP3(accumulator, completed);

  // - R, then the cofactor: accept iff [8]([S]B - [k]A - R) = identity.
  geToCached(cachedR, pointR);
  geSub(completed, accumulator, cachedR);
  geP1P1ToP3(accumulator, completed);
  return geIsSmallOrder(accumulator);
}
