// Test hooks of the Ed25519 arithmetic: exported by the debug build only (assembly/debug.ts),
// never by the release module users load. test/crypto checks them against BigInt.

import { setPippengerMinPoints } from './batch';
import {
  feFromBytes, feInvert, feMul, fePow22523, fePow22523Pair, feSq, feSq2, feSqN, feSqN2, feToBytes,
} from './field';
import { scHalfGcd } from './halfgcd';
import { scMulAdd, scReduce64 } from './scalar';

/** Test hook: 32-byte `out` = the 64-byte little-endian number at `src` mod L. */
export function ed25519ScalarReduce64(out: usize, src: usize): void {
  scReduce64(out, src);
}

/** Test hook: 32-byte `out` = a * b + c mod L for 32-byte little-endian a, b, c. */
export function ed25519ScalarMulAdd(out: usize, a: usize, b: usize, c: usize): void {
  scMulAdd(out, a, b, c);
}

/**
 * Test hook: for the 32-byte scalar k < L at `k`, writes r (32 bytes) and |t| (32 bytes) with
 * r = t k mod L, r < 2^126, 0 < |t| < 2^127; returns 1 iff t is negative.
 */
export function ed25519ScalarHalfGcd(rOut: usize, tOut: usize, k: usize): i32 {
  return scHalfGcd(rOut, tOut, k) ? 1 : 0;
}

/** Test and benchmark hook: multi-scalar multiplications of at least `points` points use
 * Pippenger instead of Straus (0 restores the measured default). */
export function ed25519SetPippengerMinPoints(points: u32): void {
  setPippengerMinPoints(<usize>points);
}

// Test hooks for the field arithmetic (test/crypto/field25519.test.ts checks them against
// BigInt). Elements are 40 bytes: ten i32 limbs in radix 2^25.5 (field.ts).

/** Test hook: out = f * g mod p. */
export function ed25519FieldMul(out: usize, f: usize, g: usize): void {
  feMul(out, f, g);
}

/** Test hook: out = f^2 mod p. */
export function ed25519FieldSq(out: usize, f: usize): void {
  feSq(out, f);
}

/** Test hook: out = 2 f^2 mod p. */
export function ed25519FieldSq2(out: usize, f: usize): void {
  feSq2(out, f);
}

/** Test hook: out = f^(2^n) mod p. */
export function ed25519FieldSqN(out: usize, f: usize, n: i32): void {
  feSqN(out, f, n);
}

/** Test hook: out0 = f^(2^n), out1 = g^(2^n) mod p (two lanes at once). */
export function ed25519FieldSqN2(out0: usize, out1: usize, f: usize, g: usize, n: i32): void {
  feSqN2(out0, out1, f, g, n);
}

/** Test hook: out0 = f^((p - 5) / 8), out1 = g^((p - 5) / 8) (two lanes at once). */
export function ed25519FieldPow22523Pair(out0: usize, out1: usize, f: usize, g: usize): void {
  fePow22523Pair(out0, out1, f, g);
}

/** Test hook: out = 1 / f mod p (0 for f = 0). */
export function ed25519FieldInvert(out: usize, f: usize): void {
  feInvert(out, f);
}

/** Test hook: out = f^((p - 5) / 8) mod p, the exponentiation of the square root. */
export function ed25519FieldPow22523(out: usize, f: usize): void {
  fePow22523(out, f);
}

/** Test hook: 32-byte `out` = the canonical encoding of f. */
export function ed25519FieldToBytes(out: usize, f: usize): void {
  feToBytes(out, f);
}

/** Test hook: out = the element of the 32 bytes at `s` (bit 255 ignored). */
export function ed25519FieldFromBytes(out: usize, s: usize): void {
  feFromBytes(out, s);
}

