/**
 * `CryptoPool`: the crypto API of src/crypto, spread over worker threads with piscina.
 *
 * Same answers as the inline API, always: verification runs the same wasm `verifyPackedBatch`
 * (ZIP-215, batch verdicts equal single verdicts), hashing the same wasm `sha256Many`, and a
 * Merkle root is assembled from RFC 9162 subtree roots exactly as the RFC defines it.
 *
 * How work moves (the wasm memory rules of docs/architecture.md, carried across threads):
 * - Workers compile nothing: the main thread's compiled `WebAssembly.Module` goes to each
 *   worker in `workerData[wasmModuleKey]`, and the worker's loader only instantiates it.
 * - A call is validated whole on the calling thread (same checks and messages as the inline
 *   API, `where` = `CryptoPool.<method>`), then cut into chunks; each chunk is packed into ONE
 *   buffer (src/pool/packing.ts) that is transferred to the worker, and the worker's result
 *   comes back the same way. No item crosses as an object.
 * - Small calls run inline on the calling thread, where the pool's per-task overhead would
 *   dominate; large ones are split so every thread gets work, into no more chunks than an
 *   idle pool admits (src/pool/chunk-plan.ts: the planners and their measured thresholds).
 * - The pool keeps its own bounded FIFO of chunk tasks and hands piscina at most `threads`
 *   tasks at a time, so a call is admitted or refused whole (`PoolQueueFullError`), an abort
 *   takes exactly that call's queued chunks out, and `close()` knows what is still queued.
 * - Threads start in the constructor and stay (minThreads = threads by default): no thread
 *   start-up on the hot path. `ready()` waits until each has loaded the module.
 *
 * Worker loading: from dist/ the worker is dist/src/pool/worker.js next to this file. When this
 * file runs as TypeScript (vitest, `npm run bench` under tsx) there is no .js worker, and a
 * worker thread does not inherit a loader from vitest, so the workers start from
 * src/pool/worker-tsx.mjs, which registers tsx (`tsx/esm/api`) in the thread and then imports
 * worker.ts. tsx is a devDependency, which is all the source mode needs; an installed package
 * only ever runs dist/.
 */
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { assert } from '../assert.js';
import type { CryptoBackend } from '../crypto/backend.js';
import {
  checkPacked,
  checkVerifyItems,
  type Ed25519BatchItem,
  ed25519VerifyBatch,
  packVerifyItems,
  slicePackedBatch,
  verifyPackedBatch,
} from '../crypto/ed25519.js';
import { MerkleTree, merkleRoot } from '../crypto/merkle.js';
import {
  checkInclusionItems,
  type MerkleInclusionItem,
  packInclusionItems,
  verifyMerkleInclusionMany,
} from '../crypto/merkle-batch.js';
import { checkMessages, sha256DigestBytes, sha256Many } from '../crypto/sha256.js';
import { describeValue, requireBytesArray, requireInteger } from '../crypto/validate.js';
import { wasmModule, wasmModuleKey } from '../crypto/wasm.js';
import {
  batchBytesMax,
  merkleLeavesMax,
  poolIdleTimeoutMsMax,
  poolQueueTasksMax,
  poolTaskTimeoutMsMax,
  poolThreadsMax,
  poolVerifyItemsMax,
  poolVerifyMessageBytesMax,
} from '../limits.js';
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
import { AbortError, PoolClosedError, PoolQueueFullError, PoolTaskTimeoutError, WorkerCrashedError } from './errors.js';
import {
  type CrashReport,
  crashReportKey,
  itemsBytes,
  itemsUniform32,
  type PoolTaskKind,
  packItems,
  taskStartedKey,
  testHooksKey,
  verdictsToBooleans,
} from './packing.js';

/** Default `maxQueue`: tasks (chunks) that may wait for a thread. */
export const poolQueueTasksDefault = 1024;

/** Default `idleTimeout` (ms) for threads above `minThreads`. */
export const poolIdleTimeoutMsDefault = 30_000;

/** Options of {@link CryptoPool}. */
export interface CryptoPoolOptions {
  /** Worker threads (piscina `maxThreads`). Default: `os.availableParallelism()`. */
  threads?: number;
  /**
   * Threads kept alive while idle. Default: `threads`, so threads start with the pool and are
   * never torn down — no thread start-up on the hot path.
   */
  minThreads?: number;
  /** How long a thread above `minThreads` may sit idle before it exits, in ms. Default 30 s. */
  idleTimeout?: number;
  /**
   * Most tasks (chunks of calls) waiting for a free thread; a call whose chunks do not fit
   * rejects whole with {@link PoolQueueFullError} before any of its work starts. A call is cut
   * into at most `threads + maxQueue` chunks, so on an idle pool every call fits.
   * Default 1024.
   */
  maxQueue?: number;
  /**
   * A deadline for each task (chunk), in ms from when it starts on a thread (time spent
   * queued, or waiting for a thread to start, does not count). A task still running past it is
   * taken as stuck: its thread is terminated and replaced, and its call rejects with
   * {@link PoolTaskTimeoutError} (code `POOL_TASK_TIMEOUT`) naming the task. `close()` then never
   * waits on a stuck thread longer than this. Default: no deadline. Allow for the largest
   * chunk a call makes (8,192 signatures take ~150 ms on one core; the chunks of a call run
   * side by side, so the deadline does not grow with the call).
   */
  taskTimeoutMs?: number;
}

/** Per-call options. */
export interface PoolCallOptions {
  /**
   * Aborts the call: if already aborted it rejects with {@link AbortError} at once; if its
   * chunks are still queued they are removed. Chunks already running finish in their thread
   * (the thread stays warm) and their results are dropped; the call rejects at once.
   */
  signal?: AbortSignal;
}

/** @internal The option key that enables the hidden `crash` task (src/pool/testing.ts). */
export const poolTestHooks: unique symbol = Symbol('consortium-ledger.CryptoPool.testHooks');
/** @internal Key of the pool's internal task runner (src/pool/testing.ts, bench/pool.ts). */
export const poolInternals: unique symbol = Symbol('consortium-ledger.CryptoPool.internals');

/** @internal What `pool[poolInternals]` gives tests and benchmarks. */
export interface PoolInternals {
  /** Runs one raw task through the queue; resolves to the worker's result. */
  runTask(kind: PoolTaskKind, packed: Uint8Array, signal?: AbortSignal): Promise<unknown>;
  /** The live worker threads (piscina's). */
  threads(): readonly Worker[];
  /** Chunks waiting and running now. */
  queued(): number;
  running(): number;
}

/** @internal Test-only switches, reachable only through the {@link poolTestHooks} symbol. */
export interface PoolTestHooks {
  /** Let workers run the hidden `crash` task (exit, wasm trap or throw, on request). */
  readonly crashTasks?: boolean;
  /** Do not hand workers the compiled module (the negative control of the no-compile test). */
  readonly withholdModule?: boolean;
}

type InternalOptions = CryptoPoolOptions & { [poolTestHooks]?: PoolTestHooks };

const runningFromSource = import.meta.url.endsWith('.ts');
const workerUrl = new URL(runningFromSource ? './worker-tsx.mjs' : './worker.js', import.meta.url);

/** One call in flight: its chunks' results, and how it settles. */
class PendingCall {
  readonly where: string;
  readonly chunkCount: number;
  readonly results: unknown[];
  settled = false;
  #done = 0;
  readonly #resolve: (results: unknown[]) => void;
  readonly #reject: (error: Error) => void;
  readonly #cleanup: () => void;

  constructor(
    where: string,
    chunkCount: number,
    resolve: (results: unknown[]) => void,
    reject: (error: Error) => void,
    cleanup: () => void,
  ) {
    this.where = where;
    this.chunkCount = chunkCount;
    this.results = new Array<unknown>(chunkCount);
    this.#resolve = resolve;
    this.#reject = reject;
    this.#cleanup = cleanup;
  }

  chunkDone(index: number, result: unknown): void {
    if (this.settled) return;
    this.results[index] = result;
    this.#done++;
    if (this.#done === this.chunkCount) {
      this.settled = true;
      this.#cleanup();
      this.#resolve(this.results);
    }
  }

  fail(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.#cleanup();
    this.#reject(error);
  }
}

/** One chunk task: a packed buffer bound for one worker. */
interface Chunk {
  readonly call: PendingCall;
  readonly index: number;
  readonly kind: PoolTaskKind;
  readonly packed: Uint8Array;
  /** Items `[start, end)` of the call, for error messages. */
  readonly start: number;
  readonly end: number;
}

/** A running task's deadline: the abort that ends it, and its clock once the worker started it. */
interface TaskDeadline {
  readonly abort: AbortController;
  timer?: NodeJS.Timeout;
}

/** `task 2 of 3 (items 8192..16383)`: which part of its call a chunk is, for error messages. */
function describeChunk(chunk: Chunk): string {
  return `task ${chunk.index + 1} of ${chunk.call.chunkCount} (items ${chunk.start}..${chunk.end - 1})`;
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

function checkPoolVerifyItems(items: unknown, where: string): asserts items is readonly Ed25519BatchItem[] {
  checkVerifyItems(items, where, poolVerifyItemsMax, poolVerifyMessageBytesMax);
}

function checkSignal(signal: unknown, where: string): asserts signal is AbortSignal | undefined {
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`${where}: expected options.signal to be an AbortSignal, got ${describeValue(signal)}`);
  }
}

function abortError(where: string, signal: AbortSignal): AbortError {
  return new AbortError(`${where}: aborted`, signal.reason);
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

/**
 * A pool of worker threads that verifies Ed25519 batches, hashes with SHA-256 and computes
 * RFC 9162 Merkle roots — the same results as the inline functions, computed on all cores.
 *
 * Per-task overhead — one round trip to a warm worker, the packed buffer transferred there
 * and back through piscina (Atomics wake-ups), timed one by one on the 2-core development VM:
 * median ~200 µs for 64 B to 64 KiB (p10 70–180 µs, p90 230–340 µs) and ~260–300 µs for 1 MiB
 * in the final benchmark runs; ~60–100 µs median in an earlier session on the same code (the
 * VM's wake-up latency varies; piscina echoing a plain number measured 74–110 µs alongside).
 * That is one to three single signature verifications, which is what sets the inline
 * thresholds above.
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
  readonly #piscina: Piscina;
  readonly #queue: Chunk[] = [];
  #running = 0;
  #closed = false;
  #closing: Promise<void> | undefined;
  #idleWaiters: Array<() => void> = [];
  #nextTaskId = 1;
  readonly #crashReports = new Map<number, string>();
  #lastPoolError: Error | undefined;
  /**
   * The calls in flight per AbortSignal, and how each aborts. The pool adds ONE listener to a
   * signal however many of its calls share it (a caller may pass one signal to hundreds of
   * calls; a listener each would trip Node's MaxListenersExceededWarning at 11), and removes
   * it when the last of those calls settles.
   */
  /** Running tasks with a deadline, by task id: the abort that ends one, and its clock once started. */
  readonly #deadlines = new Map<number, TaskDeadline>();
  readonly #signalCalls = new Map<AbortSignal, { calls: Map<PendingCall, () => void>; listener: () => void }>();

  constructor(options: CryptoPoolOptions = {}) {
    const where = 'new CryptoPool';
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`${where}: expected options to be an object, got ${describeValue(options)}`);
    }
    const internal = options as InternalOptions;
    const threads = internal.threads ?? Math.min(os.availableParallelism(), poolThreadsMax);
    requireInteger(threads, 'options.threads', where, 1, poolThreadsMax);
    const minThreads = internal.minThreads ?? threads;
    requireInteger(minThreads, 'options.minThreads', where, 0, threads);
    const idleTimeout = internal.idleTimeout ?? poolIdleTimeoutMsDefault;
    requireInteger(idleTimeout, 'options.idleTimeout', where, 0, poolIdleTimeoutMsMax);
    const maxQueue = internal.maxQueue ?? poolQueueTasksDefault;
    requireInteger(maxQueue, 'options.maxQueue', where, 0, poolQueueTasksMax);
    const taskTimeoutMs = internal.taskTimeoutMs;
    if (taskTimeoutMs !== undefined) {
      requireInteger(taskTimeoutMs, 'options.taskTimeoutMs', where, 1, poolTaskTimeoutMsMax);
    }
    this.threads = threads;
    this.maxQueue = maxQueue;
    this.taskTimeoutMs = taskTimeoutMs;
    const hooks = internal[poolTestHooks];
    const workerData: Record<string, unknown> = {};
    if (hooks?.withholdModule !== true) workerData[wasmModuleKey] = wasmModule;
    if (hooks?.crashTasks === true) workerData[testHooksKey] = true;
    this.#piscina = new Piscina({
      filename: workerUrl.href,
      minThreads,
      maxThreads: threads,
      idleTimeout,
      // The pool queues chunks itself (see the file comment) and never hands piscina more
      // than `threads` at once; piscina's own queue only holds tasks for threads still starting.
      maxQueue: Number.POSITIVE_INFINITY,
      workerData,
      recordTiming: false,
    });
    this.#piscina.on('message', (message: unknown) => this.#onWorkerMessage(message));
    // Piscina emits 'error' for a worker that fails with no task on it (e.g. cannot load);
    // without a listener that would be an uncaught exception. Tasks still reject on their own.
    this.#piscina.on('error', (error: unknown) => {
      this.#lastPoolError = error instanceof Error ? error : new Error(String(error));
    });
  }

  /**
   * Resolves once every thread kept warm (`minThreads`) has loaded the wasm and answered a
   * task. Optional: calls made before it simply wait for the threads that are still loading.
   */
  async ready(): Promise<void> {
    const where = 'CryptoPool.ready';
    if (this.#closed) throw new PoolClosedError(`${where}: the pool is closed`);
    const warm = this.#piscina.options.minThreads;
    const pings: Promise<unknown>[] = [];
    for (let i = 0; i < Math.max(1, warm); i++) pings.push(this.#run(where, 'ping', [{ start: 0, end: 1 }], undefined));
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
    const signal = this.#admit(where, options);
    checkPoolVerifyItems(items, where);
    const count = items.length;
    if (count <= verifyInlineItemsMax) return ed25519VerifyBatch(items);
    const ranges = splitEvenly(count, verifyChunkCount(count, this.threads, this.#capacity()));
    const results = await this.#run(where, 'verify', ranges, signal, (range) =>
      packVerifyItems(items, range.start, range.end),
    );
    const verdicts = new Array<boolean>(count);
    verdictsToBooleans(joinVerdicts(ranges, results, count, where), verdicts, 0);
    return verdicts;
  }

  /**
   * Verifies a batch already in the packed layout of `packVerifyBatch` (what the block
   * decoder produces): the same verdicts as `verifyPackedBatch`, one byte per item (1 valid,
   * 0 not). Nothing is validated or repacked per item on the calling thread: the packed
   * bytes are checked once (header and message ranges), cut into chunks by byte ranges
   * and handed to the workers.
   *
   * @throws TypeError/RangeError if the packed bytes are malformed; rejects like {@link verifyBatch}.
   */
  async verifyPackedBatch(packed: Uint8Array, options: PoolCallOptions = {}): Promise<Uint8Array> {
    const where = 'CryptoPool.verifyPackedBatch';
    const signal = this.#admit(where, options);
    const count = checkPacked(packed, where);
    if (count <= verifyInlineItemsMax) return verifyPackedBatch(packed);
    const ranges = splitEvenly(count, verifyChunkCount(count, this.threads, this.#capacity()));
    const results = await this.#run(where, 'verify', ranges, signal, (range) =>
      slicePackedBatch(packed, range.start, range.end),
    );
    return joinVerdicts(ranges, results, count, where);
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
    const signal = this.#admit(where, options);
    checkInclusionItems(items, where);
    const count = items.length;
    if (count <= proofInlineItemsMax) return verifyMerkleInclusionMany(items);
    const parts = Math.max(1, Math.min(this.#chunksWanted(), Math.floor(count / proofChunkItemsMin)));
    const ranges = splitEvenly(count, parts);
    const results = await this.#run(where, 'proofs', ranges, signal, (range) =>
      packInclusionItems(items, range.start, range.end),
    );
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
    const signal = this.#admit(where, options);
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
    const results = await this.#run(where, 'sha256', ranges, signal, (range) =>
      packItems(messages, range.start, range.end, false),
    );
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
    const signal = this.#admit(where, options);
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
    const subtreeLeaves = merkleSubtreeLeaves(count, this.#chunksWanted(), this.#capacity());
    const ranges: Range[] = [];
    for (let start = 0; start < count; start += subtreeLeaves) {
      ranges.push({ start, end: Math.min(count, start + subtreeLeaves) });
    }
    const roots = await this.#run(where, 'merkle', ranges, signal, (range) =>
      packItems(leaves, range.start, range.end, uniform32),
    );
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
    if (this.#closing !== undefined) return this.#closing;
    this.#closed = true;
    const queued = this.#queue.splice(0);
    for (const chunk of queued) {
      chunk.call.fail(
        new PoolClosedError(
          `${chunk.call.where}: the pool was closed before this call's task ${chunk.index + 1} of ${chunk.call.chunkCount} started`,
        ),
      );
    }
    this.#closing = (async () => {
      if (this.#running > 0) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
      await this.#piscina.close();
    })();
    return this.#closing;
  }

  /** @internal */
  get [poolInternals](): PoolInternals {
    return {
      runTask: async (kind, packed, signal) => {
        const where = `CryptoPool[internals].${kind}`;
        const checked = this.#admit(where, { signal });
        const results = await this.#run(where, kind, [{ start: 0, end: 1 }], checked, () => packed);
        return results[0];
      },
      threads: () => this.#piscina.threads,
      queued: () => this.#queue.length,
      running: () => this.#running,
    };
  }

  /** Checks the pool is open and the signal usable and not yet aborted; returns the signal. */
  #admit(where: string, options: PoolCallOptions): AbortSignal | undefined {
    if (this.#closed) throw new PoolClosedError(`${where}: the pool is closed`);
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`${where}: expected options to be an object, got ${describeValue(options)}`);
    }
    const { signal } = options;
    checkSignal(signal, where);
    if (signal?.aborted) throw abortError(where, signal);
    return signal;
  }

  /** Most chunks one call may have and still fit an idle pool: every thread plus a full queue. */
  #capacity(): number {
    return this.threads + this.maxQueue;
  }

  /** How many chunks a large hashing call is cut into: a few per thread, within the capacity. */
  #chunksWanted(): number {
    return hashChunksWanted(this.threads, this.#capacity());
  }

  /**
   * Queues one chunk per range (packing each as it is queued, so the first ones are already
   * running while the rest are packed) and resolves to the chunks' results in order.
   */
  #run(
    where: string,
    kind: PoolTaskKind,
    ranges: readonly Range[],
    signal: AbortSignal | undefined,
    pack: (range: Range) => Uint8Array = () => new Uint8Array(16),
  ): Promise<unknown[]> {
    const free = this.threads - this.#running + (this.maxQueue - this.#queue.length);
    if (ranges.length > free) {
      return Promise.reject(
        new PoolQueueFullError(
          `${where}: the queue is full — this call needs ${ranges.length} task(s), room for ${Math.max(0, free)} ` +
            `(${this.#running} running on ${this.threads} threads, ${this.#queue.length} queued, maxQueue ${this.maxQueue})`,
          ranges.length,
          Math.max(0, free),
        ),
      );
    }
    return new Promise<unknown[]>((resolve, reject) => {
      const call = new PendingCall(where, ranges.length, resolve, reject, () => {
        if (signal !== undefined) this.#unwatchSignal(signal, call);
      });
      if (signal !== undefined) {
        this.#watchSignal(signal, call, () => {
          this.#removeQueued(call);
          call.fail(abortError(where, signal));
        });
      }
      try {
        for (let index = 0; index < ranges.length && !call.settled; index++) {
          const range = ranges[index] as Range;
          this.#queue.push({ call, index, kind, packed: pack(range), start: range.start, end: range.end });
          this.#pump();
        }
      } catch (error) {
        // Inputs were validated whole before packing, so this is a bug; fail the call cleanly.
        this.#removeQueued(call);
        call.fail(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Starts queued chunks while threads are free. */
  #pump(): void {
    while (this.#running < this.threads && this.#queue.length > 0) {
      const chunk = this.#queue.shift() as Chunk;
      if (chunk.call.settled) continue;
      this.#start(chunk);
    }
  }

  #start(chunk: Chunk): void {
    const taskId = this.#nextTaskId++;
    this.#running++;
    const { packed } = chunk;
    // The buffer moves to the worker (transfer, no copy); packers always allocate it whole.
    const { buffer } = packed;
    const whole = buffer instanceof ArrayBuffer && packed.byteOffset === 0 && packed.byteLength === buffer.byteLength;
    const transferList = whole ? [buffer] : [];
    // The deadline: aborting a task that is running makes piscina terminate its thread and
    // start a replacement, which is exactly what a stuck task needs (nothing else stops it).
    // Its clock starts when the worker announces the task (#onWorkerMessage).
    const deadline: TaskDeadline | undefined =
      this.taskTimeoutMs === undefined ? undefined : { abort: new AbortController() };
    if (deadline !== undefined) this.#deadlines.set(taskId, deadline);
    const announce = deadline !== undefined;
    const task = { kind: chunk.kind, id: taskId, packed, announce };
    const settle = (): boolean => {
      if (deadline === undefined) return false;
      clearTimeout(deadline.timer);
      this.#deadlines.delete(taskId);
      return deadline.abort.signal.aborted;
    };
    this.#piscina.run(task, { transferList, signal: deadline?.abort.signal }).then(
      (result: unknown) => {
        settle();
        this.#taskSettled();
        chunk.call.chunkDone(chunk.index, result);
      },
      (error: unknown) => {
        const timedOut = settle();
        // The call cannot succeed now: drop its other queued chunks before anything starts them.
        this.#removeQueued(chunk.call);
        chunk.call.fail(timedOut ? this.#timeoutError(chunk) : this.#crashError(chunk, taskId, error));
        this.#taskSettled();
      },
    );
  }

  #taskSettled(): void {
    this.#running--;
    this.#pump();
    if (this.#running === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  #watchSignal(signal: AbortSignal, call: PendingCall, abort: () => void): void {
    let watched = this.#signalCalls.get(signal);
    if (watched === undefined) {
      const calls = new Map<PendingCall, () => void>();
      // Each abort settles its call, whose cleanup unwatches it: iterate over a copy.
      const listener = () => {
        for (const abortCall of [...calls.values()]) abortCall();
      };
      watched = { calls, listener };
      this.#signalCalls.set(signal, watched);
      signal.addEventListener('abort', listener, { once: true });
    }
    watched.calls.set(call, abort);
  }

  #unwatchSignal(signal: AbortSignal, call: PendingCall): void {
    const watched = this.#signalCalls.get(signal);
    if (watched === undefined) return;
    watched.calls.delete(call);
    if (watched.calls.size === 0) {
      signal.removeEventListener('abort', watched.listener);
      this.#signalCalls.delete(signal);
    }
  }

  #removeQueued(call: PendingCall): void {
    let kept = 0;
    for (const chunk of this.#queue) if (chunk.call !== call) this.#queue[kept++] = chunk;
    this.#queue.length = kept;
  }

  #onWorkerMessage(message: unknown): void {
    if (typeof message !== 'object' || message === null) return;
    if (taskStartedKey in message) {
      // A task with a deadline started on its thread: start its clock. (The task may have
      // settled already if its result overtook this message; then there is nothing to time.)
      const deadline = this.#deadlines.get((message as Record<string, unknown>)[taskStartedKey] as number);
      if (deadline !== undefined && deadline.timer === undefined) {
        deadline.timer = setTimeout(() => deadline.abort.abort('taskTimeoutMs'), this.taskTimeoutMs);
      }
      return;
    }
    if (!(crashReportKey in message)) return;
    const report = (message as Record<string, unknown>)[crashReportKey] as CrashReport;
    this.#crashReports.set(report.taskId, report.cause);
  }

  #timeoutError(chunk: Chunk): PoolTaskTimeoutError {
    const { call } = chunk;
    const timeoutMs = this.taskTimeoutMs as number;
    return new PoolTaskTimeoutError(
      `${call.where}: ${describeChunk(chunk)} ran past taskTimeoutMs (${timeoutMs} ms); ` +
        'its worker thread was terminated and replaced',
      timeoutMs,
    );
  }

  #crashError(chunk: Chunk, taskId: number, error: unknown): Error {
    const reported = this.#crashReports.get(taskId);
    this.#crashReports.delete(taskId);
    const call = chunk.call;
    const what = describeChunk(chunk);
    if (reported !== undefined) {
      return new WorkerCrashedError(
        `${call.where}: the worker thread running ${what} failed and was replaced: ${reported}`,
        new Error(reported, { cause: error }),
      );
    }
    const poolError = this.#lastPoolError === undefined ? '' : ` (last pool error: ${this.#lastPoolError.message})`;
    return new WorkerCrashedError(
      `${call.where}: the worker thread running ${what} died and was replaced: ${describeError(error)}${poolError}`,
      error,
    );
  }
}
