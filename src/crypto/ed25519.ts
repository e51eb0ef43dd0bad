/**
 * Ed25519 (RFC 8032) with ZIP-215 verification semantics, over the project's wasm.
 *
 * Verification is ours, so every node reaches the same verdict on every signature, alone or
 * in a batch (docs/architecture.md, "Crypto"): `S ≥ L` is refused; `A` and `R` may be non-canonical
 * encodings (y ≥ p, or x = 0 with the sign bit set) and are refused only if they do not
 * decode; `k = SHA-512(R ‖ A ‖ M) mod L`; the signature is valid iff
 * `[8]([S]B − [k]A − R)` is the identity. A batch is checked with one multi-scalar
 * multiplication under random 128-bit coefficients from `crypto.getRandomValues`; when it
 * fails, the batch is bisected down to single verifications on a cost budget
 * (ed25519-batch-policy.ts), so batch verdicts equal single verdicts (up to a 2^-128 chance
 * per passing check of calling an invalid set valid) and a batch of bad signatures costs
 * about what verifying them one by one does.
 *
 * Signing and key generation must be constant-time and use `node:crypto`.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { ed25519BatchItemsMax, ed25519BatchMessageBytesMax, ed25519MessageBytesMax } from '../limits.js';
import { describeValue, requireBytes, requireBytesOfLength, requireInteger } from '../validate.js';
import { type PreparedBatch, settleBatch } from './ed25519-batch-policy.js';
import { Ed25519Suspects } from './ed25519-suspects.js';
import { memoryU8, reserveIo, type WasmCore, wasmExports } from './wasm.js';

/** Bytes in an Ed25519 public key (a compressed point, RFC 8032 §5.1.2). */
export const ed25519PublicKeyBytes = 32;
/** Bytes in an Ed25519 secret key as used here: the 32-byte seed (RFC 8032 §5.1.5). */
export const ed25519SecretKeyBytes = 32;
/** Bytes in an Ed25519 signature: `R ‖ S` (RFC 8032 §5.1.6). */
export const ed25519SignatureBytes = 64;

/** One item of a batch: the same three inputs as {@link ed25519Verify}. */
export interface Ed25519BatchItem {
  /** The signer's 32-byte public key (any encoding ZIP-215 accepts, canonical or not). */
  readonly publicKey: Uint8Array;
  /** The signed message, of any length (a batch's messages total at most `limits.ed25519BatchMessageBytesMax`). */
  readonly message: Uint8Array;
  /** The 64-byte signature `R ‖ S`. */
  readonly signature: Uint8Array;
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
 * The public keys of the invalid items of a packed batch (verdict 0), in item order: what a
 * batch's caller hands `Ed25519Suspects.endBatch`.
 */
export function offendingKeys(packed: Uint8Array, verdicts: Uint8Array): Uint8Array[] {
  const keys: Uint8Array[] = [];
  for (let i = 0; i < verdicts.length; i++) {
    if (verdicts[i] !== 0) continue;
    const at = packedHeaderBytes + i * packedRecordBytes;
    keys.push(packed.subarray(at, at + ed25519PublicKeyBytes));
  }
  return keys;
}

interface Ed25519Exports extends WasmCore {
  ed25519Init(): void;
  ed25519Verify(publicKey: number, signature: number, message: number, messageLength: number): number;
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
  ed25519CheckPublicKey(publicKey: number): number;
}

const wasm = wasmExports as unknown as Ed25519Exports;

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

/** Bytes before the first record of a packed batch. */
export const packedHeaderBytes = 8;
/** Bytes of one record of a packed batch. */
export const packedRecordBytes = 104;
/** Offset, in a record, of its message's offset in the message area (u32). */
const recordMessageOffsetAt = 96;
/** Offset, in a record, of its message's length (u32). */
const recordMessageLengthAt = 100;
const coefficientBytes = 16;

function requireMessage(value: unknown, name: string, where: string): asserts value is Uint8Array {
  requireBytes(value, name, where);
  if (value.length > ed25519MessageBytesMax) {
    throw new RangeError(`${where}: ${name} has ${value.length} bytes, limit ${ed25519MessageBytesMax}`);
  }
}

function align64(n: number): number {
  return Math.ceil(n / 64) * 64;
}

/**
 * Verifies an Ed25519 signature with ZIP-215 semantics.
 *
 * @param publicKey - 32-byte encoded public key `A` (non-canonical encodings accepted).
 * @param message - the signed bytes.
 * @param signature - 64-byte `R ‖ S`.
 * @returns true iff the signature is valid; false for any well-formed but wrong input.
 * @throws TypeError if an argument is not a Uint8Array; RangeError on a wrong length.
 */
export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  requireBytesOfLength(publicKey, ed25519PublicKeyBytes, 'publicKey', 'ed25519Verify');
  requireMessage(message, 'message', 'ed25519Verify');
  requireBytesOfLength(signature, ed25519SignatureBytes, 'signature', 'ed25519Verify');
  const base = reserveIo(96 + message.length);
  const memory = memoryU8();
  memory.set(publicKey, base);
  memory.set(signature, base + 32);
  memory.set(message, base + 96);
  return wasm.ed25519Verify(base, base + 32, base + 96, message.length) === 1;
}

/** What {@link ed25519CheckPublicKey} finds. */
export type Ed25519KeyCheck = 'ok' | 'not-on-curve' | 'small-order';

/**
 * Whether a 32-byte public key may be registered: `'ok'` if it decodes (ZIP-215: non-canonical
 * encodings accepted) to a point not of small order; `'not-on-curve'` if it does not decode;
 * `'small-order'` if [8]A is the identity. Small-order keys must be refused at registration:
 * under ZIP-215's cofactored equation the all-zero key with an all-zero signature (and other
 * small-order combinations) verifies every message.
 *
 * @throws TypeError/RangeError unless `publicKey` is 32 bytes.
 */
export function ed25519CheckPublicKey(publicKey: Uint8Array): Ed25519KeyCheck {
  requireBytesOfLength(publicKey, ed25519PublicKeyBytes, 'publicKey', 'ed25519CheckPublicKey');
  const base = reserveIo(32);
  memoryU8().set(publicKey, base);
  const verdict = wasm.ed25519CheckPublicKey(base);
  return verdict === 0 ? 'ok' : verdict === 1 ? 'not-on-curve' : 'small-order';
}

/**
 * Checks a batch of verification items at a public boundary: an array of at most `itemsMax`
 * objects with a 32-byte `publicKey`, a `message` within the per-message limit and a 64-byte
 * `signature`, their messages holding at most `messageBytesTotalMax` bytes in all. Errors
 * name the item and field (`items[3].signature`). Returns the messages' total length.
 * Shared by `packVerifyBatch` and `CryptoPool.verifyBatch`, so both refuse the same inputs.
 */
export function checkVerifyItems(
  items: unknown,
  where: string,
  itemsMax: number,
  messageBytesTotalMax: number,
): number {
  if (!Array.isArray(items))
    throw new TypeError(`${where}: expected items to be an array, got ${describeValue(items)}`);
  if (items.length > itemsMax) {
    throw new RangeError(`${where}: items has ${items.length} entries, limit ${itemsMax}`);
  }
  let messageBytesTotal = 0;
  for (let i = 0; i < items.length; i++) {
    const item: unknown = items[i];
    if (typeof item !== 'object' || item === null) {
      throw new TypeError(`${where}: expected items[${i}] to be an object, got ${describeValue(item)}`);
    }
    const { publicKey, message, signature } = item as Record<string, unknown>;
    requireBytesOfLength(publicKey, ed25519PublicKeyBytes, `items[${i}].publicKey`, where);
    requireMessage(message, `items[${i}].message`, where);
    requireBytesOfLength(signature, ed25519SignatureBytes, `items[${i}].signature`, where);
    messageBytesTotal += message.length;
  }
  if (messageBytesTotal > messageBytesTotalMax) {
    throw new RangeError(`${where}: messages hold ${messageBytesTotal} bytes in all, limit ${messageBytesTotalMax}`);
  }
  return messageBytesTotal;
}

/**
 * The one writer of the packed batch layout (below, at {@link packVerifyBatch}), shared by
 * `packVerifyBatch`, `slicePackedBatch` and the block decoder: it allocates the buffer for
 * `count` records and `messageBytesTotal` message bytes, writes the header, and appends
 * records in order, each message placed right after the previous one.
 */
export class PackedBatchWriter {
  /** The packed batch (complete once `count` records were added and their messages written). */
  readonly packed: Uint8Array;
  readonly #view: DataView;
  readonly #messagesAt: number;
  #records = 0;
  #messageOffset = 0;

  /**
   * @param shared - allocate the batch in a `SharedArrayBuffer`, so a `CryptoPool` hands
   *   ranges of it to its workers without copying (a block decoder feeding a pool does this).
   */
  constructor(count: number, messageBytesTotal: number, shared = false) {
    this.#messagesAt = packedHeaderBytes + count * packedRecordBytes;
    const bytes = this.#messagesAt + messageBytesTotal;
    this.packed = new Uint8Array(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    this.#view = new DataView(this.packed.buffer);
    this.#view.setUint32(0, count, true);
    this.#view.setUint32(4, messageBytesTotal, true);
  }

  /**
   * Appends a record for a 32-byte key and a 64-byte signature (both already checked) whose
   * message is `messageLength` bytes; returns the offset in `packed` where the caller writes
   * those message bytes.
   */
  add(publicKey: Uint8Array, signature: Uint8Array, messageLength: number): number {
    const at = packedHeaderBytes + this.#records * packedRecordBytes;
    this.packed.set(publicKey, at);
    this.packed.set(signature, at + 32);
    this.#view.setUint32(at + recordMessageOffsetAt, this.#messageOffset, true);
    this.#view.setUint32(at + recordMessageLengthAt, messageLength, true);
    const messageAt = this.#messagesAt + this.#messageOffset;
    this.#records++;
    this.#messageOffset += messageLength;
    return messageAt;
  }
}

/**
 * Packs batch items into one buffer that {@link verifyPackedBatch} verifies without looking
 * at the objects again (a worker pool packs on the caller's thread and ships the bytes).
 *
 * Layout (all integers little-endian u32):
 * ```
 * offset 0   count                  number of items n
 * offset 4   messageBytesTotal      bytes in the message area
 * offset 8   n records of 104 bytes: publicKey[32] | signature[64] | messageOffset | messageLength
 * 8 + 104n   message area: the messages' bytes; messageOffset is relative to its start
 * ```
 * Messages need not be contiguous or in order; {@link slicePackedBatch} cuts a packed batch
 * into independent chunks.
 *
 * @throws TypeError/RangeError naming the item and field on malformed input.
 */
export function packVerifyBatch(items: readonly Ed25519BatchItem[]): Uint8Array {
  return packCheckedItems(items, 'packVerifyBatch');
}

/** `packVerifyBatch` whose errors name `where`, the function the caller called. */
function packCheckedItems(items: readonly Ed25519BatchItem[], where: string): Uint8Array {
  checkVerifyItems(items, where, ed25519BatchItemsMax, ed25519BatchMessageBytesMax);
  return packVerifyItems(items, 0, items.length);
}

/**
 * @internal Packs items `[start, end)`, already checked by `checkVerifyItems`, with no count
 * or size limit of its own: a pool's chunk may be larger than one wasm batch
 * ({@link verifyPackedChecked} cuts it).
 */
export function packVerifyItems(items: readonly Ed25519BatchItem[], start: number, end: number): Uint8Array {
  let messageBytesTotal = 0;
  for (let i = start; i < end; i++) messageBytesTotal += (items[i] as Ed25519BatchItem).message.length;
  const writer = new PackedBatchWriter(end - start, messageBytesTotal);
  for (let i = start; i < end; i++) {
    const item = items[i] as Ed25519BatchItem;
    writer.packed.set(item.message, writer.add(item.publicKey, item.signature, item.message.length));
  }
  return writer.packed;
}

/**
 * Checks a packed batch's header and every record's message range; returns the item count.
 * Cheap (a pass over the records, none over the messages), so a pool may run it on the
 * calling thread before cutting the batch into chunks. `itemsMax` is one wasm batch's limit
 * unless the caller cuts the batch itself (a pool's worker).
 */
export function checkPacked(packed: Uint8Array, where: string, itemsMax = ed25519BatchItemsMax): number {
  const { count, messageBytesTotal } = checkPackedHeader(packed, where, itemsMax);
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  for (let i = 0; i < count; i++) {
    const at = packedHeaderBytes + i * packedRecordBytes;
    const offset = view.getUint32(at + recordMessageOffsetAt, true);
    const length = view.getUint32(at + recordMessageLengthAt, true);
    if (offset + length > messageBytesTotal) {
      throw new RangeError(
        `${where}: packed item ${i} message [${offset}, ${offset + length}) lies outside the ${messageBytesTotal}-byte message area`,
      );
    }
  }
  return count;
}

/**
 * Copies items `[start, end)` of a packed batch into a new, self-contained packed batch
 * (its messages re-based), so a pool can hand chunks of one batch to different workers.
 */
export function slicePackedBatch(packed: Uint8Array, start: number, end: number): Uint8Array {
  const where = 'slicePackedBatch';
  const count = checkPacked(packed, where);
  requireInteger(start, 'start', where, 0, count);
  requireInteger(end, 'end', where, start, count);
  return copyPackedRange(packed, count, start, end);
}

/** Records `[start, end)` of a checked packed batch of `count` items, as a packed batch of their own. */
function copyPackedRange(packed: Uint8Array, count: number, start: number, end: number): Uint8Array {
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  const sourceMessagesAt = packedHeaderBytes + count * packedRecordBytes;
  const sliceCount = end - start;
  let messageBytesTotal = 0;
  for (let i = start; i < end; i++)
    messageBytesTotal += view.getUint32(packedHeaderBytes + i * packedRecordBytes + recordMessageLengthAt, true);
  const writer = new PackedBatchWriter(sliceCount, messageBytesTotal);
  for (let i = start; i < end; i++) {
    const from = packedHeaderBytes + i * packedRecordBytes;
    const offset = view.getUint32(from + recordMessageOffsetAt, true);
    const length = view.getUint32(from + recordMessageLengthAt, true);
    const messageAt = writer.add(packed.subarray(from, from + 32), packed.subarray(from + 32, from + 96), length);
    writer.packed.set(packed.subarray(sourceMessagesAt + offset, sourceMessagesAt + offset + length), messageAt);
  }
  return writer.packed;
}

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
  const verdicts = verifyPackedChecked(packed, checkPacked(packed, where), suspects?.packedKeys());
  suspects?.endBatch(offendingKeys(packed, verdicts));
  return verdicts;
}

/**
 * @internal Verdicts for a packed batch already checked by `checkPacked` (`count` items), of
 * any size: one larger than a wasm batch (a pool's chunk) is verified `ed25519BatchItemsMax`
 * items at a time.
 */
export function verifyPackedChecked(
  packed: Uint8Array,
  count: number,
  suspectKeys: Uint8Array = noSuspects,
): Uint8Array {
  if (count <= ed25519BatchItemsMax) return verifyPackedInWasm(packed, count, suspectKeys);
  return verifyPackedRange(packed, 0, count, 'verifyPackedChecked', suspectKeys);
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

/** What the 8-byte header of a packed batch says, once checked against its length. */
interface PackedHeader {
  readonly count: number;
  readonly messageBytesTotal: number;
  /** Offset of the message area in the packed bytes. */
  readonly messagesAt: number;
}

/**
 * Checks a packed batch's header against its length, in constant time (no pass over the
 * records): the check a caller's thread makes before cutting the batch into ranges for a
 * pool, whose workers check their own records ({@link verifyPackedRange}).
 */
export function checkPackedHeader(packed: Uint8Array, where: string, itemsMax: number): PackedHeader {
  requireBytes(packed, 'packed', where);
  if (packed.length < packedHeaderBytes) {
    throw new RangeError(
      `${where}: packed has ${packed.length} bytes, fewer than the ${packedHeaderBytes}-byte header`,
    );
  }
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  const count = view.getUint32(0, true);
  const messageBytesTotal = view.getUint32(4, true);
  if (count > itemsMax) throw new RangeError(`${where}: packed count ${count} exceeds limit ${itemsMax}`);
  const messagesAt = packedHeaderBytes + count * packedRecordBytes;
  if (packed.length !== messagesAt + messageBytesTotal) {
    throw new RangeError(
      `${where}: packed has ${packed.length} bytes, expected ${messagesAt + messageBytesTotal} for ${count} items and ${messageBytesTotal} message bytes`,
    );
  }
  return { count, messageBytesTotal, messagesAt };
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
  // The records are copied first and their offsets read from the copy: the source may be a
  // SharedArrayBuffer that another thread writes to, and what was checked must be what runs.
  const recordsBytes = count * packedRecordBytes;
  const recordsAt = packedHeaderBytes + from * packedRecordBytes;
  const records = reserveIo(recordsBytes);
  memoryU8().set(packed.subarray(recordsAt, recordsAt + recordsBytes), records);
  let io = new DataView(memoryU8().buffer);
  let spanStart = header.messageBytesTotal;
  let spanEnd = 0;
  for (let i = 0; i < count; i++) {
    const at = records + i * packedRecordBytes;
    const offset = io.getUint32(at + recordMessageOffsetAt, true);
    const length = io.getUint32(at + recordMessageLengthAt, true);
    if (offset + length > header.messageBytesTotal) {
      throw new RangeError(
        `${where}: packed item ${from + i} message [${offset}, ${offset + length}) lies outside the ${header.messageBytesTotal}-byte message area`,
      );
    }
    if (length === 0) continue;
    if (offset < spanStart) spanStart = offset;
    if (offset + length > spanEnd) spanEnd = offset + length;
  }
  if (spanEnd < spanStart) spanStart = spanEnd = 0;
  const spanBytes = spanEnd - spanStart;
  const packedLength = packedHeaderBytes + recordsBytes + spanBytes;
  const layout = batchIoLayout(packedLength, count, suspectKeys.length);
  // The batch goes above the records' copy, which it is then copied from.
  const base = reserveIo(align64(recordsBytes) + layout.end) + align64(recordsBytes);
  const memory = memoryU8();
  memory.copyWithin(base + packedHeaderBytes, records, records + recordsBytes);
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

/** One wasm batch call over a checked packed batch of at most `ed25519BatchItemsMax` items. */
function verifyPackedInWasm(packed: Uint8Array, count: number, suspectKeys: Uint8Array): Uint8Array {
  if (count === 0) return new Uint8Array(0);
  const layout = batchIoLayout(packed.length, count, suspectKeys.length);
  const base = reserveIo(layout.end);
  memoryU8().set(packed, base);
  return verifyPreparedIo(base, layout, count, suspectKeys);
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
  const verdicts = verifyPackedChecked(packed, items.length, suspects?.packedKeys());
  suspects?.endBatch(offendingKeys(packed, verdicts));
  const out = new Array<boolean>(verdicts.length);
  for (let i = 0; i < verdicts.length; i++) out[i] = verdicts[i] === 1;
  return out;
}

// PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410 §7): SEQUENCE { INTEGER 0,
// SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING seed } }.
const pkcs8Prefix = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);
// The raw key is the last 32 bytes of the SPKI DER of an Ed25519 public key (RFC 8410 §4).
const spkiKeyOffset = 12;

/**
 * Imported signing keys by seed. Importing a PKCS#8 key costs ~0.6 ms, ten times the signature
 * itself, and a node signs every message with the same few keys; the cache holds at most
 * `privateKeyCacheEntriesMax` keys (oldest dropped first) in this process's memory only.
 */
const privateKeyCache = new Map<string, ReturnType<typeof createPrivateKey>>();
const privateKeyCacheEntriesMax = 256;

function privateKeyFromSeed(seed: Uint8Array) {
  const cacheKey = Buffer.from(seed.buffer, seed.byteOffset, seed.byteLength).toString('latin1');
  const cached = privateKeyCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const der = new Uint8Array(pkcs8Prefix.length + 32);
  der.set(pkcs8Prefix, 0);
  der.set(seed, pkcs8Prefix.length);
  const key = createPrivateKey({ key: Buffer.from(der.buffer), format: 'der', type: 'pkcs8' });
  if (privateKeyCache.size >= privateKeyCacheEntriesMax) {
    privateKeyCache.delete(privateKeyCache.keys().next().value as string);
  }
  privateKeyCache.set(cacheKey, key);
  return key;
}

/**
 * Generates a key pair with `node:crypto`.
 *
 * @returns the 32-byte public key and the 32-byte secret seed.
 */
export function ed25519GenerateKeyPair(): {
  /** The 32-byte public key, as `ed25519Verify` takes it. */
  publicKey: Uint8Array;
  /** The 32-byte secret seed (RFC 8032 §5.1.5), as `ed25519Sign` takes it; keep it private. */
  secretKey: Uint8Array;
} {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  return {
    publicKey: new Uint8Array(spki.subarray(spkiKeyOffset)),
    secretKey: new Uint8Array(pkcs8.subarray(pkcs8Prefix.length)),
  };
}

/** The 32-byte public key of a 32-byte secret seed (via `node:crypto`). */
export function ed25519PublicKeyFromSecret(secretKey: Uint8Array): Uint8Array {
  requireBytesOfLength(secretKey, ed25519SecretKeyBytes, 'secretKey', 'ed25519PublicKeyFromSecret');
  const spki = createPublicKey(privateKeyFromSeed(secretKey)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(spkiKeyOffset));
}

/**
 * Signs `message` with the 32-byte secret seed (RFC 8032 §5.1.6, via `node:crypto`).
 *
 * @returns the 64-byte signature.
 * @throws TypeError if an argument is not a Uint8Array; RangeError on a wrong length.
 */
export function ed25519Sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  requireBytesOfLength(secretKey, ed25519SecretKeyBytes, 'secretKey', 'ed25519Sign');
  requireMessage(message, 'message', 'ed25519Sign');
  return new Uint8Array(nodeSign(null, message, privateKeyFromSeed(secretKey)));
}

// Build the base-point table and let V8 tier up the hot functions now, not inside the first
// caller's latency budget: V8 moves a wasm function to its optimising tier between calls,
// never in the middle of one, so a cold first batch would run long stretches unoptimised.
// Two verifications of RFC 8032 §7.1 TEST 1 (~1,400 field multiplications each) suffice to
// trip the tier-up budget of the field and point functions; they also check the build.
// (This import-time work is why dist/src/crypto/ed25519.js is listed under `sideEffects`.)
function warmUp(): void {
  wasm.ed25519Init();
  const publicKey = Buffer.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex');
  const signature = Buffer.from(
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    'hex',
  );
  for (let i = 0; i < 2; i++) {
    if (!ed25519Verify(publicKey, new Uint8Array(0), signature)) {
      throw new Error('consortium-ledger: the wasm Ed25519 self-test failed (RFC 8032 TEST 1); rebuild the wasm');
    }
  }
}
warmUp();
