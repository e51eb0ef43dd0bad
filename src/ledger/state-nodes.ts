/**
 * @internal The state tree's storage: internal nodes and leaves as fixed-size records in two
 * typed arrays, addressed by integer ids, with every hash cached.
 *
 * Why typed arrays and not one JS object per node: a 1,000,000-key tree has about 2.4 M
 * nodes; as objects each would carry a header and a `Uint8Array` hash (~150 bytes of
 * overhead, and millions of objects for the GC to trace on every major collection). Here the
 * whole tree is a few flat buffers the GC never looks into, a hash is 8 words that copy into
 * wasm memory with a plain loop, and freed ids are reused.
 *
 * Why a node record holds its children's hashes (not its own), and a pointer to the slot in
 * its parent where its own hash goes: a block touches a few thousand random paths through a
 * tree of ~150 MB, so the cost is cache misses, not instructions (a dependent random load
 * costs ~180 ns on the development VM, more than a SHA-256 compression). Rehashing a node
 * then reads only its own record — which the update's walk has just touched — and writes
 * into its parent's, which is rehashed next; the sibling off the path, whose hash is needed
 * too, is never visited. Storing each node's own hash instead made the gather cost more
 * than the hashing (one cold miss per node for the sibling). Proofs read siblings from the
 * path's records the same way.
 *
 * A child reference ("ref") is an int32: 0 = empty subtree, n > 0 = internal node n, n < 0 =
 * leaf ~n. Internal node ids start at 1 so that 0 can mean empty.
 *
 * ```
 * node record, 20 words (80 bytes), at node[20 id]:
 *   0, 1      child refs: left (bit 0), right (bit 1); `childSlot(id, bit)` is their index
 *   2         index in `node` of this node's hash slot in its parent, or -1 for the root
 *             (its hash goes to `rootHash`); fixed for the node's life, since internal
 *             nodes never move (only leaves do, when a split or a collapse moves them)
 *   3         flags: 1 = queued for rehashing in this update; 2 / 4 = the left / right
 *             slot must be refreshed from a leaf or empty child before hashing
 *   [4, 12)   the left child's hash; [12, 20) the right child's hash. A changed internal
 *             child writes its new hash here itself; a leaf or empty child is copied in
 *             when its side is flagged.
 * leaf record, 24 words (96 bytes; no 32-byte field straddles a cache line), at leaf[24 id]:
 *   [0, 8)    the leaf's hash (kept for the moves above and for a leaf root)
 *   [8, 24)   keyHash ‖ valueHash: exactly the 64-byte item the leaf hash SHA-256(0x00 ‖ item)
 *             is taken over, so it goes to the wasm as a view
 * leafDirty   Uint8Array, 1 per leaf: 1 while queued for rehashing
 * ```
 * Words hold bytes in memory order (the byte views share the buffers). The code only copies
 * and compares words — 8 word moves instead of 32 byte moves — and never reads one as a
 * number, so the host's byte order does not matter.
 */
import { assert } from '../assert.js';
import { packMessages, wasmMerkleLeafHashes, wasmMerkleNodeLevel } from '../crypto/sha256.js';
import { memoryU8, reserveIo } from '../crypto/wasm.js';

/** 32-bit words in a 32-byte hash. */
export const hashWords = 8;
const nodeStride = 20;
const nodeParentAt = 2;
const nodeFlagsAt = 3;
const nodeHashAt = 4;
const flagQueued = 1;
/** Flags of a new node: both sides need their hash copied in (internal sides skip it). */
const flagsStaleBoth = 6;
const leafStride = 24;
const leafKeyAt = 8;
const leafValueAt = 16;
const initialCapacity = 1024;

/** Index in `StateNodes.node` of internal node `id`'s child ref on side `bit`. */
export function childSlot(id: number, bit: number): number {
  return id * nodeStride + bit;
}

/** Index in `StateNodes.node` of the hash of internal node `id`'s child on side `bit`. */
export function hashSlot(id: number, bit: number): number {
  return id * nodeStride + nodeHashAt + hashWords * bit;
}

function grown<T extends Int32Array | Uint8Array>(old: T, make: (length: number) => T, length: number): T {
  const next = make(length);
  next.set(old);
  return next;
}

/** @internal Typed-array storage for one state tree's nodes and leaves. */
export class StateNodes {
  // Fields, not #private: the tree's walks read them in tight loops. Any method that allocates
  // may replace them (growth), so callers re-read a field after allocating.
  node: Int32Array = new Int32Array(nodeStride * initialCapacity);
  nodeBytes: Uint8Array = new Uint8Array(this.node.buffer);
  leaf: Int32Array = new Int32Array(leafStride * initialCapacity);
  leafBytes: Uint8Array = new Uint8Array(this.leaf.buffer);
  leafDirty: Uint8Array = new Uint8Array(initialCapacity);
  /** The hash of the root when the root is an internal node. */
  readonly rootHash: Int32Array = new Int32Array(hashWords);
  readonly rootHashBytes: Uint8Array = new Uint8Array(this.rootHash.buffer);

  /** Ids below these were ever handed out (node id 0 is reserved for "empty"). */
  #nodeEnd = 1;
  #leafEnd = 0;
  #nodeFree: number[] = [];
  #leafFree: number[] = [];
  /**
   * Ids freed during the current update. They are not reused until the update ends, so an id
   * queued for rehashing can never come back as a different node at another depth.
   */
  #nodeFreeLater: number[] = [];
  #leafFreeLater: number[] = [];

  /**
   * A new internal node with two empty children whose hash goes to `parentHashSlot` (a
   * `hashSlot`, or -1 for the root). Both sides are flagged; the caller queues it.
   */
  allocNode(parentHashSlot: number): number {
    let id = this.#nodeFree.pop();
    if (id === undefined) {
      id = this.#nodeEnd++;
      // Parent slots are word indices in an int32: ~100 M nodes (~70 M keys), far past any state.
      assert((id + 1) * nodeStride < 2 ** 31, 'StateNodes: node index space exhausted');
      if ((id + 1) * nodeStride > this.node.length) {
        this.node = grown(this.node, (n) => new Int32Array(n), 2 * this.node.length);
        this.nodeBytes = new Uint8Array(this.node.buffer);
      }
    }
    const at = id * nodeStride;
    this.node[at] = 0;
    this.node[at + 1] = 0;
    this.node[at + nodeParentAt] = parentHashSlot;
    this.node[at + nodeFlagsAt] = flagsStaleBoth;
    return id;
  }

  /** Frees internal node `id` at the end of the current update; it is no longer queued. */
  freeNode(id: number): void {
    this.node[id * nodeStride + nodeFlagsAt] = 0;
    this.#nodeFreeLater.push(id);
  }

  /** Queues node `id` for rehashing: returns false if it already was. */
  markNode(id: number): boolean {
    const at = id * nodeStride + nodeFlagsAt;
    const flags = this.node[at] as number;
    if ((flags & flagQueued) !== 0) return false;
    this.node[at] = flags | flagQueued;
    return true;
  }

  /** Flags side `bit` of node `id`: its child is now a different leaf, a changed leaf, or empty. */
  markStale(id: number, bit: number): void {
    const at = id * nodeStride + nodeFlagsAt;
    this.node[at] = (this.node[at] as number) | (2 << bit);
  }

  /** A new leaf holding keyHash = words `[keyAt, keyAt + 8)` of `keys`, likewise the value hash. */
  allocLeaf(keys: Int32Array, keyAt: number, values: Int32Array, valueAt: number): number {
    let id = this.#leafFree.pop();
    if (id === undefined) {
      id = this.#leafEnd++;
      if (id >= this.leafDirty.length) {
        const capacity = 2 * this.leafDirty.length;
        this.leaf = grown(this.leaf, (n) => new Int32Array(n), leafStride * capacity);
        this.leafBytes = new Uint8Array(this.leaf.buffer);
        this.leafDirty = grown(this.leafDirty, (n) => new Uint8Array(n), capacity);
      }
    }
    const leaf = this.leaf;
    const at = id * leafStride + leafKeyAt;
    for (let w = 0; w < hashWords; w++) leaf[at + w] = keys[keyAt + w] as number;
    this.setLeafValue(id, values, valueAt);
    this.leafDirty[id] = 0;
    return id;
  }

  /** Frees leaf `id` at the end of the current update; it is no longer queued. */
  freeLeaf(id: number): void {
    this.leafDirty[id] = 0;
    this.#leafFreeLater.push(id);
  }

  /** Makes the ids freed during this update available again (called once an update is done). */
  releaseFreed(): void {
    for (const id of this.#nodeFreeLater) this.#nodeFree.push(id);
    for (const id of this.#leafFreeLater) this.#leafFree.push(id);
    this.#nodeFreeLater.length = 0;
    this.#leafFreeLater.length = 0;
  }

  /** True iff leaf `id`'s key hash equals words `[keyAt, keyAt + 8)` of `keys`. */
  leafKeyEquals(id: number, keys: Int32Array, keyAt: number): boolean {
    const leaf = this.leaf;
    const at = id * leafStride + leafKeyAt;
    for (let w = 0; w < hashWords; w++) if (leaf[at + w] !== keys[keyAt + w]) return false;
    return true;
  }

  /** True iff leaf `id`'s value hash equals words `[valueAt, valueAt + 8)` of `values`. */
  leafValueEquals(id: number, values: Int32Array, valueAt: number): boolean {
    const leaf = this.leaf;
    const at = id * leafStride + leafValueAt;
    for (let w = 0; w < hashWords; w++) if (leaf[at + w] !== values[valueAt + w]) return false;
    return true;
  }

  /** Sets leaf `id`'s value hash to words `[valueAt, valueAt + 8)` of `values`. */
  setLeafValue(id: number, values: Int32Array, valueAt: number): void {
    const leaf = this.leaf;
    const at = id * leafStride + leafValueAt;
    for (let w = 0; w < hashWords; w++) leaf[at + w] = values[valueAt + w] as number;
  }

  /** Fresh copies of leaf `id`'s key hash and value hash. */
  leafHashes(id: number): { keyHash: Uint8Array; valueHash: Uint8Array } {
    const at = 4 * (id * leafStride + leafKeyAt);
    return { keyHash: this.leafBytes.slice(at, at + 32), valueHash: this.leafBytes.slice(at + 32, at + 64) };
  }

  /**
   * The first bit (MSB-first, as the trie branches) at which leaf `id`'s key hash differs from
   * the 32 bytes of `keyBytes` at `keyAt`. The keys must differ.
   */
  firstDifferingBit(id: number, keyBytes: Uint8Array, keyAt: number): number {
    const bytes = this.leafBytes;
    const at = 4 * (id * leafStride + leafKeyAt);
    for (let i = 0; i < 32; i++) {
      const diff = (bytes[at + i] as number) ^ (keyBytes[keyAt + i] as number);
      if (diff !== 0) return 8 * i + Math.clz32(diff) - 24;
    }
    assert(false, 'StateNodes.firstDifferingBit: the two key hashes are equal');
  }

  /** A fresh 32-byte copy of the hash of the child of node `id` on side `bit`. */
  childHash(id: number, bit: number): Uint8Array {
    const at = 4 * hashSlot(id, bit);
    return this.nodeBytes.slice(at, at + 32);
  }

  /** A fresh 32-byte copy of the hash of the tree whose root is `ref` (zeros for empty). */
  rootHashOf(ref: number): Uint8Array {
    if (ref === 0) return new Uint8Array(32);
    if (ref > 0) return this.rootHashBytes.slice();
    return this.leafBytes.slice(4 * ~ref * leafStride, 4 * ~ref * leafStride + 32);
  }

  /**
   * Rehashes the queued leaves `ids` (skipping any freed since: their flag is clear) in one
   * wasm call over their 64-byte keyHash ‖ valueHash items, clears their flags, and returns
   * how many it hashed.
   */
  hashLeaves(ids: number[]): number {
    const live: number[] = [];
    const items: Uint8Array[] = [];
    for (const id of ids) {
      if (this.leafDirty[id] !== 1) continue;
      this.leafDirty[id] = 0;
      live.push(id);
      const at = 4 * (id * leafStride + leafKeyAt);
      items.push(this.leafBytes.subarray(at, at + 64));
    }
    if (live.length === 0) return 0;
    const { data, offsets, out } = packMessages(items, 'StateTree.update', 'leaves');
    wasmMerkleLeafHashes(data, offsets, live.length, out);
    const io = new Int32Array(memoryU8().buffer, out, live.length * hashWords);
    const leaf = this.leaf;
    for (let i = 0; i < live.length; i++) {
      const at = (live[i] as number) * leafStride;
      for (let w = 0; w < hashWords; w++) leaf[at + w] = io[hashWords * i + w] as number;
    }
    return live.length;
  }

  /**
   * Rehashes the queued internal nodes `ids` — all at one depth, their children already
   * final — in one wasm call: gathers each node's two child hashes into contiguous io memory,
   * hashes the level in place, scatters the hashes back. Skips nodes freed since (flag
   * clear), clears the flags, and returns how many it hashed.
   */
  hashNodes(ids: number[]): number {
    const base = reserveIo(ids.length * 64);
    const io = new Int32Array(memoryU8().buffer, base, ids.length * 2 * hashWords);
    const node = this.node;
    const leaf = this.leaf;
    let pairs = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      const at = id * nodeStride;
      const flags = node[at + nodeFlagsAt] as number;
      if ((flags & flagQueued) === 0) continue;
      node[at + nodeFlagsAt] = 0;
      ids[pairs] = id;
      // Refresh flagged sides whose child is a leaf (its hash is final: leaves hash first) or
      // empty; a flagged side with an internal child holds the hash that child just wrote.
      for (let bit = 0; bit < 2; bit++) {
        const ref = node[at + bit] as number;
        if ((flags & (2 << bit)) === 0 || ref > 0) continue;
        const slot = at + nodeHashAt + hashWords * bit;
        if (ref === 0) {
          for (let w = 0; w < hashWords; w++) node[slot + w] = 0;
        } else {
          const from = ~ref * leafStride;
          for (let w = 0; w < hashWords; w++) node[slot + w] = leaf[from + w] as number;
        }
      }
      // Pair p: the record's two child hashes, 16 contiguous words, at io words [16 p, 16 p + 16).
      const target = 2 * hashWords * pairs;
      for (let w = 0; w < 2 * hashWords; w++) io[target + w] = node[at + nodeHashAt + w] as number;
      pairs++;
    }
    if (pairs === 0) return 0;
    wasmMerkleNodeLevel(base, pairs, base);
    // Scatter each hash into the parent's slot (the root's into rootHash).
    for (let p = 0; p < pairs; p++) {
      const parentSlot = node[(ids[p] as number) * nodeStride + nodeParentAt] as number;
      const from = hashWords * p;
      if (parentSlot < 0) {
        for (let w = 0; w < hashWords; w++) this.rootHash[w] = io[from + w] as number;
      } else {
        for (let w = 0; w < hashWords; w++) node[parentSlot + w] = io[from + w] as number;
      }
    }
    return pairs;
  }
}
