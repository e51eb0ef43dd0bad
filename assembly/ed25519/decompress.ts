// Point decoding with ZIP-215 semantics (https://zips.z.cash/zip-0215).
//
// RFC 8032 §5.1.3 refuses y >= p and "x = 0 with the sign bit set"; ZIP-215 accepts both, so
// that every implementation reaches the same verdict on every 32-byte string: a string is
// refused only when (y^2 - 1) / (d y^2 + 1) has no square root mod p. Here y is decoded from
// the low 255 bits without a range check (arithmetic mod p reduces it), and the sign bit is
// applied by negation, which leaves x = 0 unchanged.

import {
  feAdd, feCarry, feD, feEqual, feFromBytes, feIsNegative, feMul, feNeg, feOne, fePow22523,
  feSq, feSqrtM1, feSub,
} from './field';
import { cT, cX, cY, cZ } from './point';

const u: usize = memory.data(40, 8);
const v: usize = memory.data(40, 8);
const v3: usize = memory.data(40, 8);
const vxx: usize = memory.data(40, 8);
const one: usize = memory.data(40, 8);
const negU: usize = memory.data(40, 8);

/**
 * Decodes the 32-byte encoding at `s` into the P3 point `r`. Returns false (and leaves `r`
 * unspecified) only if no point has that y (ZIP-215).
 */
export function geDecompress(r: usize, s: usize): bool {
  const y = r + cY;
  const x = r + cX;
  feFromBytes(y, s);
  feCarry(y, y); // y may be >= p: bring the limbs to the carried range the formulas assume
  feOne(r + cZ);
  feOne(one);

  // x^2 = u / v with u = y^2 - 1, v = d y^2 + 1 (from -x^2 + y^2 = 1 + d x^2 y^2).
  feSq(u, y);
  feMul(v, u, feD);
  feSub(u, u, one);
  feAdd(v, v, one);

  // Candidate root x = u v^3 (u v^7)^((p-5)/8) (RFC 8032 §5.1.3 step 2).
  feSq(v3, v);
  feMul(v3, v3, v); // v^3
  feSq(x, v3);
  feMul(x, x, v); // v^7
  feMul(x, x, u); // u v^7
  fePow22523(x, x);
  feMul(x, x, v3);
  feMul(x, x, u);

  feSq(vxx, x);
  feMul(vxx, vxx, v);
  if (!feEqual(vxx, u)) {
    feNeg(negU, u);
    if (!feEqual(vxx, negU)) return false; // u / v is not a square: no such point
    feMul(x, x, feSqrtM1); // v x^2 = -u: the other root of -1 fixes it
  }

  // Sign bit = bit 255. For x = 0 with the bit set, -0 = 0: accepted (ZIP-215).
  const wantNegative = (load<u8>(s, 31) >> 7) != 0;
  if (feIsNegative(x) != wantNegative) feNeg(x, x);

  feMul(r + cT, x, y);
  return true;
}
