// The wasm-facing exports of SHA-512 and Ed25519 (re-exported by assembly/index.ts).
// Every export takes and returns plain numbers: pointers into the TypeScript-owned io region
// and counts (src/crypto/ed25519.ts documents the layouts).

import { verifySingle } from './verify';
import { geDecompress } from './decompress';
import { geIsSmallOrder, pointBytes } from './point';
import { ensureBaseTable } from './base';
import {
  acceptCandidates, batchScratchBytes, checkCandidatesInto, checkDifference, prepareBatch,
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

// Batch verification in steps, driven by the caller's policy for a batch that fails (batch.ts;
// src/crypto/ed25519-batch-policy.ts). Ranges are of candidates, not items.

/**
 * Prepares the packed batch at `packed` (layout in batch.ts) with 16-byte coefficients at
 * `coefficients` (followed by an 8-byte random hash seed) and `suspectCount` 32-byte suspect
 * keys at `suspects` (their items are verified singly now); one verdict byte per item goes
 * to `verdicts`. `scratch` must hold ed25519BatchScratchBytes(count, suspectCount) bytes.
 * Returns the candidate count.
 */
export function ed25519BatchPrepare(
  packed: usize, coefficients: usize, verdicts: usize, scratch: usize, suspects: usize, suspectCount: u32,
): u32 {
  return prepareBatch(packed, coefficients, verdicts, scratch, suspects, <usize>suspectCount);
}

/**
 * 1 iff the batch equation holds for candidates [from, to) of the prepared batch; keeps the
 * range's sum in `slot` (0 to 63) for ed25519BatchCheckDifference.
 */
export function ed25519BatchCheckInto(from: u32, to: u32, slot: u32): i32 {
  return checkCandidatesInto(<usize>from, <usize>to, <usize>slot) ? 1 : 0;
}

/**
 * 1 iff the batch equation holds for the candidates of the range summed in slot `whole` that
 * are not in the sub-range summed in slot `part`; the difference goes to slot `out`.
 */
export function ed25519BatchCheckDifference(whole: u32, part: u32, out: u32): i32 {
  return checkDifference(<usize>whole, <usize>part, <usize>out) ? 1 : 0;
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

/** Bytes of work area a prepared batch of `count` items with `suspectCount` suspect keys needs. */
export function ed25519BatchScratchBytes(count: u32, suspectCount: u32): u32 {
  return <u32>batchScratchBytes(<usize>count, <usize>suspectCount);
}
