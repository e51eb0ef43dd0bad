/**
 * Merkle trees per RFC 9162 §2.1 (Certificate Transparency v2, same hashing as RFC 6962):
 * leaf hash `SHA-256(0x00 ‖ d)`, node hash `SHA-256(0x01 ‖ left ‖ right)`, a tree of n
 * leaves splits at the largest power of two below n, the empty tree's root is SHA-256 of
 * nothing, and no odd node is ever duplicated (Bitcoin's CVE-2012-2459).
 *
 * Hashing runs in wasm a whole level per call, four nodes at a time in SIMD lanes. Levels
 * are computed bottom-up, an odd level carrying its last node up unchanged; node i of level
 * j is then exactly MTH(D[i·2^j : min((i+1)·2^j, n)]), which is how every proof below
 * reads the tree without rehashing.
 */
import { batchBytesMax, merkleLeavesMax, merkleProofHashesMax, messageBytesMax } from '../limits.js';
import { requireBytes, requireBytesArray, requireBytesOfLength, requireInteger } from '../validate.js';
import { align16, itemsBytes, itemsDataAt, itemsUniform32, writeItems } from './items.js';
import {
  sha256DigestBytes,
  sha256Wasm,
  wasmMerkleLeafHashes,
  wasmMerkleLeafHashes32,
  wasmMerkleNodeLevel,
} from './sha256.js';
import { memoryU8, reserveIo } from './wasm.js';

const hashBytes = sha256DigestBytes;

/** An RFC 9162 §2.1.3 inclusion proof: the audit path from leaf `leafIndex` to the root. */
export interface MerkleInclusionProof {
  /** Index of the proven leaf, 0-based. */
  readonly leafIndex: number;
  /** Number of leaves in the tree the proof is for. */
  readonly treeSize: number;
  /** Sibling hashes, bottom-up (RFC 9162 PATH). */
  readonly path: readonly Uint8Array[];
}

/** RFC 9162 §2.1.1: the root of the empty tree is SHA-256 of the empty string. */
const emptyRoot = Uint8Array.from(
  Buffer.from('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex'),
);

function largestPowerOfTwoBelow(n: number): number {
  // n ≥ 2; the largest k = 2^i with k < n.
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function ceilLog2(n: number): number {
  let level = 0;
  while (2 ** level < n) level++;
  return level;
}

/**
 * SHA-256(0x01 ‖ left ‖ right) on the wasm scalar path: one node at a time, as proof
 * verification needs them (the SIMD level path would hash three idle lanes alongside).
 */
function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  const base = reserveIo(128);
  const memory = memoryU8();
  memory[base] = 0x01;
  memory.set(left, base + 1);
  memory.set(right, base + 1 + hashBytes);
  sha256Wasm.sha256(base, 1 + 2 * hashBytes, base + 96);
  return memory.slice(base + 96, base + 96 + hashBytes);
}

/** RFC 9162 §2.1.1 leaf hash SHA-256(0x00 ‖ leaf). */
export function merkleLeafHash(leaf: Uint8Array): Uint8Array {
  requireBytes(leaf, 'leaf', 'merkleLeafHash');
  if (leaf.length > messageBytesMax) {
    throw new RangeError(`merkleLeafHash: leaf has ${leaf.length} bytes, limit ${messageBytesMax}`);
  }
  const base = reserveIo(1 + leaf.length + 63 + hashBytes);
  const out = base + ((1 + leaf.length + 63) & ~63);
  const memory = memoryU8();
  memory[base] = 0x00;
  memory.set(leaf, base + 1);
  sha256Wasm.sha256(base, 1 + leaf.length, out);
  return memoryU8().slice(out, out + hashBytes);
}

/** RFC 9162 §2.1.1 interior node hash SHA-256(0x01 ‖ left ‖ right), for 32-byte children. */
export function merkleNodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  requireBytesOfLength(left, hashBytes, 'left', 'merkleNodeHash');
  requireBytesOfLength(right, hashBytes, 'right', 'merkleNodeHash');
  return hashChildren(left, right);
}

/** Checks `leafIndex` names a leaf of a tree of `size` leaves (an empty tree has none, and says so). */
function requireLeafIndex(leafIndex: unknown, size: number, where: string): asserts leafIndex is number {
  if (size === 0 && typeof leafIndex === 'number') {
    throw new RangeError(`${where}: the tree is empty, so there is no leaf ${leafIndex}`);
  }
  requireInteger(leafIndex, 'leafIndex', where, 0, size - 1);
}

function checkLeaves(leaves: unknown, where: string): asserts leaves is readonly Uint8Array[] {
  requireBytesArray(leaves, 'leaves', where, merkleLeavesMax);
}

/**
 * @internal Bytes of the io region that hashing `count` leaves of `dataBytes` bytes in all
 * takes, with room for `extraHashes` hashes after the leaf hashes: the leaves (behind an
 * offsets table unless every leaf is 32 bytes), then the hashes. The one formula
 * `leafHashesIntoIo` reserves by; the tests check that the limits keep it inside wasm memory.
 */
export function leafHashesIoBytes(count: number, dataBytes: number, uniform32: boolean, extraHashes: number): number {
  const leavesBytes = uniform32 ? count * hashBytes : itemsDataAt(count, false) + align16(dataBytes);
  return leavesBytes + (count + extraHashes) * hashBytes;
}

/**
 * @internal Leaf hashes of `leaves` into the io region (one wasm call); returns the pointer to
 * `leaves.length` consecutive 32-byte hashes, followed by room for `extraHashes` more. Shared
 * by the roots here and the batched proof verifier (merkle-batch.ts). `where` names the
 * caller's function in errors.
 */
export function leafHashesIntoIo(leaves: readonly Uint8Array[], where: string, extraHashes: number): number {
  const count = leaves.length;
  // Leaves that are hashes or keys take a dedicated path with no offsets table.
  const uniform32 = itemsUniform32(leaves, 0, count);
  const dataBytes = itemsBytes(leaves, 0, count);
  if (dataBytes > batchBytesMax) {
    throw new RangeError(`${where}: leaves hold ${dataBytes} bytes in all, limit ${batchBytesMax}`);
  }
  const base = reserveIo(leafHashesIoBytes(count, dataBytes, uniform32, extraHashes), where);
  writeItems(memoryU8(), base, leaves, 0, count, uniform32);
  if (uniform32) {
    const out = base + count * hashBytes;
    wasmMerkleLeafHashes32(base, count, out);
    return out;
  }
  const data = base + itemsDataAt(count, false);
  const out = data + align16(dataBytes);
  wasmMerkleLeafHashes(data, base, count, out);
  return out;
}

/**
 * The RFC 9162 Merkle tree hash (root) of `leaves`.
 *
 * @throws TypeError if `leaves` is not an array of Uint8Array; RangeError past the limits.
 */
export function merkleRoot(leaves: readonly Uint8Array[]): Uint8Array {
  checkLeaves(leaves, 'merkleRoot');
  if (leaves.length === 0) return emptyRoot.slice();
  const hashes = leafHashesIntoIo(leaves, 'merkleRoot', 1);
  return rootOfHashesInIo(hashes, leaves.length);
}

/**
 * @internal The RFC 9162 root over `count` ≥ 1 leaf hashes at `hashes` in the io region,
 * computed level by level in place (the hashes are overwritten); an odd level carries its
 * last node up unchanged. Shared by `merkleRoot` and the pool's workers.
 */
export function rootOfHashesInIo(hashes: number, count: number): Uint8Array {
  let width = count;
  while (width > 1) width = hashLevel(hashes, width, hashes);
  return memoryU8().slice(hashes, hashes + hashBytes);
}

/**
 * Hashes one level of `width` ≥ 2 nodes at `source` into the level above at `target` (which
 * may equal `source`: in place) and returns that level's width. An odd level carries its
 * last node up unchanged, which is exactly RFC 9162's split at the largest power of two
 * below n — no odd node is ever duplicated (CVE-2012-2459).
 */
function hashLevel(source: number, width: number, target: number): number {
  const pairs = width >>> 1;
  wasmMerkleNodeLevel(source, pairs, target);
  if (width & 1) {
    memoryU8().copyWithin(target + pairs * hashBytes, source + (width - 1) * hashBytes, source + width * hashBytes);
  }
  return pairs + (width & 1);
}

/**
 * A Merkle tree that hashes once and then serves its root, earlier roots and any number of
 * inclusion and consistency proofs without rehashing (a regulator asks for thousands of
 * proofs per block). Holds every level: about 64 bytes per leaf.
 */
export class MerkleTree {
  /** Number of leaves. */
  readonly size: number;
  /** All levels, bottom-up, 32-byte hashes back to back. */
  readonly #levels: Uint8Array;
  /** Offset (in hashes) of each level in `#levels`, and each level's width. */
  readonly #levelStart: number[];
  readonly #levelWidth: number[];

  private constructor(size: number, levels: Uint8Array, levelStart: number[], levelWidth: number[]) {
    this.size = size;
    this.#levels = levels;
    this.#levelStart = levelStart;
    this.#levelWidth = levelWidth;
  }

  /** Builds the tree of `leaves` (leaf data; each is hashed as SHA-256(0x00 ‖ leaf)). */
  static fromLeaves(leaves: readonly Uint8Array[]): MerkleTree {
    checkLeaves(leaves, 'MerkleTree.fromLeaves');
    const count = leaves.length;
    if (count === 0) return new MerkleTree(0, new Uint8Array(0), [], []);
    const hashes = leafHashesIntoIo(leaves, 'MerkleTree.fromLeaves', count);
    return MerkleTree.#build(hashes, count);
  }

  /** Builds the tree over precomputed 32-byte leaf hashes (e.g. stored transaction hashes). */
  static fromLeafHashes(leafHashes: readonly Uint8Array[]): MerkleTree {
    const where = 'MerkleTree.fromLeafHashes';
    requireBytesArray(leafHashes, 'leafHashes', where, merkleLeavesMax);
    const count = leafHashes.length;
    for (let i = 0; i < count; i++) requireBytesOfLength(leafHashes[i], hashBytes, `leafHashes[${i}]`, where);
    if (count === 0) return new MerkleTree(0, new Uint8Array(0), [], []);
    const hashes = reserveIo(2 * count * hashBytes, where);
    const memory = memoryU8();
    for (let i = 0; i < count; i++) memory.set(leafHashes[i] as Uint8Array, hashes + i * hashBytes);
    return MerkleTree.#build(hashes, count);
  }

  /** Hashes the levels above `count` leaf hashes at `hashes` (room for 2·count follows). */
  static #build(hashes: number, count: number): MerkleTree {
    const levelStart: number[] = [0];
    const levelWidth: number[] = [count];
    let start = 0;
    let width = count;
    while (width > 1) {
      const next = start + width;
      width = hashLevel(hashes + start * hashBytes, width, hashes + next * hashBytes);
      start = next;
      levelStart.push(start);
      levelWidth.push(width);
    }
    const levels = memoryU8().slice(hashes, hashes + (start + 1) * hashBytes);
    return new MerkleTree(count, levels, levelStart, levelWidth);
  }

  /** The root (MTH of all leaves); SHA-256 of nothing for the empty tree. */
  get root(): Uint8Array {
    if (this.size === 0) return emptyRoot.slice();
    const top = this.#levelStart.length - 1;
    return this.#node(top, 0);
  }

  /** The 32-byte leaf hash of leaf `leafIndex`. */
  leafHash(leafIndex: number): Uint8Array {
    requireLeafIndex(leafIndex, this.size, 'MerkleTree.leafHash');
    return this.#node(0, leafIndex);
  }

  #node(level: number, index: number): Uint8Array {
    const offset = ((this.#levelStart[level] as number) + index) * hashBytes;
    return this.#levels.slice(offset, offset + hashBytes);
  }

  /** MTH(D[start:end]) for a range the RFC 9162 recursion can ask for; reads stored nodes. */
  #rangeHash(start: number, end: number): Uint8Array {
    const width = end - start;
    const level = ceilLog2(width);
    // Stored node (level, start >> level) covers [start, min(start + 2^level, size)).
    if (start % 2 ** level === 0 && end === Math.min(start + 2 ** level, this.size)) {
      return this.#node(level, start / 2 ** level);
    }
    const k = largestPowerOfTwoBelow(width);
    return hashChildren(this.#rangeHash(start, start + k), this.#rangeHash(start + k, end));
  }

  /** The root the tree had when it held its first `treeSize` leaves (for consistency checks). */
  rootAt(treeSize: number): Uint8Array {
    requireInteger(treeSize, 'treeSize', 'MerkleTree.rootAt', 0, this.size);
    if (treeSize === 0) return emptyRoot.slice();
    return this.#rangeHash(0, treeSize);
  }

  /**
   * RFC 9162 §2.1.3.1 inclusion proof for leaf `leafIndex` in this tree. The path's hashes
   * are views of one fresh buffer, back to back, so a batch verifier copies a path at once.
   */
  inclusionProof(leafIndex: number): MerkleInclusionProof {
    requireLeafIndex(leafIndex, this.size, 'MerkleTree.inclusionProof');
    const siblings: number[] = [];
    let index = leafIndex;
    for (let level = 0; level < this.#levelStart.length - 1; level++) {
      const sibling = index ^ 1;
      // The last node of an odd level has no sibling: it was carried up unchanged.
      if (sibling < (this.#levelWidth[level] as number)) {
        siblings.push(((this.#levelStart[level] as number) + sibling) * hashBytes);
      }
      index >>>= 1;
    }
    const bytes = new Uint8Array(siblings.length * hashBytes);
    const path = siblings.map((offset, k) => {
      bytes.set(this.#levels.subarray(offset, offset + hashBytes), k * hashBytes);
      return bytes.subarray(k * hashBytes, (k + 1) * hashBytes);
    });
    return { leafIndex, treeSize: this.size, path };
  }

  /** RFC 9162 §2.1.4.1 consistency proof from the tree's first `oldSize` leaves to all of it. */
  consistencyProof(oldSize: number): Uint8Array[] {
    requireInteger(oldSize, 'oldSize', 'MerkleTree.consistencyProof', 0, this.size);
    const proof: Uint8Array[] = [];
    if (oldSize === 0 || oldSize === this.size) return proof;
    this.#subproof(oldSize, 0, this.size, true, proof);
    return proof;
  }

  /** SUBPROOF(m, D[start:end], b) of RFC 9162 §2.1.4.1, appending to `proof`. */
  #subproof(m: number, start: number, end: number, complete: boolean, proof: Uint8Array[]): void {
    const n = end - start;
    if (m === n) {
      if (!complete) proof.push(this.#rangeHash(start, end));
      return;
    }
    const k = largestPowerOfTwoBelow(n);
    if (m <= k) {
      this.#subproof(m, start, start + k, complete, proof);
      proof.push(this.#rangeHash(start + k, end));
    } else {
      this.#subproof(m - k, start + k, end, false, proof);
      proof.push(this.#rangeHash(start, start + k));
    }
  }
}

/** Inclusion proof for leaf `leafIndex` of `leaves` (builds the tree; reuse a MerkleTree for many). */
export function merkleInclusionProof(leaves: readonly Uint8Array[], leafIndex: number): MerkleInclusionProof {
  checkLeaves(leaves, 'merkleInclusionProof');
  requireLeafIndex(leafIndex, leaves.length, 'merkleInclusionProof');
  return MerkleTree.fromLeaves(leaves).inclusionProof(leafIndex);
}

/** Consistency proof from the first `oldSize` of `leaves` to all of them (RFC 9162 PROOF). */
export function merkleConsistencyProof(leaves: readonly Uint8Array[], oldSize: number): Uint8Array[] {
  checkLeaves(leaves, 'merkleConsistencyProof');
  requireInteger(oldSize, 'oldSize', 'merkleConsistencyProof', 0, leaves.length);
  return MerkleTree.fromLeaves(leaves).consistencyProof(oldSize);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

function checkProofShape(value: unknown, where: string): asserts value is MerkleInclusionProof {
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(`${where}: expected proof to be an object { leafIndex, treeSize, path }`);
  }
  const proof = value as Record<string, unknown>;
  requireInteger(proof.leafIndex, 'proof.leafIndex', where, 0, Number.MAX_SAFE_INTEGER);
  requireInteger(proof.treeSize, 'proof.treeSize', where, 0, Number.MAX_SAFE_INTEGER);
  requireBytesArray(proof.path, 'proof.path', where, Number.MAX_SAFE_INTEGER);
}

/**
 * Verifies an inclusion proof for leaf data `leaf` against `root` (RFC 9162 §2.1.3.2).
 * A well-formed proof that does not prove inclusion returns `false`.
 *
 * @throws TypeError/RangeError only for malformed arguments (wrong types, a 31-byte root).
 */
export function verifyMerkleInclusion(leaf: Uint8Array, proof: MerkleInclusionProof, root: Uint8Array): boolean {
  const where = 'verifyMerkleInclusion';
  requireBytes(leaf, 'leaf', where);
  checkProofShape(proof, where);
  requireBytesOfLength(root, hashBytes, 'root', where);
  const { leafIndex, treeSize, path } = proof;
  if (leafIndex >= treeSize) return false;
  if (path.length > merkleProofHashesMax) return false;
  for (const node of path) if (node.length !== hashBytes) return false;
  // Bit operations below need 32-bit-safe integers; larger trees exceed every limit anyway.
  if (treeSize > merkleLeavesMax) return false;
  const computed = rootFromInclusionPath(merkleLeafHash(leaf), leafIndex, treeSize, path, hashChildren);
  return computed !== undefined && equalBytes(computed, root);
}

/**
 * @internal The root an inclusion path leads to (RFC 9162 §2.1.3.2 steps 2–5), or undefined
 * when the path's length does not fit (leafIndex, treeSize). `hash` computes
 * SHA-256(0x01 ‖ left ‖ right); the benchmark passes node:crypto's to measure the peer on the
 * same algorithm. Requires 0 ≤ leafIndex < treeSize ≤ 2^31.
 */
export function rootFromInclusionPath(
  leafHash: Uint8Array,
  leafIndex: number,
  treeSize: number,
  path: readonly Uint8Array[],
  hash: (left: Uint8Array, right: Uint8Array) => Uint8Array,
): Uint8Array | undefined {
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of path) {
    if (sn === 0) return undefined;
    if ((fn & 1) === 1 || fn === sn) {
      r = hash(p, r);
      while ((fn & 1) === 0 && fn !== 0) {
        fn >>>= 1;
        sn >>>= 1;
      }
    } else {
      r = hash(r, p);
    }
    fn >>>= 1;
    sn >>>= 1;
  }
  return sn === 0 ? r : undefined;
}

/**
 * Verifies that the tree of `newSize` leaves with root `newRoot` extends the tree of
 * `oldSize` leaves with root `oldRoot` (RFC 9162 §2.1.4.2). For oldSize = 0 the proof must
 * be empty and `oldRoot` the empty-tree root; for oldSize = newSize, empty and equal roots.
 *
 * @throws TypeError/RangeError only for malformed arguments.
 */
export function verifyMerkleConsistency(
  oldSize: number,
  oldRoot: Uint8Array,
  newSize: number,
  newRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  const where = 'verifyMerkleConsistency';
  requireInteger(oldSize, 'oldSize', where, 0, Number.MAX_SAFE_INTEGER);
  requireBytesOfLength(oldRoot, hashBytes, 'oldRoot', where);
  requireInteger(newSize, 'newSize', where, 0, Number.MAX_SAFE_INTEGER);
  requireBytesOfLength(newRoot, hashBytes, 'newRoot', where);
  requireBytesArray(proof, 'proof', where, Number.MAX_SAFE_INTEGER);
  if (oldSize > newSize || newSize > merkleLeavesMax) return false;
  if (proof.length > merkleProofHashesMax) return false;
  for (const node of proof) if (node.length !== hashBytes) return false;
  if (oldSize === 0) return proof.length === 0 && equalBytes(oldRoot, emptyRoot);
  if (oldSize === newSize) return proof.length === 0 && equalBytes(oldRoot, newRoot);
  if (proof.length === 0) return false;
  const path = [...proof];
  // If the old tree is a complete subtree (size a power of two), its root starts the path.
  if ((oldSize & (oldSize - 1)) === 0) path.unshift(oldRoot);
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while ((fn & 1) === 1) {
    fn >>>= 1;
    sn >>>= 1;
  }
  let fr = path[0] as Uint8Array;
  let sr = fr;
  for (let i = 1; i < path.length; i++) {
    const c = path[i] as Uint8Array;
    if (sn === 0) return false;
    if ((fn & 1) === 1 || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      while ((fn & 1) === 0 && fn !== 0) {
        fn >>>= 1;
        sn >>>= 1;
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn >>>= 1;
    sn >>>= 1;
  }
  return sn === 0 && equalBytes(fr, oldRoot) && equalBytes(sr, newRoot);
}
