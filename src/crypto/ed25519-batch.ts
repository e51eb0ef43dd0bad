/**
 * Ed25519 batch verification (ZIP-215 verdicts, exactly the single verdicts) and the packed
 * layout batches travel in: one buffer a pool ships to its workers and a block decoder writes.
 *
 * A batch is checked with one multi-scalar multiplication under random 128-bit coefficients
 * from `crypto.getRandomValues`. The wasm prepares a batch once and answers range questions;
 * when the whole batch fails, ed25519-batch-policy.ts decides which ranges to check and which
 * items to verify singly, on a cost budget, so batch verdicts equal single verdicts (up to a
 * 2^-128 chance per passing check of calling an invalid set valid) and a batch of bad
 * signatures costs about what verifying them one by one does. Keys that signed something
 * invalid may be set aside as suspects (ed25519-suspects.ts).
 */
import { assert } from '../assert.js';
import { ed25519BatchItemsMax } from '../limits.js';
import { describeValue } from '../validate.js';
import { type Ed25519BatchItem, ed25519PublicKeyBytes } from './ed25519.js';
import { type PreparedBatch, settleBatch } from './ed25519-batch-policy.js';
import {
  checkPackedHeader,
  messageOutsideError,
  type PackedHeader,
  packCheckedItems,
  packedHeaderBytes,
  packedRecordBytes,
  recordMessageLengthAt,
  recordMessageOffsetAt,
} from './ed25519-packed.js';
import { Ed25519Suspects } from './ed25519-suspects.js';
import { memoryU8, reserveIo, type WasmCore, wasmExports } from './wasm.js';

interface Ed25519BatchExports extends WasmCore {
  ed25519BatchScratchBytes(count: number, suspectCount: number): number;
  ed25519BatchPrepare(
    packed: number,
    coefficients: number,
    verdicts: number,
    scratch: number,
    suspects: number,
    suspectCount: number,
  ): number;
  ed25519BatchCheckInto(from: number, to: number, slot: number): number;
  ed25519BatchCheckDifference(whole: number, part: number, out: number): number;
  ed25519BatchAccept(from: number, to: number): void;
  ed25519BatchVerifySingly(from: number, to: number): number;
}

const wasm = wasmExports as unknown as Ed25519BatchExports;

function align64(n: number): number {
  return Math.ceil(n / 64) * 64;
}

/** Options of the batch verifiers. */
export interface Ed25519BatchOptions {
  /**
   * Keys whose items to verify one by one (they recently signed something invalid); the
   * call's own invalid items are recorded in it (ed25519-suspects.ts). Verdicts are the same
   * with or without it; only the cost of batches with bad signatures changes.
   */
  readonly suspects?: Ed25519Suspects;
}

/** The suspects of `options`, checked at a public boundary. */
export function suspectsOption(options: unknown, where: string): Ed25519Suspects | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${where}: expected options to be an object, got ${describeValue(options)}`);
  }
  const { suspects } = options as { suspects?: unknown };
  if (suspects === undefined || suspects instanceof Ed25519Suspects) return suspects;
  throw new TypeError(`${where}: expected options.suspects to be an Ed25519Suspects, got ${describeValue(suspects)}`);
}

/**
 * Hands `suspects` the outcome of a packed batch: each item's key (read from its record only
 * when needed) and verdict (1 valid).
 */
export function recordVerdicts(suspects: Ed25519Suspects, packed: Uint8Array, verdicts: Uint8Array): void {
  suspects.endBatch(
    verdicts.length,
    (i) => {
      const at = packedHeaderBytes + i * packedRecordBytes;
      return packed.subarray(at, at + ed25519PublicKeyBytes);
    },
    (i) => verdicts[i] === 1,
  );
}

/**
 * What the last wasm batch of this thread did: its items, the candidates that entered the
 * batch equation (the others were refused up front or, being a suspect's, verified singly in
 * preparation), the equation checks and the items they covered, and the candidates verified
 * singly after a failed check. The benchmarks report it; tests use it to see an item's path.
 */
export interface Ed25519BatchStats {
  items: number;
  candidates: number;
  checks: number;
  checkedItems: number;
  singles: number;
}

const lastStats: Ed25519BatchStats = { items: 0, candidates: 0, checks: 0, checkedItems: 0, singles: 0 };

/** @internal A copy of the stats of the last wasm batch this thread ran (see {@link Ed25519BatchStats}). */
export function lastBatchStats(): Ed25519BatchStats {
  return { ...lastStats };
}

/** The wasm's prepared batch (its candidates' ranges), as the settling policy drives it, counted. */
function preparedBatch(items: number, count: number): PreparedBatch {
  Object.assign(lastStats, { items, candidates: count, checks: 0, checkedItems: 0, singles: 0 });
  return {
    count,
    checkInto: (from, to, slot) => {
      lastStats.checks++;
      lastStats.checkedItems += to - from;
      return wasm.ed25519BatchCheckInto(from, to, slot) === 1;
    },
    checkDifference: (whole, part, out) => wasm.ed25519BatchCheckDifference(whole, part, out) === 1,
    accept: (from, to) => wasm.ed25519BatchAccept(from, to),
    verifySingly: (from, to) => {
      lastStats.singles += to - from;
      return wasm.ed25519BatchVerifySingly(from, to);
    },
  };
}

const coefficientBytes = 16;

/**
 * Verifies a batch packed by {@link packVerifyBatch} (or {@link slicePackedBatch}) in one wasm
 * call, with fresh random coefficients.
 *
 * @param options - `suspects`: keys whose items are verified one by one, updated with this
 *   call's invalid items ({@link Ed25519BatchOptions}).
 * @returns one byte per item, in order: 1 if the signature is valid, 0 if not — the same
 *   verdict {@link ed25519Verify} gives that item.
 * @throws TypeError/RangeError if the packed bytes or the options are malformed.
 */
export function verifyPackedBatch(packed: Uint8Array, options?: Ed25519BatchOptions): Uint8Array {
  const where = 'verifyPackedBatch';
  const suspects = suspectsOption(options, where);
  const { count } = checkPackedHeader(packed, where, ed25519BatchItemsMax);
  const verdicts = verifyPackedRange(packed, 0, count, where, suspects?.packedKeys());
  if (suspects !== undefined) recordVerdicts(suspects, packed, verdicts);
  return verdicts;
}

const noSuspects: Uint8Array = new Uint8Array(0);

/**
 * @internal Verdicts for items `[start, end)` of a packed batch whose header and length were
 * checked (`checkPackedHeader`), without slicing it first: each wasm batch's records are
 * copied into wasm memory in one piece, with the span of message bytes they point into, and
 * their offsets re-based there. The records' message ranges are checked here, so a pool's
 * worker can take any range of a caller's shared buffer and check its own part.
 *
 * @throws RangeError naming `where` and the item if a record's message lies outside the area.
 */
export function verifyPackedRange(
  packed: Uint8Array,
  start: number,
  end: number,
  where: string,
  suspectKeys: Uint8Array = noSuspects,
): Uint8Array {
  const header = checkPackedHeader(packed, where, Number.MAX_SAFE_INTEGER);
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= header.count)) {
    throw new RangeError(`${where}: range [${start}, ${end}) is not within the ${header.count} packed items`);
  }
  const verdicts = new Uint8Array(end - start);
  for (let from = start; from < end; from += ed25519BatchItemsMax) {
    const to = Math.min(end, from + ed25519BatchItemsMax);
    verdicts.set(verifyRecordsInWasm(packed, header, from, to, where, suspectKeys), from - start);
  }
  return verdicts;
}

/**
 * One wasm batch over records `[from, to)` (at most `ed25519BatchItemsMax`) of a packed batch
 * with a checked header: the records are copied in one piece, then the span of the message
 * area they use, and their offsets re-based to that span.
 */
function verifyRecordsInWasm(
  packed: Uint8Array,
  header: PackedHeader,
  from: number,
  to: number,
  where: string,
  suspectKeys: Uint8Array,
): Uint8Array {
  const count = to - from;
  if (count === 0) return new Uint8Array(0);
  // The records go to their place in the batch first and their offsets are read from there:
  // the source may be a SharedArrayBuffer that another thread writes to, and what was checked
  // must be what runs. (The io region always starts at the same address, so reserving more
  // below keeps them where they are.)
  const recordsBytes = count * packedRecordBytes;
  const recordsAt = packedHeaderBytes + from * packedRecordBytes;
  const base = reserveIo(packedHeaderBytes + recordsBytes);
  const records = base + packedHeaderBytes;
  memoryU8().set(packed.subarray(recordsAt, recordsAt + recordsBytes), records);
  let io = new DataView(memoryU8().buffer);
  let spanStart = header.messageBytesTotal;
  let spanEnd = 0;
  for (let i = 0; i < count; i++) {
    const at = records + i * packedRecordBytes;
    const offset = io.getUint32(at + recordMessageOffsetAt, true);
    const length = io.getUint32(at + recordMessageLengthAt, true);
    if (offset + length > header.messageBytesTotal) {
      throw messageOutsideError(where, from + i, offset, length, header.messageBytesTotal);
    }
    if (length === 0) continue;
    if (offset < spanStart) spanStart = offset;
    if (offset + length > spanEnd) spanEnd = offset + length;
  }
  if (spanEnd < spanStart) spanStart = spanEnd = 0;
  const spanBytes = spanEnd - spanStart;
  const packedLength = packedHeaderBytes + recordsBytes + spanBytes;
  const layout = batchIoLayout(packedLength, count, suspectKeys.length);
  assert(reserveIo(layout.end) === base, 'verifyRecordsInWasm: the io region moved');
  const memory = memoryU8();
  const messagesAt = header.messagesAt;
  memory.set(packed.subarray(messagesAt + spanStart, messagesAt + spanEnd), base + packedHeaderBytes + recordsBytes);
  io = new DataView(memory.buffer);
  io.setUint32(base, count, true);
  io.setUint32(base + 4, spanBytes, true);
  if (spanStart !== 0) {
    for (let i = 0; i < count; i++) {
      const at = base + packedHeaderBytes + i * packedRecordBytes + recordMessageOffsetAt;
      const offset = io.getUint32(at, true);
      // A zero-length message may sit anywhere; it reads nothing, so any in-span offset does.
      io.setUint32(at, offset >= spanStart ? offset - spanStart : 0, true);
    }
  }
  return verifyPreparedIo(base, layout, count, suspectKeys);
}

/** Offsets, from the io base, of what one wasm batch call uses. */
interface BatchIoLayout {
  readonly coefficientsAt: number;
  readonly randomBytes: number;
  readonly verdictsAt: number;
  readonly suspectsAt: number;
  readonly scratchAt: number;
  readonly end: number;
}

function batchIoLayout(packedLength: number, count: number, suspectBytes: number): BatchIoLayout {
  const coefficientsAt = align64(packedLength);
  // The coefficients are followed by 8 random bytes that seed the wasm's public-key hash tables.
  const randomBytes = count * coefficientBytes + 8;
  const verdictsAt = coefficientsAt + align64(randomBytes);
  const suspectsAt = verdictsAt + align64(count);
  const scratchAt = suspectsAt + align64(suspectBytes);
  const scratchBytes = wasm.ed25519BatchScratchBytes(count, suspectBytes / ed25519PublicKeyBytes);
  return { coefficientsAt, randomBytes, verdictsAt, suspectsAt, scratchAt, end: scratchAt + scratchBytes };
}

/**
 * Verifies the packed batch of `count` items already at `base` in the io region: draws the
 * coefficients, prepares the batch in wasm (items of `suspectKeys`, 32 bytes each, verified
 * singly there) and settles the rest by the policy.
 */
function verifyPreparedIo(base: number, layout: BatchIoLayout, count: number, suspectKeys: Uint8Array): Uint8Array {
  const memory = memoryU8();
  // The coefficients must be unpredictable to whoever chose the signatures: a CSPRNG, fresh
  // per call. getRandomValues fills at most 65536 bytes at a time.
  const coefficientsAt = base + layout.coefficientsAt;
  const coefficients = memory.subarray(coefficientsAt, coefficientsAt + layout.randomBytes);
  for (let at = 0; at < coefficients.length; at += 65536) {
    crypto.getRandomValues(coefficients.subarray(at, Math.min(at + 65536, coefficients.length)));
  }
  memory.set(suspectKeys, base + layout.suspectsAt);
  const verdictsAt = base + layout.verdictsAt;
  const candidates = wasm.ed25519BatchPrepare(
    base,
    coefficientsAt,
    verdictsAt,
    base + layout.scratchAt,
    base + layout.suspectsAt,
    suspectKeys.length / ed25519PublicKeyBytes,
  );
  // One check settles an all-valid batch; a failed one is bisected on a budget (the policy's
  // file says how), so a batch full of bad signatures costs about what verifying one by one does.
  settleBatch(preparedBatch(count, candidates));
  return memoryU8().slice(verdictsAt, verdictsAt + count);
}

/**
 * Verifies many signatures at once (ZIP-215, same verdicts as {@link ed25519Verify}).
 *
 * @param options - `suspects`: keys whose items are verified one by one, updated with this
 *   call's invalid items ({@link Ed25519BatchOptions}).
 * @returns one verdict per item, in order.
 * @throws TypeError/RangeError naming the item and field on malformed input.
 */
export function ed25519VerifyBatch(items: readonly Ed25519BatchItem[], options?: Ed25519BatchOptions): boolean[] {
  const where = 'ed25519VerifyBatch';
  const suspects = suspectsOption(options, where);
  const packed = packCheckedItems(items, where);
  const verdicts = verifyPackedRange(packed, 0, items.length, where, suspects?.packedKeys());
  if (suspects !== undefined) recordVerdicts(suspects, packed, verdicts);
  const out = new Array<boolean>(verdicts.length);
  for (let i = 0; i < verdicts.length; i++) out[i] = verdicts[i] === 1;
  return out;
}
