/**
 * Many RFC 9162 inclusion proofs checked at once (a regulator auditing a day of blocks checks
 * millions). The verdict for each item is exactly `verifyMerkleInclusion(leaf, proof, root)`'s.
 *
 * The order of the two children at every step of an RFC 9162 §2.1.3.2 walk depends only on
 * the leaf's index and the tree's size, never on a hash. So the walk is planned first for
 * every proof (which side each sibling goes on, and whether the path's length fits), then
 * hashed one step at a time across all proofs: step k copies every still-walking proof's
 * k-th sibling and side into wasm memory, and one `merklePathStep` call assembles the
 * `left ‖ right` pairs and hashes them four per SIMD pass. Proofs are sorted by path length, longest
 * first, so the proofs still walking at step k are always a prefix and no gaps are hashed.
 */
import { merkleLeavesMax, merkleProofBatchItemsMax, merkleProofHashesMax } from '../limits.js';
import { describeValue, requireBytes, requireBytesOfLength, requireInteger } from '../validate.js';
import { leafHashesIntoIo, type MerkleInclusionProof } from './merkle.js';
import { sha256DigestBytes, sha256Wasm } from './sha256.js';
import { memoryU8 } from './wasm.js';

const hashBytes = sha256DigestBytes;
/**
 * Proofs walked together: their siblings are laid out in wasm memory at once (at most
 * 4,096 × 64 steps × 32 bytes = 8 MiB), and each step is one wasm call over them — short
 * calls, so V8 tiers the hashing up early (see `wasmChunkItems` in sha256.ts).
 */
const walkChunkItems = 4096;

/** One proof to check: the same leaf, proof and root as `verifyMerkleInclusion` takes. */
export interface MerkleInclusionItem {
  /** The leaf's data (its RFC 9162 leaf hash is computed here). */
  readonly leaf: Uint8Array;
  /** The inclusion proof. */
  readonly proof: MerkleInclusionProof;
  /** The trusted 32-byte root of the tree of `proof.treeSize` leaves. */
  readonly root: Uint8Array;
}

/** Checks one item's shape; throws TypeError/RangeError naming `items[i]` and the field. */
function checkItem(item: unknown, i: number, where: string): asserts item is MerkleInclusionItem {
  if (typeof item !== 'object' || item === null) {
    throw new TypeError(`${where}: expected items[${i}] to be { leaf, proof, root }, got ${describeValue(item)}`);
  }
  const { leaf, proof, root } = item as Record<string, unknown>;
  requireBytes(leaf, `items[${i}].leaf`, where);
  requireBytesOfLength(root, hashBytes, `items[${i}].root`, where);
  if (typeof proof !== 'object' || proof === null) {
    throw new TypeError(`${where}: expected items[${i}].proof to be an object, got ${describeValue(proof)}`);
  }
  const { leafIndex, treeSize, path } = proof as Record<string, unknown>;
  requireInteger(leafIndex, `items[${i}].proof.leafIndex`, where, 0, Number.MAX_SAFE_INTEGER);
  requireInteger(treeSize, `items[${i}].proof.treeSize`, where, 0, Number.MAX_SAFE_INTEGER);
  if (!Array.isArray(path)) {
    throw new TypeError(`${where}: expected items[${i}].proof.path to be an array, got ${describeValue(path)}`);
  }
  for (let k = 0; k < path.length; k++) {
    // The common case without a call; requireBytes builds the error for the rest.
    if (!(path[k] instanceof Uint8Array)) requireBytes(path[k], `items[${i}].proof.path[${k}]`, where);
  }
}

/**
 * Checks a batch of proof items at a public boundary (shared by {@link verifyMerkleInclusionMany}
 * and `CryptoPool.verifyMerkleInclusionMany`): an array of at most `merkleProofBatchItemsMax`
 * well-typed items. @throws TypeError/RangeError naming the item and field.
 */
export function checkInclusionItems(items: unknown, where: string): asserts items is readonly MerkleInclusionItem[] {
  if (!Array.isArray(items)) {
    throw new TypeError(`${where}: expected items to be an array, got ${describeValue(items)}`);
  }
  if (items.length > merkleProofBatchItemsMax) {
    throw new RangeError(`${where}: items has ${items.length} entries, limit ${merkleProofBatchItemsMax}`);
  }
  for (let i = 0; i < items.length; i++) checkItem(items[i], i, where);
}

/**
 * Packs items `[start, end)` (already checked) into one buffer for a pool worker:
 * `u32 count`, then per item `u32 leafLength | leaf | f64 leafIndex | f64 treeSize |
 * u8 pathLength | pathLength × 32-byte siblings | root[32]`. A proof that cannot fit (a
 * sibling that is not 32 bytes, a path over `merkleProofHashesMax`) is packed with path length
 * 255, which the worker answers with `false` as the inline verifier would.
 */
export function packInclusionItems(items: readonly MerkleInclusionItem[], start: number, end: number): Uint8Array {
  let bytes = 4;
  for (let i = start; i < end; i++) {
    const { leaf, proof } = items[i] as MerkleInclusionItem;
    bytes += 4 + leaf.length + 16 + 1 + (fitsShape(proof) ? proof.path.length * hashBytes : 0) + hashBytes;
  }
  const packed = new Uint8Array(bytes);
  const view = new DataView(packed.buffer);
  view.setUint32(0, end - start, true);
  let at = 4;
  for (let i = start; i < end; i++) {
    const { leaf, proof, root } = items[i] as MerkleInclusionItem;
    view.setUint32(at, leaf.length, true);
    packed.set(leaf, at + 4);
    at += 4 + leaf.length;
    view.setFloat64(at, proof.leafIndex, true);
    view.setFloat64(at + 8, proof.treeSize, true);
    at += 16;
    const fits = fitsShape(proof);
    packed[at++] = fits ? proof.path.length : unfitPathLength;
    if (fits) {
      for (const node of proof.path) {
        packed.set(node, at);
        at += hashBytes;
      }
    }
    packed.set(root, at);
    at += hashBytes;
  }
  return packed;
}

/** Path length byte of a proof whose shape cannot prove anything. */
const unfitPathLength = 255;

function fitsShape(proof: MerkleInclusionProof): boolean {
  if (proof.path.length > merkleProofHashesMax) return false;
  for (const node of proof.path) if (node.length !== hashBytes) return false;
  return true;
}

/**
 * The RFC 9162 §2.1.3.2 walk of one proof without hashing: writes at `sides[at + k]` 1 when
 * the k-th sibling is the left child (r = H(p ‖ r)), 0 when it is the right one; returns false
 * when the path's length does not fit (leafIndex, treeSize), as the single verifier does.
 */
function planWalk(leafIndex: number, treeSize: number, steps: number, sides: Uint8Array, at: number): boolean {
  let fn = leafIndex;
  let sn = treeSize - 1;
  for (let k = 0; k < steps; k++) {
    if (sn === 0) return false;
    if ((fn & 1) === 1 || fn === sn) {
      sides[at + k] = 1;
      while ((fn & 1) === 0 && fn !== 0) {
        fn >>>= 1;
        sn >>>= 1;
      }
    } else {
      sides[at + k] = 0;
    }
    fn >>>= 1;
    sn >>>= 1;
  }
  return sn === 0;
}

/**
 * What the walks need to know of the proofs, whether they come as objects (the public API) or
 * packed in one buffer (a pool task): no per-proof objects are made for a packed batch.
 */
interface ProofSource {
  readonly count: number;
  leafIndex(i: number): number;
  treeSize(i: number): number;
  /** The path's length, or -1 when a sibling is not 32 bytes or the path is too long. */
  pathLength(i: number): number;
  leaf(i: number): Uint8Array;
  /** Writes proof i's siblings back to back (pathLength × 32 bytes) at `at` in `memory`. */
  copyPath(i: number, memory: Uint8Array, at: number): void;
  root(i: number): Uint8Array;
}

function objectSource(items: readonly MerkleInclusionItem[]): ProofSource {
  return {
    count: items.length,
    leafIndex: (i) => (items[i] as MerkleInclusionItem).proof.leafIndex,
    treeSize: (i) => (items[i] as MerkleInclusionItem).proof.treeSize,
    pathLength: (i) => {
      const proof = (items[i] as MerkleInclusionItem).proof;
      return fitsShape(proof) ? proof.path.length : -1;
    },
    leaf: (i) => (items[i] as MerkleInclusionItem).leaf,
    copyPath: (i, memory, at) => {
      const path = (items[i] as MerkleInclusionItem).proof.path;
      const whole = contiguousPath(path);
      if (whole !== undefined) {
        memory.set(whole, at);
        return;
      }
      for (let k = 0; k < path.length; k++) memory.set(path[k] as Uint8Array, at + k * hashBytes);
    },
    root: (i) => (items[i] as MerkleInclusionItem).root,
  };
}

/**
 * The path's hashes as one view when they lie back to back in one buffer (as
 * `MerkleTree.inclusionProof` returns them), so the path is copied in one call; else undefined.
 */
function contiguousPath(path: readonly Uint8Array[]): Uint8Array | undefined {
  const first = path[0];
  if (first === undefined) return undefined;
  const { buffer, byteOffset } = first;
  for (let k = 1; k < path.length; k++) {
    const node = path[k] as Uint8Array;
    if (node.buffer !== buffer || node.byteOffset !== byteOffset + k * hashBytes) return undefined;
  }
  return new Uint8Array(buffer, byteOffset, path.length * hashBytes);
}

/** A source over a {@link packInclusionItems} buffer: its offsets parsed once, no objects per proof. */
function packedSource(packed: Uint8Array): ProofSource {
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  const count = view.getUint32(0, true);
  const leafAt = new Uint32Array(count);
  const leafLength = new Uint32Array(count);
  const index = new Float64Array(count);
  const size = new Float64Array(count);
  const pathAt = new Uint32Array(count);
  const pathLength = new Int32Array(count);
  let at = 4;
  for (let i = 0; i < count; i++) {
    leafLength[i] = view.getUint32(at, true);
    leafAt[i] = at + 4;
    at += 4 + (leafLength[i] as number);
    index[i] = view.getFloat64(at, true);
    size[i] = view.getFloat64(at + 8, true);
    at += 16;
    const length = packed[at++] as number;
    pathLength[i] = length === unfitPathLength ? -1 : length;
    pathAt[i] = at;
    at += (length === unfitPathLength ? 0 : length) * hashBytes + hashBytes;
  }
  return {
    count,
    leafIndex: (i) => index[i] as number,
    treeSize: (i) => size[i] as number,
    pathLength: (i) => pathLength[i] as number,
    leaf: (i) => packed.subarray(leafAt[i] as number, (leafAt[i] as number) + (leafLength[i] as number)),
    copyPath: (i, memory, target) => {
      const from = pathAt[i] as number;
      memory.set(packed.subarray(from, from + (pathLength[i] as number) * hashBytes), target);
    },
    root: (i) => {
      const from = (pathAt[i] as number) + Math.max(0, pathLength[i] as number) * hashBytes;
      return packed.subarray(from, from + hashBytes);
    },
  };
}

/**
 * Verifies many RFC 9162 inclusion proofs (§2.1.3.2) in a few wasm calls: one for each
 * chunk's leaf hashes and one per proof step. A well-formed proof that does not prove
 * inclusion gives `false` for its item, exactly as {@link verifyMerkleInclusion} would.
 *
 * @returns one verdict per item, in order.
 * @throws TypeError/RangeError only for malformed arguments, naming the item and field.
 */
export function verifyMerkleInclusionMany(items: readonly MerkleInclusionItem[]): boolean[] {
  const where = 'verifyMerkleInclusionMany';
  checkInclusionItems(items, where);
  return Array.from(verifyWalks(objectSource(items), where), (verdict) => verdict === 1);
}

/**
 * @internal The verdicts (1 = proven) for a {@link packInclusionItems} buffer, without making
 * an object per proof: what a pool worker runs.
 */
export function verifyPackedInclusionItems(packed: Uint8Array): Uint8Array {
  return verifyWalks(packedSource(packed), 'CryptoPool worker');
}

function verifyWalks(source: ProofSource, where: string): Uint8Array {
  const count = source.count;
  const verdicts = new Uint8Array(count);
  // Plan every walk (sides proof-major, 64 bytes a proof); bucket the fitting ones by length.
  const sides = new Uint8Array(count * merkleProofHashesMax);
  const byLength: number[][] = Array.from({ length: merkleProofHashesMax + 1 }, () => []);
  for (let i = 0; i < count; i++) {
    const leafIndex = source.leafIndex(i);
    const treeSize = source.treeSize(i);
    const length = source.pathLength(i);
    if (length < 0 || leafIndex >= treeSize || treeSize > merkleLeavesMax) continue;
    if (planWalk(leafIndex, treeSize, length, sides, i * merkleProofHashesMax)) (byLength[length] as number[]).push(i);
  }
  // Longest paths first: the proofs still walking at step k are then a prefix of the order.
  const walking: number[] = [];
  for (let length = merkleProofHashesMax; length >= 0; length--) {
    for (const i of byLength[length] as number[]) walking.push(i);
  }
  for (let start = 0; start < walking.length; start += walkChunkItems) {
    walkChunk(source, walking.slice(start, start + walkChunkItems), sides, verdicts, where);
  }
  return verdicts;
}

/**
 * Walks the proofs `walking` (sorted by path length, longest first) to their roots and sets
 * their verdicts. Each proof's path and sides are copied into wasm memory once, proof-major
 * (proof j's siblings back to back at `siblings + j × steps × 32`); then each step is one
 * `merklePathStep` call over the proofs still walking, reading step k's sibling and side of
 * every proof with a stride.
 */
function walkChunk(
  source: ProofSource,
  walking: readonly number[],
  sides: Uint8Array,
  verdicts: Uint8Array,
  where: string,
): void {
  const count = walking.length;
  const steps = source.pathLength(walking[0] as number);
  const siblingStride = Math.max(1, steps) * hashBytes;
  const leaves = walking.map((i) => source.leaf(i));
  // io: running hashes (count × 32, where the leaf hashes land), then the siblings
  // (count × steps × 32), the pairs (count × 64) and the sides (count × 64 bytes).
  const extraHashes = count * Math.max(1, steps) + 2 * count + 2 * count;
  const current = leafHashesIntoIo(leaves, where, extraHashes);
  const siblings = current + count * hashBytes;
  const pairs = siblings + count * siblingStride;
  const sideBytes = pairs + 2 * count * hashBytes;
  const memory = memoryU8(); // leafHashesIntoIo reserved everything: no growth below
  for (let j = 0; j < count; j++) {
    const i = walking[j] as number;
    source.copyPath(i, memory, siblings + j * siblingStride);
    const at = i * merkleProofHashesMax;
    memory.set(sides.subarray(at, at + merkleProofHashesMax), sideBytes + j * merkleProofHashesMax);
  }
  let active = count;
  for (let k = 0; k < steps; k++) {
    while (active > 0 && source.pathLength(walking[active - 1] as number) <= k) active--;
    sha256Wasm.merklePathStep(
      current,
      siblings + k * hashBytes,
      siblingStride,
      sideBytes + k,
      merkleProofHashesMax,
      active,
      pairs,
    );
  }
  for (let j = 0; j < count; j++) {
    const i = walking[j] as number;
    const root = source.root(i);
    const at = current + hashBytes * j;
    let equal = 1;
    for (let b = 0; b < hashBytes; b++) if (memory[at + b] !== root[b]) equal = 0;
    verdicts[i] = equal;
  }
}
