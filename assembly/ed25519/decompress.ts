// Point decoding with ZIP-215 semantics (https://zips.z.cash/zip-0215).
//
// RFC 8032 §5.1.3 refuses y >= p and "x = 0 with the sign bit set"; ZIP-215 accepts both, so
// that every implementation reaches the same verdict on every 32-byte string: a string is
// refused only when (y^2 - 1) / (d y^2 + 1) has no square root mod p. Here y is decoded from
// the low 255 bits without a range check (arithmetic mod p reduces it), and the sign bit is
// applied by negation, which leaves x = 0 unchanged.

import {
  feAdd, feCarry, feD, feEqual, feFromBytes, feIsNegative, feMul, feNeg, feOne, fePow22523,
  fePow22523Pair, feSq, feSqrtM1, feSub,
} from './field';
import { cT, cX, cY, cZ } from './point';

// Per-decoding state, one set for each of the two decodings geDecompressPair runs together.
const u: usize = memory.data(80, 8);
const v: usize = memory.data(80, 8);
const v3: usize = memory.data(80, 8);
const vxx: usize = memory.data(40, 8);
const one: usize = memory.data(40, 8);
const negU: usize = memory.data(40, 8);

// Steps before the exponentiation: y, u = y^2 - 1, v = d y^2 + 1, and x = u v^7 (the input of
// the (p-5)/8 power), using state set `lane` (0 or 1).
function decompressStart(r: usize, s: usize, lane: usize): void {
  const y = r + cY;
  const x = r + cX;
  const uLane = u + lane * 40;
  const vLane = v + lane * 40;
  const v3Lane = v3 + lane * 40;
  feFromBytes(y, s);
  feCarry(y, y); // y may be >= p: bring the limbs to the carried range the formulas assume
  feOne(r + cZ);
  feOne(one);

  // x^2 = u / v with u = y^2 - 1, v = d y^2 + 1 (from -x^2 + y^2 = 1 + d x^2 y^2).
  feSq(uLane, y);
  feMul(vLane, uLane, feD);
  feSub(uLane, uLane, one);
  feAdd(vLane, vLane, one);

  // Candidate root x = u v^3 (u v^7)^((p-5)/8) (RFC 8032 §5.1.3 step 2).
  feSq(v3Lane, vLane);
  feMul(v3Lane, v3Lane, vLane); // v^3
  feSq(x, v3Lane);
  feMul(x, x, vLane); // v^7
  feMul(x, x, uLane); // u v^7
}

// Steps after the exponentiation (x holds (u v^7)^((p-5)/8)): the root check and the sign.
function decompressFinish(r: usize, s: usize, lane: usize): bool {
  const y = r + cY;
  const x = r + cX;
  const uLane = u + lane * 40;
  const vLane = v + lane * 40;
  const v3Lane = v3 + lane * 40;
  feMul(x, x, v3Lane);
  feMul(x, x, uLane);

  feSq(vxx, x);
  feMul(vxx, vxx, vLane);
  if (!feEqual(vxx, uLane)) {
    feNeg(negU, uLane);
    if (!feEqual(vxx, negU)) return false; // u / v is not a square: no such point
    feMul(x, x, feSqrtM1); // v x^2 = -u: the other root of -1 fixes it
  }

  // Sign bit = bit 255. For x = 0 with the bit set, -0 = 0: accepted (ZIP-215).
  const wantNegative = (load<u8>(s, 31) >> 7) != 0;
  if (feIsNegative(x) != wantNegative) feNeg(x, x);

  feMul(r + cT, x, y);
  return true;
}

/**
 * Decodes the 32-byte encoding at `s` into the P3 point `r`. Returns false (and leaves `r`
 * unspecified) only if no point has that y (ZIP-215).
 */
export function geDecompress(r: usize, s: usize): bool {
  decompressStart(r, s, 0);
  fePow22523(r + cX, r + cX);
  return decompressFinish(r, s, 0);
}

/**
 * Decodes two encodings at once (`s0` into `r0`, `s1` into `r1`), exactly as two calls of
 * geDecompress would, but with the two exponentiations (~250 squarings each, most of the
 * cost) run together in SIMD lanes. Returns bit 0 set iff the first decodes, bit 1 iff the
 * second does.
 */
export function geDecompressPair(r0: usize, s0: usize, r1: usize, s1: usize): i32 {
  decompressStart(r0, s0, 0);
  decompressStart(r1, s1, 1);
  fePow22523Pair(r0 + cX, r1 + cX, r0 + cX, r1 + cX);
  let decoded = 0;
  if (decompressFinish(r0, s0, 0)) decoded |= 1;
  if (decompressFinish(r1, s1, 1)) decoded |= 2;
  return decoded;
}
