// Points of the twisted Edwards curve -x^2 + y^2 = 1 + d x^2 y^2 (Ed25519, RFC 8032 §5.1).
//
// Coordinate systems (the "extended" coordinates of Hisil, Wong, Carter and Dawson, 2008,
// with the completed/cached forms used by ref10):
//   P3     (X : Y : Z : T)          x = X/Z, y = Y/Z, T = XY/Z            — 160 bytes
//   P2     (X : Y : Z), T unused    same as P3 without T                   — a P3 buffer
//   P1P1   (X : Y : Z : T)          x = X/Z, y = Y/T ("completed")        — 160 bytes
//   Cached (Y+X, Y-X, Z, 2dT)       a P3 ready to be added                 — 160 bytes
//   Niels  (y+x, y-x, 2dxy)         an affine point ready to be added      — 120 bytes
//                                   (2dxy sits at the Z offset)
// Doubling and addition return P1P1; converting P1P1 to P2 costs 3M and to P3 4M, so a
// doubling whose result is only doubled again skips T.
//
// The addition formulas are complete on this curve (a = -1 is a square, d is not), so they
// hold for every input, including the identity and the small-order points ZIP-215 admits.
// Outputs of type P1P1 must not alias the inputs; everything else may.

import {
  feAdd, feCopy, feD2, feEqual, feIsZero, feMul, feNeg, feOne, feSq, feSq2, feSub, feZero,
} from './field';

/** Byte offsets of the four coordinates in a 160-byte point (X, Y, Z, T / the cached fields). */
export const cX: usize = 0;
export const cY: usize = 40;
export const cZ: usize = 80;
export const cT: usize = 120;

/** Bytes in a P3, P1P1 or Cached point; a Niels point uses the first 120. */
export const pointBytes: usize = 160;
export const nielsBytes: usize = 120;

const addTemp: usize = memory.data(40, 8);
const dblTemp: usize = memory.data(40, 8);

/** p = the identity (0 : 1 : 1 : 0). */
export function geIdentity(p: usize): void {
  feZero(p + cX);
  feOne(p + cY);
  feOne(p + cZ);
  feZero(p + cT);
}

/** r (P3) = the P1P1 point p (4M). */
export function geP1P1ToP3(r: usize, p: usize): void {
  feMul(r + cX, p + cX, p + cT);
  feMul(r + cY, p + cY, p + cZ);
  feMul(r + cT, p + cX, p + cY);
  feMul(r + cZ, p + cZ, p + cT);
}

/** r (P2) = the P1P1 point p (3M). */
export function geP1P1ToP2(r: usize, p: usize): void {
  feMul(r + cX, p + cX, p + cT);
  feMul(r + cY, p + cY, p + cZ);
  feMul(r + cZ, p + cZ, p + cT);
}

/** r (Cached) = p (P3). */
export function geToCached(r: usize, p: usize): void {
  feAdd(r + cX, p + cY, p + cX);
  feSub(r + cY, p + cY, p + cX);
  feCopy(r + cZ, p + cZ);
  feMul(r + cT, p + cT, feD2);
}

/** r (P1P1) = 2p for p a P2 or P3 (4S; "dbl-2008-hwcd"). */
export function geDbl(r: usize, p: usize): void {
  feSq(r + cX, p + cX); // XX
  feSq(r + cZ, p + cY); // YY
  feSq2(r + cT, p + cZ); // 2ZZ
  feAdd(r + cY, p + cX, p + cY);
  feSq(dblTemp, r + cY); // (X+Y)^2
  feAdd(r + cY, r + cZ, r + cX); // YY + XX
  feSub(r + cZ, r + cZ, r + cX); // YY - XX
  feSub(r + cX, dblTemp, r + cY); // 2XY
  feSub(r + cT, r + cT, r + cZ); // 2ZZ - (YY - XX)
}

/** r (P1P1) = p (P3) + q (Cached) (4M; "add-2008-hwcd-3"). */
export function geAdd(r: usize, p: usize, q: usize): void {
  feAdd(r + cX, p + cY, p + cX);
  feSub(r + cY, p + cY, p + cX);
  feMul(r + cZ, r + cX, q + cX); // A = (Y1+X1)(Y2+X2)
  feMul(r + cY, r + cY, q + cY); // B = (Y1-X1)(Y2-X2)
  feMul(r + cT, q + cT, p + cT); // C = 2d T1 T2
  feMul(r + cX, p + cZ, q + cZ);
  feAdd(addTemp, r + cX, r + cX); // D = 2 Z1 Z2
  feSub(r + cX, r + cZ, r + cY); // A - B
  feAdd(r + cY, r + cZ, r + cY); // A + B
  feAdd(r + cZ, addTemp, r + cT); // D + C
  feSub(r + cT, addTemp, r + cT); // D - C
}

/** r (P1P1) = p (P3) - q (Cached): the addition of -q = (Y-X, Y+X, Z, -2dT). */
export function geSub(r: usize, p: usize, q: usize): void {
  feAdd(r + cX, p + cY, p + cX);
  feSub(r + cY, p + cY, p + cX);
  feMul(r + cZ, r + cX, q + cY);
  feMul(r + cY, r + cY, q + cX);
  feMul(r + cT, q + cT, p + cT);
  feMul(r + cX, p + cZ, q + cZ);
  feAdd(addTemp, r + cX, r + cX);
  feSub(r + cX, r + cZ, r + cY);
  feAdd(r + cY, r + cZ, r + cY);
  feSub(r + cZ, addTemp, r + cT);
  feAdd(r + cT, addTemp, r + cT);
}

/** r (P1P1) = p (P3) + q (Niels, affine) (3M: Z2 = 1 saves one). */
export function geAddNiels(r: usize, p: usize, q: usize): void {
  feAdd(r + cX, p + cY, p + cX);
  feSub(r + cY, p + cY, p + cX);
  feMul(r + cZ, r + cX, q + cX);
  feMul(r + cY, r + cY, q + cY);
  feMul(r + cT, q + cZ, p + cT); // C = 2d x2 y2 T1
  feAdd(addTemp, p + cZ, p + cZ);
  feSub(r + cX, r + cZ, r + cY);
  feAdd(r + cY, r + cZ, r + cY);
  feAdd(r + cZ, addTemp, r + cT);
  feSub(r + cT, addTemp, r + cT);
}

/** r (P1P1) = p (P3) - q (Niels, affine). */
export function geSubNiels(r: usize, p: usize, q: usize): void {
  feAdd(r + cX, p + cY, p + cX);
  feSub(r + cY, p + cY, p + cX);
  feMul(r + cZ, r + cX, q + cY);
  feMul(r + cY, r + cY, q + cX);
  feMul(r + cT, q + cZ, p + cT); // C = 2d x2 y2 T1
  feAdd(addTemp, p + cZ, p + cZ);
  feSub(r + cX, r + cZ, r + cY);
  feAdd(r + cY, r + cZ, r + cY);
  feSub(r + cZ, addTemp, r + cT);
  feAdd(r + cT, addTemp, r + cT);
}

/** r (P3) = -p (P3): (x, y) -> (-x, y). */
export function geNeg(r: usize, p: usize): void {
  feNeg(r + cX, p + cX);
  feCopy(r + cY, p + cY);
  feCopy(r + cZ, p + cZ);
  feNeg(r + cT, p + cT);
}

/** r = p, any 160-byte form. */
export function geCopy(r: usize, p: usize): void {
  memory.copy(r, p, 160);
}

/** True iff the P2/P3 point p is the identity: X = 0 and Y = Z (mod p). */
export function geIsIdentity(p: usize): bool {
  return feIsZero(p + cX) && feEqual(p + cY, p + cZ);
}

const cofactorTemp: usize = memory.data(160, 8);
const cofactorTemp2: usize = memory.data(160, 8);

/** True iff [8]p is the identity, for p a P3 (the cofactored check of ZIP-215). */
export function geIsSmallOrder(p: usize): bool {
  geDbl(cofactorTemp, p);
  geP1P1ToP2(cofactorTemp2, cofactorTemp);
  geDbl(cofactorTemp, cofactorTemp2);
  geP1P1ToP2(cofactorTemp2, cofactorTemp);
  geDbl(cofactorTemp, cofactorTemp2);
  geP1P1ToP2(cofactorTemp2, cofactorTemp);
  return geIsIdentity(cofactorTemp2);
}

/** r (P3) = the affine point (x, y): Z = 1, T = xy. */
export function geFromAffine(r: usize, x: usize, y: usize): void {
  feCopy(r + cX, x);
  feCopy(r + cY, y);
  feOne(r + cZ);
  feMul(r + cT, x, y);
}
