// Batch verification with ZIP-215 semantics, so that batch verdicts equal single verdicts.
//
// For items i with random 128-bit coefficients z_i (drawn by the caller from a CSPRNG):
//   [8]( [sum z_i S_i]B - sum [z_i]R_i - sum [z_i k_i]A_i ) = identity
// holds whenever every item satisfies its own cofactored equation (each term is then a small-
// order point, killed by [8]), and fails with probability ~2^-128 otherwise. A and R are
// stored negated so every scalar of the multi-scalar multiplication is positive. Items with
// the same public key bytes share one decoded point and one summed scalar.
//
// Items that cannot verify (S >= L, an undecodable A or R) are refused up front and left out
// of the equation, and so are items whose key the caller names as a suspect (a key that sent
// bad signatures recently): those are verified one by one during preparation, from the points
// and k already computed. The caller settles the rest (src/crypto/ed25519-batch-policy.ts):
// it checks the equation on ranges, accepts ranges that hold and verifies the others singly,
// again from the prepared data (verify.ts, verifyDecoded), so every "invalid" verdict is
// exactly the single verdict.
//
// Layout of the packed input (written by src/crypto/ed25519.ts, which documents it too):
//   u32 count | u32 messageBytesTotal | count records of 104 bytes:
//     publicKey[32] | signature[64] | u32 messageOffset | u32 messageLength
//   | message bytes (offsets are relative to the start of this area)

import { sha512Final, sha512Init, sha512Update } from '../sha512';
import { ensureBaseTable } from './base';
import { geDecompress, geDecompressPair } from './decompress';
import { msmPippenger, msmScratchBytes, msmStraus, pippengerScratchBytes, pippengerWindowBits } from './msm';
import { geIsSmallOrder, geNeg, geP1P1ToP3, geSub, geToCached, pointBytes } from './point';
import { scAdd, scIsCanonical, scMulAdd, scReduce64 } from './scalar';
import { verifyDecoded } from './verify';

/** Bytes of one item record in the packed input. */
export const recordBytes: usize = 104;
/** Bytes before the first record. */
export const headerBytes: usize = 8;
/** Bytes of one coefficient z_i. */
export const coefficientBytes: usize = 16;

// Work-area layout for n items (offsets from the scratch base), computed once per call.
let itemR: usize = 0; // n P3 points: -R_i
let itemZ: usize = 0; // n 32-byte scalars: z_i
let itemZK: usize = 0; // n 32-byte scalars: z_i k_i mod L
let itemZS: usize = 0; // n 32-byte scalars: z_i S_i mod L
let itemK: usize = 0; // n 32-byte scalars: k_i = SHA-512(R ‖ A ‖ M) mod L
let itemKey: usize = 0; // n u32: index of the item's distinct public key
let candidates: usize = 0; // n u32: items that passed the up-front checks, in order
let keyPoint: usize = 0; // n P3 points: -A per distinct key
let keyScalar: usize = 0; // n 32-byte scalars: summed z_i k_i of one subset
let keyStamp: usize = 0; // n u32: subset number that last touched keyScalar
let keyItem: usize = 0; // n u32: an item carrying this key (for the byte comparison)
let keyAlone: usize = 0; // n u8: 1 if the key is a suspect (its items are verified singly)
let keySlots: usize = 0; // hash table of keys: u32 key index + 1, 0 = empty
let keySlotMask: usize = 0;
let entries: usize = 0; // (2n) entries of (point pointer, scalar pointer) for the MSM
let msmScratch: usize = 0;
let scratchEnd: usize = 0;
let suspectSlots: usize = 0; // hash table of suspect keys: u32 index + 1 into the caller's list, 0 = empty
let suspectSlotMask: usize = 0;
let suspectsBase: usize = 0; // the caller's suspect keys, 32 bytes each

let keyCount: usize = 0;
let keyHashSeed: u64 = 0;
let stamp: u32 = 0;
let packedBase: usize = 0;
let messagesBase: usize = 0;
let verdictBase: usize = 0;

function slotCountFor(n: usize): usize {
  let slots: usize = 16;
  while (slots < (n << 1)) slots <<= 1;
  return slots;
}

// Lays out the work area for n items from `scratch`; returns its end.
function layout(scratch: usize, n: usize): usize {
  let at = (scratch + 7) & ~<usize>7;
  itemR = at; at += n * pointBytes;
  itemZ = at; at += n << 5;
  itemZK = at; at += n << 5;
  itemZS = at; at += n << 5;
  itemK = at; at += n << 5;
  itemKey = at; at += n << 2;
  candidates = at; at += n << 2;
  keyPoint = at; at += n * pointBytes;
  keyScalar = at; at += n << 5;
  keyStamp = at; at += n << 2;
  keyItem = at; at += n << 2;
  keyAlone = at; at += (n + 7) & ~<usize>7;
  const slots = slotCountFor(n);
  keySlots = at; at += slots << 2;
  keySlotMask = slots - 1;
  entries = at; at += (n << 1) << 3;
  msmScratch = at; at += max(msmScratchBytes(n << 1), pippengerScratchBytes(n << 1, pippengerWindowBits(n << 1)));
  return at;
}

/**
 * Bytes of work area a prepared batch of `count` items needs, with `suspectCount` suspect
 * keys (including alignment slack).
 */
export function batchScratchBytes(count: usize, suspectCount: usize): usize {
  return layout(0, count) + 8 + (slotCountFor(suspectCount) << 2);
}

// @ts-ignore: decorator
@inline function record(i: usize): usize {
  return packedBase + headerBytes + i * recordBytes;
}

function keysEqual(a: usize, b: usize): bool {
  return load<u64>(a) == load<u64>(b) && load<u64>(a, 8) == load<u64>(b, 8) &&
    load<u64>(a, 16) == load<u64>(b, 16) && load<u64>(a, 24) == load<u64>(b, 24);
}

const keyBad: u32 = 0xffffffff;
const PIPPENGER_MIN: usize = 192;

// Set by internKey: whether the item's R decoded.
let rDecoded = false;

// Decodes the item's R (the 32 bytes at `rBytes`) into `r`, setting rDecoded, and returns the
// index of the distinct key with the bytes at `publicKey`, or keyBad if that key does not
// decode. A key seen for the first time is decoded together with R (geDecompressPair runs the
// two square roots in SIMD lanes); undecodable keys are remembered too.
// Keys are attacker-chosen: a fixed hash would let a batch of crafted keys share one probe
// chain (quadratic time). Seeding with 8 random bytes drawn per call keeps chains short.
function keyHash(publicKey: usize): u64 {
  let h = keyHashSeed;
  h = (h ^ load<u64>(publicKey)) * 0x9e3779b97f4a7c15;
  h = (h ^ load<u64>(publicKey, 8)) * 0xbf58476d1ce4e5b9;
  h = (h ^ load<u64>(publicKey, 16)) * 0x94d049bb133111eb;
  h = (h ^ load<u64>(publicKey, 24)) * 0x9e3779b97f4a7c15;
  return h ^ (h >> 29);
}

// Whether the 32 bytes at `publicKey` are one of the caller's suspect keys.
function isSuspect(publicKey: usize): bool {
  if (suspectSlotMask == 0) return false;
  let slot = <usize>(keyHash(publicKey) >> 32) & suspectSlotMask;
  while (true) {
    const entry = load<u32>(suspectSlots + (slot << 2));
    if (entry == 0) return false;
    if (keysEqual(suspectsBase + (<usize>(entry - 1) << 5), publicKey)) return true;
    slot = (slot + 1) & suspectSlotMask;
  }
}

// Fills the suspect table from the caller's `count` keys at `suspects` (duplicates harmless).
function loadSuspects(suspects: usize, count: usize): void {
  suspectsBase = suspects;
  if (count == 0) {
    suspectSlotMask = 0;
    return;
  }
  const slots = slotCountFor(count);
  suspectSlots = (scratchEnd + 7) & ~<usize>7;
  suspectSlotMask = slots - 1;
  memory.fill(suspectSlots, 0, slots << 2);
  for (let j: usize = 0; j < count; j++) {
    let slot = <usize>(keyHash(suspects + (j << 5)) >> 32) & suspectSlotMask;
    while (load<u32>(suspectSlots + (slot << 2)) != 0) slot = (slot + 1) & suspectSlotMask;
    store<u32>(suspectSlots + (slot << 2), <u32>j + 1);
  }
}

function internKey(publicKey: usize, item: usize, r: usize, rBytes: usize): u32 {
  const h = keyHash(publicKey);
  let slot = <usize>(h >> 32) & keySlotMask;
  while (true) {
    const entry = load<u32>(keySlots + (slot << 2));
    if (entry == 0) break;
    const key = <usize>(entry - 1);
    if (keysEqual(record(<usize>load<u32>(keyItem + (key << 2))), publicKey)) {
      rDecoded = geDecompress(r, rBytes);
      return load<u32>(keyStamp + (key << 2)) == keyBad ? keyBad : <u32>key;
    }
    slot = (slot + 1) & keySlotMask;
  }
  const key = keyCount++;
  store<u32>(keySlots + (slot << 2), <u32>key + 1);
  store<u32>(keyItem + (key << 2), <u32>item);
  const point = keyPoint + key * pointBytes;
  const decoded = geDecompressPair(r, rBytes, point, publicKey);
  rDecoded = (decoded & 1) != 0;
  if ((decoded & 2) == 0) {
    store<u32>(keyStamp + (key << 2), keyBad);
    return keyBad;
  }
  geNeg(point, point);
  store<u32>(keyStamp + (key << 2), 0);
  store<u8>(keyAlone + key, isSuspect(publicKey) ? 1 : 0);
  return <u32>key;
}

const digest: usize = memory.data(64, 8);
const zero32: usize = memory.data(32, 8);

// Up-front checks and per-item precomputation. Returns the number of candidates.
function prepare(n: usize, coefficients: usize): usize {
  let count: usize = 0;
  for (let i: usize = 0; i < n; i++) {
    store<u8>(verdictBase + i, 0);
    const rec = record(i);
    const publicKey = rec;
    const signature = rec + 32;
    const s = signature + 32;
    if (!scIsCanonical(s)) continue;
    // An item whose R or A does not decode is refused (as verifySingle does). Its key is
    // still interned: a key's decoding does not depend on the item that brought it.
    const r = itemR + i * pointBytes;
    const key = internKey(publicKey, i, r, signature);
    if (!rDecoded) continue;
    geNeg(r, r);
    if (key == keyBad) continue;
    store<u32>(itemKey + (i << 2), key);

    const messageOffset = <usize>load<u32>(rec, 96);
    const messageLength = <usize>load<u32>(rec, 100);
    sha512Init();
    sha512Update(signature, 32);
    sha512Update(publicKey, 32);
    sha512Update(messagesBase + messageOffset, messageLength);
    sha512Final(digest);
    const k = itemK + (i << 5);
    scReduce64(k, digest);
    if (load<u8>(keyAlone + key) != 0) {
      // A suspect's item: verified on its own now, so it cannot fail a check for the others.
      store<u8>(verdictBase + i, verifyDecoded(keyPoint + <usize>key * pointBytes, r, k, s) ? 1 : 0);
      continue;
    }

    // z_i: 16 bytes from the caller, zero-extended; z = 0 would drop the item from the
    // equation, so it becomes 1 (probability 2^-128, and harmless).
    const z = itemZ + (i << 5);
    memory.fill(z, 0, 32);
    memory.copy(z, coefficients + (i << 4), 16);
    if ((load<u64>(z) | load<u64>(z, 8)) == 0) store<u8>(z, 1);
    scMulAdd(itemZK + (i << 5), z, k, zero32);
    scMulAdd(itemZS + (i << 5), z, s, zero32);
    store<u32>(candidates + (count << 2), <u32>i);
    count++;
  }
  return count;
}

/**
 * Multi-scalar multiplications with at least this many points use Pippenger, smaller ones
 * Straus. Measured on distinct keys (two points a signature), after the SIMD field and
 * decoding work, in µs a signature, Straus / Pippenger: 128 points 44.1 / 44.9, 192 points
 * 45.5 / 44.1, 256 points 47.8 / 39.8, 320 points 44.1 / 39.1 (it was 384 before).
 */
export let pippengerMinPoints: usize = PIPPENGER_MIN;

/** Test hook: sets pippengerMinPoints (0 restores the measured default). */
export function setPippengerMinPoints(points: usize): void {
  pippengerMinPoints = points == 0 ? PIPPENGER_MIN : points;
}

const baseScalar: usize = memory.data(32, 8);
const sum: usize = memory.data(160, 8);

// Checks the batch equation for candidates[from, to).
function checkRange(from: usize, to: usize): bool {
  stamp++;
  if (stamp == keyBad) stamp = 1;
  memory.fill(baseScalar, 0, 32);
  let count: usize = 0;
  for (let c = from; c < to; c++) {
    const i = <usize>load<u32>(candidates + (c << 2));
    scAdd(baseScalar, baseScalar, itemZS + (i << 5));
    const key = <usize>load<u32>(itemKey + (i << 2));
    const keyScalarAt = keyScalar + (key << 5);
    if (load<u32>(keyStamp + (key << 2)) != stamp) {
      store<u32>(keyStamp + (key << 2), stamp);
      memory.copy(keyScalarAt, itemZK + (i << 5), 32);
      store<u32>(entries + (count << 3), <u32>(keyPoint + key * pointBytes));
      store<u32>(entries + (count << 3) + 4, <u32>keyScalarAt);
      count++;
    } else {
      scAdd(keyScalarAt, keyScalarAt, itemZK + (i << 5));
    }
    store<u32>(entries + (count << 3), <u32>(itemR + i * pointBytes));
    store<u32>(entries + (count << 3) + 4, <u32>(itemZ + (i << 5)));
    count++;
  }
  if (count >= pippengerMinPoints) msmPippenger(sum, baseScalar, entries, count, msmScratch, pippengerWindowBits(count));
  else msmStraus(sum, baseScalar, entries, count, msmScratch);
  return geIsSmallOrder(sum);
}

// Batch verification in steps, for a caller that settles a failed batch by its own policy
// (src/crypto/ed25519-batch-policy.ts: how much to bisect, when to verify singly): prepare once,
// then check, accept and single-verify ranges of the candidates, in any order. The prepared
// state lives in this module's globals and the caller's scratch until the next prepare, so
// nothing else may use the io region in between.

let preparedCount: usize = 0;

/**
 * Prepares the packed batch at `packed` (layout above) for checking, with the coefficients at
 * `coefficients` (16 bytes per item, then 8 more random bytes that seed the key hash tables)
 * and `suspectCount` suspect keys of 32 bytes at `suspects`; `scratch` must hold
 * batchScratchBytes(count, suspectCount) bytes. Every verdict byte at `verdicts` starts at 0;
 * items that cannot verify (S >= L, an undecodable A or R) are left out; items of suspect keys
 * are verified singly now; the rest become the candidates, in item order. Returns the number
 * of candidates.
 */
export function prepareBatch(
  packed: usize, coefficients: usize, verdicts: usize, scratch: usize, suspects: usize, suspectCount: usize,
): u32 {
  const n = <usize>load<u32>(packed);
  packedBase = packed;
  messagesBase = packed + headerBytes + n * recordBytes;
  verdictBase = verdicts;
  scratchEnd = layout(scratch, n);
  memory.fill(keySlots, 0, (keySlotMask + 1) << 2);
  keyCount = 0;
  keyHashSeed = load<u64>(coefficients + (n << 4)); // 8 random bytes after the coefficients
  stamp = 0;
  loadSuspects(suspects, suspectCount);
  ensureBaseTable();
  preparedCount = prepare(n, coefficients);
  return <u32>preparedCount;
}

// Kept on in release builds: a range outside the prepared candidates would read another
// call's scratch, so the entry points trap on one instead.
// @ts-ignore: decorator
@inline function checkCandidateRange(from: usize, to: usize): void {
  if (from > to || to > preparedCount) unreachable();
}

// Sums of checked ranges, kept so that the check of a range's second half is a subtraction
// (the sum of a range is the sum of its halves', up to a torsion point that [8] kills).
const sumSlotCount: usize = 64;
const sumSlots: usize = memory.data(<i32>(sumSlotCount * pointBytes), 8);
const differenceCached: usize = memory.data(160, 8);
const differenceCompleted: usize = memory.data(160, 8);

// Kept on in release builds, like the range check: a slot past the table would overwrite
// other static data.
// @ts-ignore: decorator
@inline function sumSlot(slot: usize): usize {
  if (slot >= sumSlotCount) unreachable();
  return sumSlots + slot * pointBytes;
}

/**
 * True iff the batch equation holds for candidates[from, to) (nothing is marked); keeps the
 * range's sum in `slot` (of sumSlotCount) for checkDifference.
 */
export function checkCandidatesInto(from: usize, to: usize, slot: usize): bool {
  checkCandidateRange(from, to);
  const out = sumSlot(slot);
  if (from == to) {
    memory.fill(out, 0, pointBytes);
    return true;
  }
  const holds = checkRange(from, to);
  memory.copy(out, sum, pointBytes);
  return holds;
}

/**
 * The check of a range's complement within a checked range, at the cost of a subtraction:
 * `out` = the sum in `whole` minus the sum in `part` (slots filled by checkCandidatesInto or
 * this function), and true iff [8] of it is the identity — the batch equation of the items of
 * `whole` not in `part`, under the same coefficients.
 */
export function checkDifference(whole: usize, part: usize, out: usize): bool {
  geToCached(differenceCached, sumSlot(part));
  geSub(differenceCompleted, sumSlot(whole), differenceCached);
  geP1P1ToP3(sumSlot(out), differenceCompleted);
  return geIsSmallOrder(sumSlot(out));
}

/** Marks candidates[from, to) valid (after checkCandidatesInto held for a range covering them). */
export function acceptCandidates(from: usize, to: usize): void {
  checkCandidateRange(from, to);
  for (let c = from; c < to; c++) store<u8>(verdictBase + <usize>load<u32>(candidates + (c << 2)), 1);
}

/**
 * Settles candidates[from, to) by single verification, from the points and k the preparation
 * decoded and computed; returns how many were valid.
 */
export function verifyCandidatesSingly(from: usize, to: usize): u32 {
  checkCandidateRange(from, to);
  let valid: u32 = 0;
  for (let c = from; c < to; c++) {
    const i = <usize>load<u32>(candidates + (c << 2));
    const key = <usize>load<u32>(itemKey + (i << 2));
    const ok = verifyDecoded(keyPoint + key * pointBytes, itemR + i * pointBytes, itemK + (i << 5), record(i) + 64);
    store<u8>(verdictBase + i, ok ? 1 : 0);
    if (ok) valid++;
  }
  return valid;
}
