// The wasm-facing exports of SHA-512 and Ed25519 (re-exported by assembly/index.ts).
// Every export takes and returns plain numbers: pointers into the TypeScript-owned io region
// and counts (src/crypto/ed25519.ts documents the layouts).

import { verifySingle } from './verify';
import { geDecompress } from './decompress';
import { geIsSmallOrder, pointBytes } from './point';
import { scMulAdd, scReduce64 } from './scalar';
import { scHalfGcd } from './halfgcd';
import {
  feFromBytes, feInvert, feMul, fePow22523, fePow22523Pair, feSq, feSq2, feSqN, feSqN2, feToBytes,
} from './field';
import { ensureBaseTable } from './base';
import {
  acceptCandidates, batchScratchBytes, checkCandidates, prepareBatch, setPippengerMinPoints, verifyBatch,
  verifyCandidatesSingly,
} from './batch';

export { sha512, sha512Many } from '../sha512';

/** Builds the static base-point table now rather than on first verification. */
export function ed25519Init(): void {
  ensureBaseTable();
}

/** 1 iff the signature (64 bytes at `signature`) on the message is valid for the 32-byte key. */
export function ed25519Verify(publicKey: usize, signature: usize, message: usize, messageLength: usize): i32 {
  return verifySingle(publicKey, signature, message, messageLength) ? 1 : 0;
}

/**
 * Verifies the packed batch at `packed` (layout in batch.ts) with 16-byte coefficients at
 * `coefficients` (followed by an 8-byte random hash seed); writes one verdict byte per item
 * to `verdicts`; returns the valid count.
 * `scratch` must hold ed25519BatchScratchBytes(count) bytes.
 */
export function ed25519VerifyBatch(packed: usize, coefficients: usize, verdicts: usize, scratch: usize): u32 {
  return verifyBatch(packed, coefficients, verdicts, scratch);
}

// The steps of ed25519VerifyBatch, for a caller with its own policy for a batch that fails
// (batch.ts; src/crypto/ed25519-batch-policy.ts). Ranges are of candidates, not items.

/** Prepares a packed batch (arguments as ed25519VerifyBatch); returns the candidate count. */
export function ed25519BatchPrepare(packed: usize, coefficients: usize, verdicts: usize, scratch: usize): u32 {
  return prepareBatch(packed, coefficients, verdicts, scratch);
}

/** 1 iff the batch equation holds for candidates [from, to) of the prepared batch. */
export function ed25519BatchCheck(from: u32, to: u32): i32 {
  return checkCandidates(<usize>from, <usize>to) ? 1 : 0;
}

/** Marks candidates [from, to) valid. */
export function ed25519BatchAccept(from: u32, to: u32): void {
  acceptCandidates(<usize>from, <usize>to);
}

/** Verifies candidates [from, to) one by one, writing their verdicts; returns the valid count. */
export function ed25519BatchVerifySingly(from: u32, to: u32): u32 {
  return verifyCandidatesSingly(<usize>from, <usize>to);
}

const keyCheckPoint: usize = memory.data(<i32>pointBytes, 8);

/**
 * Classifies the 32-byte public key at `publicKey` for registration: 0 if it decodes (ZIP-215,
 * non-canonical encodings included) to a point not of small order; 1 if it does not decode;
 * 2 if [8]A is the identity. A small-order key is refused at registration because under the
 * cofactored ZIP-215 equation it verifies forged signatures (A = identity, R = identity,
 * S = 0 passes for every message).
 */
export function ed25519CheckPublicKey(publicKey: usize): i32 {
  if (!geDecompress(keyCheckPoint, publicKey)) return 1;
  return geIsSmallOrder(keyCheckPoint) ? 2 : 0;
}

/** Bytes of work area ed25519VerifyBatch needs for `count` items. */
export function ed25519BatchScratchBytes(count: u32): u32 {
  return <u32>batchScratchBytes(<usize>count);
}

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

