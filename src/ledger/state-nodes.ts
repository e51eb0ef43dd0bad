/**
 * @internal The state tree's storage: internal nodes and leaves as fixed-size records in two
 * typed arrays, addressed by integer ids, with every node's hash cached.
 *
 * Why typed arrays and not one JS object per node: a 1,000,000-key tree has about 2.4 M
 * nodes; as objects each would carry a header and a `Uint8Array` hash (~150 bytes of
 * overhead, and millions of objects for the GC to trace on every major collection). Here the
 * whole tree is a few flat buffers the GC never looks into, a hash is 8 words that copy into
 * wasm memory with a plain loop, and freed ids are reused.
 *
 * Why records (array of structs) and not one array per field: a block touches a few
 * thousand random paths through a tree of ~100 MB, so the cost is cache misses, not
 * instructions. Rehashing a node reads its child refs and flag and writes its hash; with all
 * of them in one 64-byte record that is one cache line, and its children's hashes (written
 * one level earlier in the same update) are one line each. Measured on a 1M-key tree, one
 * array per field made the gather/scatter cost more than the hashing itself.
 *
 * A child reference ("ref") is an int32: 0 = empty subtree, n > 0 = internal node n, n < 0 =
 * leaf ~n. Internal node ids start at 1 so that 0 can mean empty.
 *
 * ```
 * node record, 16 words (64 bytes, one cache line), at node[16 id]:
 *   [0, 8)   the node's cached hash
 *   8, 9     child refs: left (bit 0), right (bit 1); `childSlot(id, bit)` is their index
 *   10       1 while queued for rehashing in the current update, else 0
 * leaf record, 24 words (96 bytes; no 32-byte field straddles a cache line), at leaf[24 id]:
 *   [0, 8)   the leaf's cached hash
 *   [8, 24)  keyHash ‖ valueHash: exactly the 64-byte item the leaf hash SHA-256(0x00 ‖ item)
 *            is taken over, so it goes to the wasm as a view
 * leafDirty  Uint8Array, 1 per leaf: 1 while queued for rehashing
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
const nodeStride = 16;
const nodeChildAt = 8;
const nodeDirtyAt = 10;
const leafStride = 24;
const leafKeyAt = 8;
const leafValueAt = 16;
const initialCapacity = 1024;

/** Index in `StateNodes.node` of internal node `id`'s child ref on side `bit`. */
export function childSlot(id: number, bit: number): number {
  return id * nodeStride + nodeChildAt + bit;
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

  /** A new internal node with two empty children (its hash is set when it is rehashed). */
  allocNode(): number {
    let id = this.#nodeFree.pop();
    if (id === undefined) {
      id = this.#nodeEnd++;
      if ((id + 1) * nodeStride > this.node.length) {
        this.node = grown(this.node, (n) => new Int32Array(n), 2 * this.node.length);
        this.nodeBytes = new Uint8Array(this.node.buffer);
      }
    }
    const at = id * nodeStride;
    this.node[at + nodeChildAt] = 0;
    this.node[at + nodeChildAt + 1] = 0;
    this.node[at + nodeDirtyAt] = 0;
    return id;
  }

  /** Frees internal node `id` at the end of the current update; it is no longer queued. */
  freeNode(id: number): void {
    this.node[id * nodeStride + nodeDirtyAt] = 0;
    this.#nodeFreeLater.push(id);
  }

  /** Queues node `id` for rehashing: returns false if it already was. */
  markNode(id: number): boolean {
    const at = id * nodeStride + nodeDirtyAt;
    if (this.node[at] === 1) return false;
    this.node[at] = 1;
    return true;
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

  /** Writes the 32-byte hash of `ref` (zeros for empty) as 8 words into `target` at word `at`. */
  copyHash(ref: number, target: Int32Array, at: number): void {
    let source: Int32Array;
    let from: number;
    if (ref > 0) {
      source = this.node;
      from = ref * nodeStride;
    } else if (ref < 0) {
      source = this.leaf;
      from = ~ref * leafStride;
    } else {
      for (let w = 0; w < hashWords; w++) target[at + w] = 0;
      return;
    }
    for (let w = 0; w < hashWords; w++) target[at + w] = source[from + w] as number;
  }

  /** A fresh 32-byte copy of the hash of `ref` (zeros for empty). */
  hashOf(ref: number): Uint8Array {
    if (ref === 0) return new Uint8Array(32);
    if (ref > 0) return this.nodeBytes.slice(4 * ref * nodeStride, 4 * ref * nodeStride + 32);
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
    let pairs = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      const at = id * nodeStride;
      if (node[at + nodeDirtyAt] !== 1) continue;
      node[at + nodeDirtyAt] = 0;
      ids[pairs] = id;
      // Pair p's left and right child hashes at words [16 p, 16 p + 16).
      this.copyHash(node[at + nodeChildAt] as number, io, 2 * hashWords * pairs);
      this.copyHash(node[at + nodeChildAt + 1] as number, io, 2 * hashWords * pairs + hashWords);
      pairs++;
    }
    if (pairs === 0) return 0;
    wasmMerkleNodeLevel(base, pairs, base);
    for (let p = 0; p < pairs; p++) {
      const at = (ids[p] as number) * nodeStride;
      for (let w = 0; w < hashWords; w++) node[at + w] = io[hashWords * p + w] as number;
    }
    return pairs;
  }
}
