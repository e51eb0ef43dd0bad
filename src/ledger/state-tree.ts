/**
 * The authenticated state map: a sparse Merkle tree from state keys (byte strings) to values
 * (byte strings) whose root commits to the whole state after each block, with proofs of
 * presence and of absence. Updated once per block, in one batch.
 *
 * ## Construction (enough to verify a proof with another implementation)
 *
 * - keyHash = SHA-256(key), valueHash = SHA-256(value).
 * - The tree is a binary trie over the 256 bits of keyHash, most significant bit of byte 0
 *   first: at depth i the path goes left if bit i = (keyHash[i >> 3] >> (7 − (i & 7))) & 1 is
 *   0, right if it is 1. The root is at depth 0.
 * - Empty subtree: 32 zero bytes (a constant, not a hash).
 * - Leaf node hash: SHA-256(0x00 ‖ keyHash ‖ valueHash) (65-byte input).
 * - Internal node hash: SHA-256(0x01 ‖ leftHash ‖ rightHash) (65-byte input). The domain bytes
 *   are RFC 9162's leaf and node prefixes, so a leaf can never be read as a node or the other
 *   way round, and the wasm batch paths of RFC 9162 trees compute both.
 * - Compressed (as in Diem's Jellyfish Merkle tree): a subtree that holds exactly one leaf
 *   is that leaf's hash, placed at the shallowest depth where its key is alone; a subtree with
 *   no leaves is the empty constant. So no internal node has two empty children, or one empty
 *   child and one leaf child; an internal node with one empty child and one internal child
 *   does occur (keys sharing a long prefix hang below a chain of such nodes).
 * - The shape depends only on the set of keys (history-independent): the same contents give
 *   the same root whatever the order and batching of the updates.
 * - The root of the empty map is 32 zero bytes; of a one-key map, that key's leaf hash.
 *
 * A proof (`state-proof.ts`) lists the sibling hashes on the key's path from the root down
 * to the slot where the key's leaf is or would be, plus the leaf found there (if any).
 *
 * ## Updating
 *
 * `update` hashes every key in one batched SHA-256 call and every value in another, applies
 * the changes to the trie's structure (inserting, splitting, collapsing), queues each node
 * whose hash changes under its depth, then rehashes: the changed leaves in one wasm call,
 * and the queued internal nodes one depth at a time from the deepest up — each node's two
 * child hashes (kept in its own record, see `state-nodes.ts`) gathered into contiguous wasm
 * memory, one `wasmMerkleNodeLevel` call (four nodes per SIMD pass), each new hash scattered
 * into its parent's record. Only nodes on changed paths are hashed: a block of k changes to
 * an n-key tree hashes about k · (log2(n) − log2(k) + 2) nodes (3,000 changes on 1 M keys:
 * ~29,000 node hashes, ~10 per changed key).
 *
 * What bounds the speed on a large tree is memory, not hashing: each changed key's path is
 * ~20 records scattered over ~250 MB, so the walks and the gathers wait on cache and TLB
 * misses about as long as the wasm spends hashing (`bench/state-tree.ts`).
 */

import { assert } from '../assert.js';
import { itemsDataAt } from '../crypto/items.js';
import { sha256, sha256DigestBytes, sha256ManyPacked } from '../crypto/sha256.js';
import { reserveIo } from '../crypto/wasm.js';
import { batchMessagesMax } from '../limits.js';
import { describeValue, requireBytes, requireBytesOfLength } from '../validate.js';
import { childSlot, hashSlot, hashWords, StateNodes } from './state-nodes.js';
import { type StateProof, stateKeyBit } from './state-proof.js';

export {
  decodeStateProof,
  encodeStateProof,
  type StateProof,
  stateEmptyRoot,
  stateProofVersion,
  verifyStateProof,
} from './state-proof.js';

const hashBytes = sha256DigestBytes;
/** Deepest slot a leaf can occupy: two key hashes differ at bit 255 at the latest. */
const depthMax = 256;

/** One change to the state map: set `key` to `value`, or delete it when `value` is undefined. */
export interface StateChange {
  /** The state key (any bytes; the tree places it by SHA-256 of the key). */
  readonly key: Uint8Array;
  /** The new value bytes, or `undefined` to delete the key. */
  readonly value: Uint8Array | undefined;
}

/** What the last `update`/`updateHashed` call hashed (for benchmarks and tests of the batching). */
export interface StateUpdateStats {
  /** Leaf hashes computed (new or changed values). */
  readonly leafHashes: number;
  /** Internal node hashes computed. */
  readonly nodeHashes: number;
  /** Wasm hashing calls made (one for the leaves, one per depth with changed nodes). */
  readonly hashCalls: number;
}

/** A 32-byte-per-item hash buffer as words (copied only if misaligned). */
function wordsOf(bytes: Uint8Array): Int32Array {
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  return new Int32Array(aligned.buffer, aligned.byteOffset, aligned.length >>> 2);
}

/**
 * An authenticated map from byte-string keys to byte-string values (the construction is in
 * this file's header), held in memory with every node's hash cached, so a block's update
 * rehashes only the paths it changed and a proof costs no hashing at all.
 */
export class StateTree {
  readonly #nodes = new StateNodes();
  /** The root ref: 0 empty, > 0 internal node, < 0 leaf (see state-nodes.ts). */
  #rootRef = 0;
  #size = 0;
  /** Internal nodes queued for rehashing during an update, by depth. */
  readonly #queuedByDepth: number[][] = Array.from({ length: depthMax }, () => []);
  #queuedDepthMax = -1;
  readonly #queuedLeaves: number[] = [];
  /** Internal nodes on the path being walked: #path[d] is the node at depth d. */
  readonly #path = new Int32Array(depthMax);
  #stats: StateUpdateStats = { leafHashes: 0, nodeHashes: 0, hashCalls: 0 };

  /** The root: 32 zero bytes for the empty map (a fresh copy on every read). */
  get root(): Uint8Array {
    return this.#nodes.rootHashOf(this.#rootRef);
  }

  /** Number of keys in the map. */
  get size(): number {
    return this.#size;
  }

  /** What the last update hashed. */
  get lastUpdateStats(): StateUpdateStats {
    return this.#stats;
  }

  /**
   * Applies a batch of changes (later change of the same key wins; deleting an absent key is
   * a no-op) and returns the new root. Keys are hashed in one batched SHA-256 call and values
   * in another; then only the changed paths are rehashed, one wasm call per tree depth.
   *
   * @throws TypeError if `changes` is not an array of `{ key: Uint8Array, value: Uint8Array |
   *   undefined }`; RangeError past `batchMessagesMax` changes or SHA-256's byte limits. The
   *   tree is unchanged when it throws.
   */
  update(changes: readonly StateChange[]): Uint8Array {
    const where = 'StateTree.update';
    if (!Array.isArray(changes)) {
      throw new TypeError(`${where}: expected changes to be an array of { key, value }, got ${describeValue(changes)}`);
    }
    if (changes.length > batchMessagesMax) {
      throw new RangeError(`${where}: changes has ${changes.length} items, limit ${batchMessagesMax}`);
    }
    const count = changes.length;
    const keys = new Array<Uint8Array>(count);
    const values: Uint8Array[] = [];
    const valueSlots = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const change: unknown = changes[i];
      if (typeof change !== 'object' || change === null) {
        throw new TypeError(
          `${where}: expected changes[${i}] to be an object { key, value }, got ${describeValue(change)}`,
        );
      }
      const { key, value } = change as Record<string, unknown>;
      requireBytes(key, `changes[${i}].key`, where);
      keys[i] = key;
      if (value === undefined) {
        valueSlots[i] = -1;
      } else {
        requireBytes(value, `changes[${i}].value`, where);
        valueSlots[i] = values.length;
        values.push(value);
      }
    }
    if (count === 0) return this.root;
    const keyHashes = sha256ManyPacked(keys);
    const valueHashes = values.length > 0 ? sha256ManyPacked(values) : new Uint8Array(0);
    return this.#apply(keyHashes, valueHashes, valueSlots);
  }

  /**
   * `update` for callers that already hold the hashes: `keyHashes[i]` = SHA-256(key),
   * `valueHashes[i]` = SHA-256(value), or undefined to delete the key.
   *
   * @throws TypeError/RangeError for arrays of different lengths, past `batchMessagesMax`
   *   items, or items that are not 32-byte Uint8Arrays (undefined allowed for values).
   */
  updateHashed(keyHashes: readonly Uint8Array[], valueHashes: readonly (Uint8Array | undefined)[]): Uint8Array {
    const where = 'StateTree.updateHashed';
    for (const [name, list] of [
      ['keyHashes', keyHashes],
      ['valueHashes', valueHashes],
    ] as const) {
      if (!Array.isArray(list))
        throw new TypeError(`${where}: expected ${name} to be an array, got ${describeValue(list)}`);
      if (list.length > batchMessagesMax) {
        throw new RangeError(`${where}: ${name} has ${list.length} items, limit ${batchMessagesMax}`);
      }
    }
    const count = keyHashes.length;
    if (valueHashes.length !== count) {
      throw new RangeError(`${where}: valueHashes has ${valueHashes.length} items, keyHashes ${count}`);
    }
    const keysPacked = new Uint8Array(count * hashBytes);
    const valuesPacked = new Uint8Array(count * hashBytes);
    const valueSlots = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const keyHash = keyHashes[i];
      requireBytesOfLength(keyHash, hashBytes, `keyHashes[${i}]`, where);
      keysPacked.set(keyHash, i * hashBytes);
      const valueHash = valueHashes[i];
      if (valueHash === undefined) {
        valueSlots[i] = -1;
      } else {
        requireBytesOfLength(valueHash, hashBytes, `valueHashes[${i}]`, where);
        valuesPacked.set(valueHash, i * hashBytes);
        valueSlots[i] = i;
      }
    }
    if (count === 0) return this.root;
    return this.#apply(keysPacked, valuesPacked, valueSlots);
  }

  /** True iff `key` is in the map. */
  has(key: Uint8Array): boolean {
    requireBytes(key, 'key', 'StateTree.has');
    const keyHash = sha256(key);
    const node = this.#nodes.node;
    let ref = this.#rootRef;
    for (let depth = 0; ref > 0; depth++) ref = node[childSlot(ref, stateKeyBit(keyHash, 0, depth))] as number;
    return ref < 0 && this.#nodes.leafKeyEquals(~ref, wordsOf(keyHash), 0);
  }

  /**
   * A proof of `key`'s presence (with its current value) or absence, against `root`. Costs
   * no hashing beyond SHA-256(key): every hash on the path is cached.
   */
  prove(key: Uint8Array): StateProof {
    requireBytes(key, 'key', 'StateTree.prove');
    const keyHash = sha256(key);
    const nodes = this.#nodes;
    const siblings: Uint8Array[] = [];
    let ref = this.#rootRef;
    for (let depth = 0; ref > 0; depth++) {
      const bit = stateKeyBit(keyHash, 0, depth);
      siblings.push(nodes.childHash(ref, 1 - bit));
      ref = nodes.node[childSlot(ref, bit)] as number;
    }
    if (ref === 0) return { siblings, leaf: null };
    return { siblings, leaf: nodes.leafHashes(~ref) };
  }

  /**
   * Applies packed hashes: key i at bytes [32 i, 32 i + 32) of `keyHashes`; its value hash at
   * slot `valueSlots[i]` of `valueHashes`, or -1 to delete. Inputs are validated.
   */
  #apply(keyHashes: Uint8Array, valueHashes: Uint8Array, valueSlots: Int32Array): Uint8Array {
    const count = valueSlots.length;
    // Reserve the wasm io region for the largest hashing call first: reserveIo is the one step
    // below that can fail on a huge batch, and failing here leaves the tree untouched. Each
    // change queues at most one node per depth, so no depth queues more than `count` nodes.
    // The leaves' call (offsets, 64-byte items, digests) needs the most.
    reserveIo(itemsDataAt(count, false) + count * 3 * hashBytes);
    const keyWords = wordsOf(keyHashes);
    const valueWords = wordsOf(valueHashes);
    for (let i = 0; i < count; i++) {
      const slot = valueSlots[i] as number;
      if (slot < 0) this.#remove(keyHashes, keyWords, i);
      else this.#put(keyHashes, keyWords, i, valueWords, slot);
    }
    this.#rehash();
    this.#nodes.releaseFreed();
    return this.root;
  }

  /** Queues internal node `id` at `depth` for rehashing (once). */
  #queueNode(id: number, depth: number): void {
    if (!this.#nodes.markNode(id)) return;
    (this.#queuedByDepth[depth] as number[]).push(id);
    if (depth > this.#queuedDepthMax) this.#queuedDepthMax = depth;
  }

  /** Queues the first `length` nodes of the walked path. */
  #queuePath(length: number): void {
    for (let depth = 0; depth < length; depth++) this.#queueNode(this.#path[depth] as number, depth);
  }

  #queueLeaf(id: number): void {
    const nodes = this.#nodes;
    if (nodes.leafDirty[id] === 1) return;
    nodes.leafDirty[id] = 1;
    this.#queuedLeaves.push(id);
  }

  /** Sets the slot `slot` (a parent's `childSlot`, or -1 for the root) to `ref`. */
  #setSlot(slot: number, ref: number): void {
    if (slot < 0) this.#rootRef = ref;
    else this.#nodes.node[slot] = ref;
  }

  /** Inserts or updates key `k` of the batch with value hash `valueSlot`. */
  #put(keyBytes: Uint8Array, keyWords: Int32Array, k: number, valueWords: Int32Array, valueSlot: number): void {
    const nodes = this.#nodes;
    const node = nodes.node;
    const keyAt = k * hashBytes;
    const valueAt = valueSlot * hashWords;
    let ref = this.#rootRef;
    let slot = -1;
    let parent = 0;
    let parentBit = 0;
    let depth = 0;
    for (; ref > 0; depth++) {
      this.#path[depth] = ref;
      parent = ref;
      parentBit = stateKeyBit(keyBytes, keyAt, depth);
      slot = childSlot(ref, parentBit);
      ref = node[slot] as number;
    }
    if (ref === 0) {
      const leaf = nodes.allocLeaf(keyWords, k * hashWords, valueWords, valueAt);
      this.#queueLeaf(leaf);
      this.#setSlot(slot, ~leaf);
      if (depth > 0) nodes.markStale(parent, parentBit);
      this.#queuePath(depth);
      this.#size++;
      return;
    }
    const existing = ~ref;
    if (nodes.leafKeyEquals(existing, keyWords, k * hashWords)) {
      if (nodes.leafValueEquals(existing, valueWords, valueAt)) return;
      nodes.setLeafValue(existing, valueWords, valueAt);
      this.#queueLeaf(existing);
      if (depth > 0) nodes.markStale(parent, parentBit);
      this.#queuePath(depth);
      return;
    }
    // Another key's leaf sits alone in this slot: both keys now need internal nodes down to
    // the first bit where they differ (a chain with one empty child per level above it),
    // allocated top-down so that each knows the slot its hash goes to.
    const split = nodes.firstDifferingBit(existing, keyBytes, keyAt);
    assert(split >= depth, 'StateTree: a leaf sits off its key path');
    const leaf = nodes.allocLeaf(keyWords, k * hashWords, valueWords, valueAt);
    this.#queueLeaf(leaf);
    let current = nodes.allocNode(depth === 0 ? -1 : hashSlot(parent, parentBit));
    this.#setSlot(slot, current);
    // allocNode may grow the arrays: from here on read `nodes.node`, not the local `node`.
    for (let d = depth; d < split; d++) {
      const bit = stateKeyBit(keyBytes, keyAt, d);
      const next = nodes.allocNode(hashSlot(current, bit));
      nodes.node[childSlot(current, bit)] = next;
      this.#queueNode(current, d);
      current = next;
    }
    const bit = stateKeyBit(keyBytes, keyAt, split);
    nodes.node[childSlot(current, bit)] = ~leaf;
    nodes.node[childSlot(current, 1 - bit)] = ref;
    this.#queueNode(current, split);
    this.#queuePath(depth);
    this.#size++;
  }

  /** Deletes key `k` of the batch if present, collapsing nodes left with a single leaf. */
  #remove(keyBytes: Uint8Array, keyWords: Int32Array, k: number): void {
    const nodes = this.#nodes;
    const node = nodes.node;
    const keyAt = k * hashBytes;
    let ref = this.#rootRef;
    let depth = 0;
    for (; ref > 0; depth++) {
      this.#path[depth] = ref;
      ref = node[childSlot(ref, stateKeyBit(keyBytes, keyAt, depth))] as number;
    }
    if (ref === 0 || !nodes.leafKeyEquals(~ref, keyWords, k * hashWords)) return;
    nodes.freeLeaf(~ref);
    this.#size--;
    // Walk up: what replaces the subtree below is `replacement` (empty, or a lone leaf moving
    // up). A node whose two sides are then one leaf and one empty holds a single leaf, so the
    // compressed shape puts that leaf in the node's place; stop at the first node that keeps
    // two non-trivial sides.
    let replacement = 0;
    let d = depth - 1;
    for (; d >= 0; d--) {
      const parent = this.#path[d] as number;
      const bit = stateKeyBit(keyBytes, keyAt, d);
      const sibling = node[childSlot(parent, 1 - bit)] as number;
      assert(replacement !== 0 || sibling !== 0, 'StateTree: an internal node held a single leaf');
      if (replacement === 0 && sibling < 0) {
        replacement = sibling;
      } else if (!(replacement < 0 && sibling === 0)) {
        node[childSlot(parent, bit)] = replacement;
        nodes.markStale(parent, bit);
        break;
      }
      nodes.freeNode(parent);
    }
    if (d < 0) this.#rootRef = replacement;
    else this.#queuePath(d + 1);
  }

  /** Rehashes the queued leaves (one wasm call), then the queued nodes one depth per call, deepest first. */
  #rehash(): void {
    const nodes = this.#nodes;
    const leafHashes = nodes.hashLeaves(this.#queuedLeaves);
    this.#queuedLeaves.length = 0;
    let hashCalls = leafHashes > 0 ? 1 : 0;
    let nodeHashes = 0;
    for (let depth = this.#queuedDepthMax; depth >= 0; depth--) {
      const queued = this.#queuedByDepth[depth] as number[];
      if (queued.length === 0) continue;
      const hashed = nodes.hashNodes(queued);
      if (hashed > 0) hashCalls++;
      nodeHashes += hashed;
      queued.length = 0;
    }
    this.#queuedDepthMax = -1;
    this.#stats = { leafHashes, nodeHashes, hashCalls };
  }
}
