/**
 * Proofs of presence and absence in the state tree, their verification and their canonical
 * bytes. The construction they check is stated in full in `state-tree.ts`'s header; in short:
 * keyHash = SHA-256(key), a binary trie over keyHash's bits (MSB of byte 0 first, 0 = left),
 * leaf = SHA-256(0x00 ‖ keyHash ‖ valueHash), node = SHA-256(0x01 ‖ left ‖ right), empty = 32
 * zero bytes, and a subtree holding one leaf is that leaf's hash.
 *
 * Verification needs nothing but the root, the key, the claimed value and the proof, so a
 * client holding only block headers can check any state fact.
 *
 * As in `src/crypto/merkle.ts`: bad input throws (a `TypeError` for a wrong type, a
 * `RangeError` for a wrong length, naming the function and the parameter); a well-formed
 * proof that does not prove the claim — wrong hashes, a sibling of the wrong length, too many
 * siblings — returns `false`.
 *
 * Canonical encoding (little-endian; `decodeStateProof` accepts exactly this and nothing else):
 * ```
 * offset 0   u8   version = 1
 * offset 1   u16  siblingCount (≤ stateProofSiblingsMax = 256)
 * offset 3   u8   hasLeaf (0 or 1)
 * offset 4   [32 keyHash ‖ 32 valueHash]       only if hasLeaf = 1
 * then       siblingCount × 32 bytes           siblings[0] (depth 1) first
 * ```
 */
import { ByteReader, ByteWriter } from '../bytes.js';
import { merkleLeafHash } from '../crypto/merkle.js';
import { sha256, sha256DigestBytes, sha256Wasm } from '../crypto/sha256.js';
import { memoryU8, reserveIo } from '../crypto/wasm.js';
import { DecodeError } from '../errors.js';
import { stateProofSiblingsMax } from '../limits.js';
import { describeValue, requireBytes, requireBytesArray, requireBytesOfLength } from '../validate.js';

const hashBytes = sha256DigestBytes;

/** The encoding version `encodeStateProof` writes and `decodeStateProof` accepts. */
export const stateProofVersion = 1;

/**
 * The root of the empty state map, and the hash of every empty subtree: 32 zero bytes (a
 * constant, not a hash, so an empty slot costs no hashing). This export is for comparison;
 * the tree keeps its own copy, so writing into it cannot corrupt a tree.
 */
export const stateEmptyRoot: Uint8Array = new Uint8Array(hashBytes);

/** The tree's private empty constant (see `stateEmptyRoot` for why it is not shared). */
const emptyHash = new Uint8Array(hashBytes);

/** A proof that a key is present with a value, or absent, in the state map with a given root. */
export interface StateProof {
  /** Sibling hashes from the root downward: siblings[i] is the sibling at depth i+1 on the key's path. */
  readonly siblings: readonly Uint8Array[];
  /** The leaf at the end of the path: for presence, the key's own; for absence, another key's leaf sharing the path, or null for an empty slot. */
  readonly leaf: {
    /** SHA-256 of the leaf's key: the path it sits on. */
    readonly keyHash: Uint8Array;
    /** SHA-256 of the leaf's value. */
    readonly valueHash: Uint8Array;
  } | null;
}

/**
 * @internal Bit `index` (0 ≤ index < 256) of a 32-byte key hash, most significant bit of
 * byte 0 first: the branch taken at depth `index` (0 = left). `at` is where the hash starts
 * in `bytes`, so packed hash buffers need no views.
 */
export function stateKeyBit(bytes: Uint8Array, at: number, index: number): number {
  return ((bytes[at + (index >>> 3)] as number) >>> (7 - (index & 7))) & 1;
}

/** @internal The leaf hash SHA-256(0x00 ‖ keyHash ‖ valueHash): RFC 9162's leaf hash of the 64 bytes. */
export function stateLeafHash(keyHash: Uint8Array, valueHash: Uint8Array): Uint8Array {
  const item = new Uint8Array(2 * hashBytes);
  item.set(keyHash, 0);
  item.set(valueHash, hashBytes);
  return merkleLeafHash(item);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/** True iff the first `bitCount` bits of two 32-byte hashes are equal. */
function prefixEqual(a: Uint8Array, b: Uint8Array, bitCount: number): boolean {
  for (let i = 0; i < bitCount; i++) if (stateKeyBit(a, 0, i) !== stateKeyBit(b, 0, i)) return false;
  return true;
}

/** Throws unless `value` has the shape of a StateProof (types only; lengths are the verifier's business). */
function checkProofShape(value: unknown, where: string): asserts value is StateProof {
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(`${where}: expected proof to be an object { siblings, leaf }, got ${describeValue(value)}`);
  }
  const proof = value as Record<string, unknown>;
  requireBytesArray(proof.siblings, 'proof.siblings', where, Number.MAX_SAFE_INTEGER);
  const leaf = proof.leaf;
  if (leaf === null) return;
  if (typeof leaf !== 'object' || leaf === undefined) {
    throw new TypeError(
      `${where}: expected proof.leaf to be null or { keyHash, valueHash }, got ${describeValue(leaf)}`,
    );
  }
  requireBytes((leaf as Record<string, unknown>).keyHash, 'proof.leaf.keyHash', where);
  requireBytes((leaf as Record<string, unknown>).valueHash, 'proof.leaf.valueHash', where);
}

/**
 * Verifies that `key` maps to `value` (or, with `value` undefined, is absent) in the state
 * map whose root is `stateRoot`.
 *
 * Starts from the leaf's hash (or the empty constant when `proof.leaf` is null), folds the
 * siblings bottom-up — siblings.length − 1 down to 0, the running hash on the side given by
 * bit i of SHA-256(key) — and compares with the root. Presence requires the leaf to be
 * (SHA-256(key), SHA-256(value)); absence requires no leaf, or another key's leaf whose first
 * siblings.length bits equal the key's (the one leaf in the subtree where the key would be).
 *
 * @throws TypeError/RangeError only for malformed arguments (a 31-byte root, a key that is not
 *   a Uint8Array, a proof that is not `{ siblings: Uint8Array[], leaf }`); a well-formed proof
 *   that does not prove the claim returns `false`.
 */
export function verifyStateProof(
  stateRoot: Uint8Array,
  key: Uint8Array,
  value: Uint8Array | undefined,
  proof: StateProof,
): boolean {
  const where = 'verifyStateProof';
  requireBytesOfLength(stateRoot, hashBytes, 'stateRoot', where);
  requireBytes(key, 'key', where);
  if (value !== undefined) requireBytes(value, 'value', where);
  checkProofShape(proof, where);
  const { siblings, leaf } = proof;
  if (siblings.length > stateProofSiblingsMax) return false;
  for (const sibling of siblings) if (sibling.length !== hashBytes) return false;
  if (leaf !== null && (leaf.keyHash.length !== hashBytes || leaf.valueHash.length !== hashBytes)) return false;
  const keyHash = sha256(key);
  if (value !== undefined) {
    if (leaf === null || !equalBytes(leaf.keyHash, keyHash) || !equalBytes(leaf.valueHash, sha256(value))) {
      return false;
    }
  } else if (leaf !== null) {
    // Another key's leaf proves absence only where that leaf sits alone in the key's subtree.
    if (equalBytes(leaf.keyHash, keyHash) || !prefixEqual(leaf.keyHash, keyHash, siblings.length)) return false;
  }
  const start = leaf === null ? emptyHash : stateLeafHash(leaf.keyHash, leaf.valueHash);
  return equalBytes(foldSiblings(start, keyHash, siblings), stateRoot);
}

/**
 * The root that `siblings` lead to from `start` at the end of `keyHash`'s path: bottom-up,
 * SHA-256(0x01 ‖ running ‖ sibling) where the path goes left, (0x01 ‖ sibling ‖ running)
 * where it goes right. Runs in one io buffer — [0x01 | left | right] at `base`, the running
 * hash at `base + 96` — on the wasm scalar path, so a 20-deep proof makes no allocations
 * (the SIMD level path would hash three idle lanes for one node).
 */
function foldSiblings(start: Uint8Array, keyHash: Uint8Array, siblings: readonly Uint8Array[]): Uint8Array {
  const base = reserveIo(128);
  const running = base + 96;
  const memory = memoryU8();
  memory[base] = 0x01;
  memory.set(start, running);
  for (let depth = siblings.length - 1; depth >= 0; depth--) {
    const bit = stateKeyBit(keyHash, 0, depth);
    memory.copyWithin(base + 1 + hashBytes * bit, running, running + hashBytes);
    memory.set(siblings[depth] as Uint8Array, base + 1 + hashBytes * (1 - bit));
    sha256Wasm.sha256(base, 1 + 2 * hashBytes, running);
  }
  return memory.slice(running, running + hashBytes);
}

/**
 * The canonical bytes of `proof` (layout in this file's header).
 *
 * @throws TypeError for a proof of the wrong shape; RangeError for hashes that are not 32
 *   bytes or more than `stateProofSiblingsMax` siblings (such a proof has no encoding).
 */
export function encodeStateProof(proof: StateProof): Uint8Array {
  const where = 'encodeStateProof';
  checkProofShape(proof, where);
  const { siblings, leaf } = proof;
  if (siblings.length > stateProofSiblingsMax) {
    throw new RangeError(`${where}: proof.siblings has ${siblings.length} items, limit ${stateProofSiblingsMax}`);
  }
  for (let i = 0; i < siblings.length; i++) {
    requireBytesOfLength(siblings[i], hashBytes, `proof.siblings[${i}]`, where);
  }
  const writer = new ByteWriter(4 + 2 * hashBytes + siblings.length * hashBytes);
  writer
    .u8(stateProofVersion)
    .u16(siblings.length)
    .bool(leaf !== null);
  if (leaf !== null) {
    requireBytesOfLength(leaf.keyHash, hashBytes, 'proof.leaf.keyHash', where);
    requireBytesOfLength(leaf.valueHash, hashBytes, 'proof.leaf.valueHash', where);
    writer.fixed(leaf.keyHash).fixed(leaf.valueHash);
  }
  for (const sibling of siblings) writer.fixed(sibling);
  return writer.finish();
}

/**
 * Reads a proof from its canonical bytes. The result's hashes are copies, not views of `bytes`.
 *
 * @throws TypeError if `bytes` is not a Uint8Array; `DecodeError` (src/errors.ts, naming the
 *   field and its byte offset) for short input, an unknown version, `hasLeaf` ∉ {0, 1}, more
 *   than `stateProofSiblingsMax` siblings, or trailing bytes.
 */
export function decodeStateProof(bytes: Uint8Array): StateProof {
  requireBytes(bytes, 'bytes', 'decodeStateProof');
  const reader = new ByteReader(bytes);
  const version = reader.u8('stateProof.version');
  if (version !== stateProofVersion) {
    throw new DecodeError('stateProof.version', 0, `expected version ${stateProofVersion}, got ${version}`);
  }
  const siblingCount = reader.u16('stateProof.siblingCount');
  if (siblingCount > stateProofSiblingsMax) {
    throw new DecodeError('stateProof.siblingCount', 1, `${siblingCount} exceeds limit ${stateProofSiblingsMax}`);
  }
  const hasLeaf = reader.bool('stateProof.hasLeaf');
  const leaf = hasLeaf
    ? {
        keyHash: reader.fixed(hashBytes, 'stateProof.leaf.keyHash').slice(),
        valueHash: reader.fixed(hashBytes, 'stateProof.leaf.valueHash').slice(),
      }
    : null;
  const siblings: Uint8Array[] = [];
  for (let i = 0; i < siblingCount; i++) siblings.push(reader.fixed(hashBytes, `stateProof.siblings[${i}]`).slice());
  reader.end('stateProof');
  return { siblings, leaf };
}
