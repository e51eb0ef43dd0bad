/**
 * How `CryptoPool` cuts a call into chunk tasks: pure functions of the call's shape and the
 * pool's size, with the tuning constants they use, so each can be unit-tested on its own
 * (test/pool/chunk-plan.test.ts).
 *
 * One rule binds every planner: a call is cut into at most `tasksMax` chunks, where
 * `tasksMax` is what an idle pool admits at once (`threads + maxQueue`). A call an idle pool
 * can run is then never refused with `PoolQueueFullError`; a refusal always means the pool is
 * busy, and a retry can succeed. A chunk may therefore be larger than one wasm call takes
 * (a signature chunk past `ed25519BatchItemsMax`): the worker cuts it further.
 */

// Tuning constants. Each was chosen from `npm run bench -- pool` on the 2-core development VM
// (the bench writes its table to bench/results/pool.md; the figures quoted here are from two
// runs on a quiet machine). The pool's results never depend on them, only its speed does.
//
// Per-task overhead — one round trip to a warm worker, the packed buffer transferred there
// and back through piscina (Atomics wake-ups), timed one by one on the 2-core development VM:
// median ~200 µs for 64 B to 64 KiB (p10 70–180 µs, p90 230–340 µs) and ~260–300 µs for 1 MiB
// in the final benchmark runs; ~60–100 µs median in an earlier session on the same code (the
// VM's wake-up latency varies; piscina echoing a plain number measured 74–110 µs alongside).
// That is one to three single signature verifications, which is what sets the inline
// thresholds below.

/**
 * Signature batches of at most this many items are verified inline on the calling thread.
 * One pool task adds its round trip and packing to the work: measured in the two final
 * benchmark runs, one task against inline, +200–245 % latency for 1 signature, +93–98 % for 2,
 * +68–77 % for 4, +32–33 % for 8, +34–44 % for 16, 0–23 % for 32. Up to 16 the overhead is a
 * third or more of the call; above, a pool task costs little and frees the calling thread (and
 * concurrent calls spread over the threads: 16 concurrent calls of 256 run 1.7–1.9× faster on
 * two threads than inline).
 */
export const verifyInlineItemsMax = 16;

/**
 * No chunk of a split signature batch is smaller than this. Batch verification gets cheaper per
 * signature as the batch grows (one multi-scalar multiplication, keys that repeat merged):
 * measured (best of 4, 256 distinct keys, 128-byte messages) ~38 µs/signature at 256, ~28 at
 * 512, ~22 at 1,024, ~18 at 4,096, ~17 at 8,192 and 16,384. Below ~1,000 items a split buys
 * latency at a steep price in CPU.
 */
export const verifyChunkItemsMin = 1024;

/**
 * Chunks of a large signature batch aim at this size, where the cost per signature has levelled
 * off (~17 µs at 8,192 and at 16,384): a batch is cut into `max(threads, n / 8192)` chunks, so
 * every thread gets one and none is smaller than it need be. (Four chunks of 4,096 on two
 * threads cost ~5–10 % more CPU than two of 8,192.)
 */
export const verifyChunkItemsTarget = 8192;

/**
 * A large hashing call (sha256Many, merkleRoot) is cut into about this many chunks per thread:
 * hashing gains nothing from bigger batches past a few thousand blocks, so smaller chunks
 * let a thread slowed by a neighbour (the machine is shared) hand work to the other.
 */
export const hashChunksPerThread = 2;

/**
 * sha256Many calls of at most this many 64-byte blocks of work (padding included) run inline:
 * ~1 ms of hashing. Measured, one pool task against inline: +200–260 % latency at 512 blocks,
 * +38–63 % at 2,048, +24 % at 8,192, even at 32,768.
 */
export const sha256InlineBlocksMax = 4096;

/** No sha256Many chunk carries less than this many 64-byte blocks of work (~0.9 ms). */
export const sha256ChunkBlocksMin = 4096;

/**
 * merkleRoot calls of at most this many leaves run inline (~2 ms at 32-byte leaves). One pool
 * task against inline: +54–68 % latency at 1,024 leaves, +12–24 % at 4,096, +6–20 % at 16,384.
 */
export const merkleInlineLeavesMax = 4096;

/** Subtrees handed to workers have at least this many leaves (a power of two). */
export const merkleChunkLeavesMin = 4096;

/** A half-open range `[start, end)` of a call's items. */
export interface Range {
  readonly start: number;
  readonly end: number;
}

/**
 * Cuts `[0, count)` into at most `parts` ≥ 1 non-empty contiguous ranges of about equal total
 * weight: range j ends after the first item at which the running weight reaches
 * (j + 1) / parts of the total. A heavy item shares its range with its neighbours rather than
 * taking one of its own, so the count of ranges never exceeds `parts`.
 */
export function splitByWeight(count: number, weight: (i: number) => number, parts: number): Range[] {
  let total = 0;
  for (let i = 0; i < count; i++) total += weight(i);
  const ranges: Range[] = [];
  let start = 0;
  let sum = 0;
  for (let i = 0; i + 1 < count && ranges.length < parts - 1; i++) {
    sum += weight(i);
    if (sum * parts >= total * (ranges.length + 1)) {
      ranges.push({ start, end: i + 1 });
      start = i + 1;
    }
  }
  if (count > start) ranges.push({ start, end: count });
  return ranges;
}

/** Cuts `[0, count)` into `parts` ranges whose sizes differ by at most one item (none empty). */
export function splitEvenly(count: number, parts: number): Range[] {
  const ranges: Range[] = [];
  const n = Math.max(1, Math.min(parts, count));
  for (let j = 0; j < n; j++) {
    const start = Math.floor((j * count) / n);
    const end = Math.floor(((j + 1) * count) / n);
    if (end > start) ranges.push({ start, end });
  }
  return ranges;
}

/** 64-byte SHA-256 blocks needed for a message of `length` bytes (padding included). */
export function sha256Blocks(length: number): number {
  return Math.floor((length + 8) / 64) + 1;
}

/**
 * How many chunks a `sha256Many` call of `blocks` 64-byte blocks of work is cut into: about
 * `chunksWanted` (a few per thread, at most `tasksMax`), but none lighter than
 * {@link sha256ChunkBlocksMin}.
 */
export function sha256ChunkCount(blocks: number, chunksWanted: number): number {
  return Math.max(1, Math.min(chunksWanted, Math.floor(blocks / sha256ChunkBlocksMin)));
}

/** How many chunks a large hashing call is cut into on `threads` threads: a few per thread, within `tasksMax`. */
export function hashChunksWanted(threads: number, tasksMax: number): number {
  return Math.max(1, Math.min(threads * hashChunksPerThread, tasksMax));
}

/**
 * Leaves per subtree for a Merkle root over `count` leaves cut into about `parts` pieces: the
 * largest power of two not above `count / parts`, never below {@link merkleChunkLeavesMin},
 * and large enough that there are at most `subtreesMax` subtrees.
 */
export function merkleSubtreeLeaves(count: number, parts: number, subtreesMax: number): number {
  const target = Math.max(merkleChunkLeavesMin, Math.floor(count / Math.max(1, parts)));
  let size = 1;
  while (size * 2 <= target) size *= 2;
  // Rounding down can double the number of subtrees; never beyond what an idle pool admits.
  while (Math.ceil(count / size) > Math.max(1, subtreesMax)) size *= 2;
  return size;
}

/**
 * How many chunks `CryptoPool.verifyBatch` cuts `count` signatures into on `threads` threads:
 * at least one per thread and about {@link verifyChunkItemsTarget} items each, but none
 * smaller than {@link verifyChunkItemsMin} and no more than `tasksMax` (what an idle pool
 * admits). A chunk past `ed25519BatchItemsMax` items is verified by its worker in several
 * wasm batches.
 */
export function verifyChunkCount(count: number, threads: number, tasksMax: number): number {
  const chunks = Math.max(threads, Math.ceil(count / verifyChunkItemsTarget));
  return Math.max(1, Math.min(chunks, Math.floor(count / verifyChunkItemsMin), tasksMax));
}

/**
 * `CryptoPool.verifyMerkleInclusionMany` checks up to this many proofs inline: below it a
 * pool task's round trip (~0.2 ms) costs more than the work (~7 µs a 16-hash proof).
 */
export const proofInlineItemsMax = 256;

/** Fewest proofs in one pool task (the inline batch verifier walks 4,096 at a time). */
export const proofChunkItemsMin = 1024;
