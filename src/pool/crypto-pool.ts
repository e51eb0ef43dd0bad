/**
 * `CryptoPool`: the crypto API of src/crypto, spread over worker threads with piscina. This
 * file is the facade: it checks each call's input, plans its chunks and says what each task
 * carries. The parts it stands on each have a file of their own:
 * - src/pool/scheduler.ts (with pending-call.ts): the threads, the bounded queue, deadlines,
 *   aborts, crash errors;
 * - src/pool/chunk-plan.ts: how a call is cut into chunks (pure, with the tuning constants);
 * - src/pool/worker-protocol.ts and worker.ts: what a task carries and how a worker runs it;
 * - src/pool/options.ts and internals.ts: the options and their checks; the test hooks.
 *
 * Same answers as the inline API, always: verification runs the same wasm batch verification
 * (ZIP-215, batch verdicts equal single verdicts), hashing the same wasm `sha256Many`, and a
 * Merkle root is assembled from RFC 9162 subtree roots exactly as the RFC defines it.
 *
 * How work moves (the wasm memory rules of docs/architecture.md, carried across threads):
 * - Workers compile nothing: the main thread's compiled `WebAssembly.Module` goes to each
 *   worker in `workerData[wasmModuleKey]`, and the worker's loader only instantiates it.
 * - A call of objects is validated whole on the calling thread (same checks and messages as
 *   the inline API, `where` = `CryptoPool.<method>`), then cut into chunks; each chunk is
 *   packed into ONE buffer that is transferred to the worker, and the worker's result comes
 *   back the same way. No item crosses as an object.
 * - A packed signature batch (`verifyPackedBatch`) is not validated or repacked per item on
 *   the calling thread: its header is checked, and its workers verify ranges of one shared
 *   buffer in place, each checking its own records.
 * - Small calls run inline on the calling thread, where the pool's per-task overhead would
 *   dominate; large ones are split so every thread gets work, into no more chunks than an
 *   idle pool admits.
 * - Threads start in the constructor and stay (minThreads = threads by default): no thread
 *   start-up on the hot path. `ready()` waits until each has loaded the module.
 */
import { assert } from '../assert.js';
import type { CryptoBackend } from '../crypto/backend.js';
import {
  checkPackedHeader,
  checkVerifyItems,
  type Ed25519BatchItem,
  ed25519VerifyBatch,
  packVerifyItems,
  recordVerdicts,
  verifyPackedRange,
} from '../crypto/ed25519.js';
import type { Ed25519Suspects } from '../crypto/ed25519-suspects.js';
import { MerkleTree, merkleRoot } from '../crypto/merkle.js';
import {
  checkInclusionItems,
  type MerkleInclusionItem,
  packInclusionItems,
  verifyMerkleInclusionMany,
} from '../crypto/merkle-batch.js';
import { checkMessages, sha256DigestBytes, sha256Many } from '../crypto/sha256.js';
import { wasmModule, wasmModuleKey } from '../crypto/wasm.js';
import {
  batchBytesMax,
  ed25519BatchItemsMax,
  merkleLeavesMax,
  poolVerifyItemsMax,
  poolVerifyMessageBytesMax,
} from '../limits.js';
import { requireBytesArray } from '../validate.js';
import {
  hashChunksWanted,
  merkleInlineLeavesMax,
  merkleSubtreeLeaves,
  proofChunkItemsMin,
  proofInlineItemsMax,
  type Range,
  sha256Blocks,
  sha256ChunkCount,
  sha256InlineBlocksMax,
  splitByWeight,
  splitEvenly,
  verifyChunkCount,
  verifyInlineItemsMax,
} from './chunk-plan.js';
import { PoolClosedError, type PoolTaskTimeoutError } from './errors.js';
import { type PoolInternals, poolInternals } from './internals.js';
import { type CryptoPoolOptions, type PoolCallOptions, resolvePoolOptions } from './options.js';
import { PoolScheduler } from './scheduler.js';
import { itemsBytes, itemsUniform32, packItems, testHooksKey, verdictsToBooleans } from './worker-protocol.js';

export { type PoolInternals, type PoolTestHooks, poolInternals, poolTestHooks } from './internals.js';
export {
  type CryptoPoolOptions,
  type PoolCallOptions,
  poolIdleTimeoutMsDefault,
  poolQueueTasksDefault,
} from './options.js';

function checkPoolVerifyItems(items: unknown, where: string): asserts items is readonly Ed25519BatchItem[] {
  checkVerifyItems(items, where, poolVerifyItemsMax, poolVerifyMessageBytesMax);
}

/** The verdict bytes of a call's chunks (one per item of each range), in item order. */
function joinVerdicts(ranges: readonly Range[], results: readonly unknown[], count: number, where: string): Uint8Array {
  const verdicts = new Uint8Array(count);
  for (let c = 0; c < ranges.length; c++) {
    const range = ranges[c] as Range;
    const bytes = results[c] as Uint8Array;
    assert(
      bytes.length === range.end - range.start,
      `${where}: ${bytes.length} verdicts for ${range.end - range.start} items`,
    );
    verdicts.set(bytes, range.start);
  }
  return verdicts;
}

/** `packed` itself if its bytes are in a SharedArrayBuffer, else one copy of them in a new one. */
function sharedBytes(packed: Uint8Array): Uint8Array {
  if (packed.buffer instanceof SharedArrayBuffer) return packed;
  const shared = new Uint8Array(new SharedArrayBuffer(packed.byteLength));
  shared.set(packed);
  return shared;
}

/**
 * A pool of worker threads that verifies Ed25519 batches, hashes with SHA-256 and computes
 * RFC 9162 Merkle roots — the same results as the inline functions, computed on all cores.
 * How much a call gains from the pool, and where it runs inline instead, is set out with the
 * tuning constants in src/pool/chunk-plan.ts.
 *
 * @example
 * ```ts
 * const pool = new CryptoPool({ threads: 4 });
 * const verdicts = await pool.verifyBatch(items); // boolean[], one per item
 * const root = await pool.merkleRoot(leaves);
 * await pool.close();
 * ```
 */
export class CryptoPool implements CryptoBackend {
  /** Worker threads this pool runs at most. */
  readonly threads: number;
  /** Most chunk tasks that may wait for a thread. */
  readonly maxQueue: number;
  /** Each task's deadline in ms, or undefined for none (see {@link CryptoPoolOptions.taskTimeoutMs}). */
  readonly taskTimeoutMs: number | undefined;
  /**
   * The keys whose signatures this pool verifies one by one (see
   * {@link CryptoPoolOptions.suspects}); undefined if suspicion is off.
   */
  readonly suspects: Ed25519Suspects | undefined;
  /** Threads kept warm (`minThreads`): what `ready()` waits for. */
  readonly #warmThreads: number;
  readonly #scheduler: PoolScheduler;

  constructor(options: CryptoPoolOptions = {}) {
    const { threads, minThreads, idleTimeout, maxQueue, taskTimeoutMs, suspects, hooks } = resolvePoolOptions(
      options,
      'new CryptoPool',
    );
    this.threads = threads;
    this.suspects = suspects;
    this.maxQueue = maxQueue;
    this.taskTimeoutMs = taskTimeoutMs;
    this.#warmThreads = minThreads;
    const workerData: Record<string, unknown> = {};
    if (hooks?.withholdModule !== true) workerData[wasmModuleKey] = wasmModule;
    if (hooks?.crashTasks === true) workerData[testHooksKey] = true;
    this.#scheduler = new PoolScheduler({
      threads,
      minThreads,
      idleTimeout,
      maxQueue,
      taskTimeoutMs,
      workerData,
    });
  }

  /**
   * Resolves once every thread kept warm (`minThreads`) has loaded the wasm and answered a
   * task. Optional: calls made before it simply wait for the threads that are still loading.
   */
  async ready(): Promise<void> {
    const where = 'CryptoPool.ready';
    if (this.#scheduler.closed) throw new PoolClosedError(`${where}: the pool is closed`);
    const ping = () => ({ kind: 'ping', packed: new Uint8Array(16) }) as const;
    const pings = Array.from({ length: Math.max(1, this.#warmThreads) }, () =>
      this.#scheduler.run(where, [{ start: 0, end: 1 }], undefined, ping),
    );
    await Promise.all(pings);
  }

  /**
   * Verifies Ed25519 signatures with ZIP-215 semantics: the same verdicts as
   * `ed25519VerifyBatch`/`ed25519Verify` for every item, invalid items found exactly.
   *
   * Up to `verifyInlineItemsMax` items are verified inline; larger batches are cut into
   * chunks (one per thread at least, about `verifyChunkItemsTarget` items each, none below
   * `verifyChunkItemsMin`, never more than `threads + maxQueue`), each batch-verified in a
   * worker. (These tuning constants, with the measurements behind them, are in
   * src/pool/chunk-plan.ts.)
   *
   * @returns one verdict per item, in order.
   * @throws TypeError/RangeError naming the item and field on malformed input (the same checks
   *   as the inline API); rejects with PoolClosedError, PoolQueueFullError, AbortError or
   *   WorkerCrashedError.
   */
  async verifyBatch(items: readonly Ed25519BatchItem[], options: PoolCallOptions = {}): Promise<boolean[]> {
    const where = 'CryptoPool.verifyBatch';
    const signal = this.#scheduler.admit(where, options);
    checkPoolVerifyItems(items, where);
    const count = items.length;
    const suspects = this.suspects;
    if (count <= verifyInlineItemsMax) return ed25519VerifyBatch(items, { suspects });
    const suspectKeys = suspects?.packedKeys();
    const ranges = splitEvenly(count, verifyChunkCount(count, this.threads, this.#scheduler.capacity()));
    // Each chunk is packed into a buffer of its own and transferred (not copied), as it is
    // queued: the first chunks are verified while later ones are packed. One shared buffer for
    // the call would copy the same bytes, but no worker could start before the last item.
    const results = await this.#scheduler.run(where, ranges, signal, (range) => ({
      kind: 'verify',
      packed: packVerifyItems(items, range.start, range.end),
      suspects: suspectKeys,
    }));
    const verdicts = new Array<boolean>(count);
    verdictsToBooleans(joinVerdicts(ranges, results, count, where), verdicts, 0);
    suspects?.endBatch(
      count,
      (i) => (items[i] as Ed25519BatchItem).publicKey,
      (i) => verdicts[i] === true,
    );
    return verdicts;
  }

  /**
   * Verifies a batch already in the packed layout of `packVerifyBatch` (what the block
   * decoder produces): the same verdicts as `verifyPackedBatch`, one byte per item (1 valid,
   * 0 not).
   *
   * Nothing is validated or repacked per item on the calling thread: it checks the header
   * against the length (constant time), cuts the items into ranges, and each worker verifies
   * its range of the same bytes in place, checking its own records as it goes.
   * - Bytes in a `SharedArrayBuffer` (a `PackedBatchWriter` created with `shared`) reach the
   *   workers without a copy: every task carries the caller's own view.
   * - Bytes in an ordinary ArrayBuffer are copied once, whole, into a new SharedArrayBuffer,
   *   and that is shared as above. This is the cheapest honest choice: the caller's buffer
   *   cannot be transferred (that would detach the caller's bytes, a decoded block's among
   *   them), a structured clone of its view would copy the whole buffer once per task, and
   *   cutting it into self-contained chunks is the per-item repacking this method avoids. One
   *   memcpy of the batch is small beside verifying it.
   *
   * Up to `verifyInlineItemsMax` items are verified inline, as `verifyPackedBatch` does.
   *
   * @throws TypeError/RangeError if the header does not match the length; rejects with a
   *   RangeError naming this method and the item if a record's message lies outside the
   *   message area (found by the worker whose range holds it; the worker stays), and
   *   otherwise like {@link verifyBatch}.
   */
  async verifyPackedBatch(packed: Uint8Array, options: PoolCallOptions = {}): Promise<Uint8Array> {
    const where = 'CryptoPool.verifyPackedBatch';
    const signal = this.#scheduler.admit(where, options);
    const { count } = checkPackedHeader(packed, where, ed25519BatchItemsMax);
    const suspects = this.suspects;
    const suspectKeys = suspects?.packedKeys();
    let verdicts: Uint8Array;
    if (count <= verifyInlineItemsMax) {
      verdicts = verifyPackedRange(packed, 0, count, where, suspectKeys);
    } else {
      const shared = sharedBytes(packed);
      const ranges = splitEvenly(count, verifyChunkCount(count, this.threads, this.#scheduler.capacity()));
      const results = await this.#scheduler.run(where, ranges, signal, (range) => ({
        kind: 'verifyRange',
        packed: shared,
        start: range.start,
        end: range.end,
        where,
        suspects: suspectKeys,
      }));
      verdicts = joinVerdicts(ranges, results, count, where);
    }
    if (suspects !== undefined) recordVerdicts(suspects, packed, verdicts);
    return verdicts;
  }

  /**
   * Verifies many RFC 9162 inclusion proofs: the same verdicts as `verifyMerkleInclusionMany`
   * (and `verifyMerkleInclusion`, item by item). Up to `proofInlineItemsMax` proofs are
   * checked inline; more are cut into one chunk per thread or more (at least
   * `proofChunkItemsMin` proofs each), each packed into one buffer and walked in a worker.
   *
   * @returns one verdict per item, in order.
   * @throws TypeError/RangeError naming the item and field on malformed input; rejects like
   *   {@link verifyBatch}.
   */
  async verifyMerkleInclusionMany(
    items: readonly MerkleInclusionItem[],
    options: PoolCallOptions = {},
  ): Promise<boolean[]> {
    const where = 'CryptoPool.verifyMerkleInclusionMany';
    const signal = this.#scheduler.admit(where, options);
    checkInclusionItems(items, where);
    const count = items.length;
    if (count <= proofInlineItemsMax) return verifyMerkleInclusionMany(items);
    const parts = Math.max(1, Math.min(this.#chunksWanted(), Math.floor(count / proofChunkItemsMin)));
    const ranges = splitEvenly(count, parts);
    const results = await this.#scheduler.run(where, ranges, signal, (range) => ({
      kind: 'proofs',
      packed: packInclusionItems(items, range.start, range.end),
    }));
    const verdicts = new Array<boolean>(count);
    verdictsToBooleans(joinVerdicts(ranges, results, count, where), verdicts, 0);
    return verdicts;
  }

  /**
   * SHA-256 of each message: the same digests as `sha256Many`. Small calls (up to
   * `sha256InlineBlocksMax` 64-byte blocks of work) run inline; larger ones are split
   * by work into chunks of at least `sha256ChunkBlocksMin` blocks.
   *
   * @returns one 32-byte digest per message, in order (views into a few shared buffers).
   * @throws TypeError/RangeError as `sha256Many` does; rejects like {@link verifyBatch}.
   */
  async sha256Many(messages: readonly Uint8Array[], options: PoolCallOptions = {}): Promise<Uint8Array[]> {
    const where = 'CryptoPool.sha256Many';
    const signal = this.#scheduler.admit(where, options);
    checkMessages(messages, where);
    const count = messages.length;
    let blocks = 0;
    for (let i = 0; i < count; i++) blocks += sha256Blocks((messages[i] as Uint8Array).length);
    if (blocks <= sha256InlineBlocksMax) return sha256Many(messages);
    const ranges = splitByWeight(
      count,
      (i) => sha256Blocks((messages[i] as Uint8Array).length),
      sha256ChunkCount(blocks, this.#chunksWanted()),
    );
    const results = await this.#scheduler.run(where, ranges, signal, (range) => ({
      kind: 'sha256',
      packed: packItems(messages, range.start, range.end, false),
    }));
    const digests = new Array<Uint8Array>(count);
    for (let c = 0; c < ranges.length; c++) {
      const range = ranges[c] as Range;
      const packed = results[c] as Uint8Array;
      assert(
        packed.length === (range.end - range.start) * sha256DigestBytes,
        `${where}: ${packed.length} digest bytes for ${range.end - range.start} messages`,
      );
      for (let i = range.start; i < range.end; i++) {
        const at = (i - range.start) * sha256DigestBytes;
        digests[i] = packed.subarray(at, at + sha256DigestBytes);
      }
    }
    return digests;
  }

  /**
   * The RFC 9162 Merkle tree hash of `leaves`: the same root as `merkleRoot(leaves)` for
   * every n. The leaves are cut at power-of-two boundaries into aligned subtrees of 2^k
   * leaves (the last one may be partial); each worker returns its subtree's root, and the
   * calling thread combines those roots as RFC 9162 does. That is exact, because every split
   * point the RFC recursion takes over n > 2^k leaves is a multiple of 2^k, so the recursion
   * over the leaves becomes the same recursion over the subtree roots.
   *
   * Up to `merkleInlineLeavesMax` leaves run inline; subtrees have at least
   * `merkleChunkLeavesMin` leaves.
   *
   * @throws TypeError/RangeError as `merkleRoot` does; rejects like {@link verifyBatch}.
   */
  async merkleRoot(leaves: readonly Uint8Array[], options: PoolCallOptions = {}): Promise<Uint8Array> {
    const where = 'CryptoPool.merkleRoot';
    const signal = this.#scheduler.admit(where, options);
    requireBytesArray(leaves, 'leaves', where, merkleLeavesMax);
    const count = leaves.length;
    const uniform32 = itemsUniform32(leaves, 0, count);
    if (!uniform32) {
      const totalBytes = itemsBytes(leaves, 0, count);
      if (totalBytes > batchBytesMax) {
        throw new RangeError(`${where}: leaves hold ${totalBytes} bytes in all, limit ${batchBytesMax}`);
      }
    }
    if (count <= merkleInlineLeavesMax) return merkleRoot(leaves);
    const subtreeLeaves = merkleSubtreeLeaves(count, this.#chunksWanted(), this.#scheduler.capacity());
    const ranges: Range[] = [];
    for (let start = 0; start < count; start += subtreeLeaves) {
      ranges.push({ start, end: Math.min(count, start + subtreeLeaves) });
    }
    const roots = await this.#scheduler.run(where, ranges, signal, (range) => ({
      kind: 'merkle',
      packed: packItems(leaves, range.start, range.end, uniform32),
    }));
    if (roots.length === 1) return roots[0] as Uint8Array;
    return MerkleTree.fromLeafHashes(roots as Uint8Array[]).root;
  }

  /**
   * Closes the pool: queued tasks reject with {@link PoolClosedError}, running tasks finish
   * (their calls resolve), then the threads exit. Later calls reject with PoolClosedError.
   * With `taskTimeoutMs`, a stuck task delays this by at most that long: it is terminated and
   * its call rejects with {@link PoolTaskTimeoutError}. Idempotent: every call returns the same
   * promise.
   */
  close(): Promise<void> {
    return this.#scheduler.close();
  }

  /** @internal */
  get [poolInternals](): PoolInternals {
    const scheduler = this.#scheduler;
    return {
      runTask: async (kind, packed, signal) => {
        const where = `CryptoPool[internals].${kind}`;
        const checked = scheduler.admit(where, { signal });
        const results = await scheduler.run(where, [{ start: 0, end: 1 }], checked, () => ({ kind, packed }));
        return results[0];
      },
      threads: () => scheduler.liveThreads(),
      queued: () => scheduler.queued(),
      running: () => scheduler.running(),
      watchTasks: (listener) => scheduler.watchTasks(listener),
    };
  }

  /** How many chunks a large hashing call is cut into: a few per thread, within the capacity. */
  #chunksWanted(): number {
    return hashChunksWanted(this.threads, this.#scheduler.capacity());
  }
}
