/**
 * The packed layout of an Ed25519 batch: one buffer holding every item's key, signature and
 * message, which `verifyPackedBatch` verifies without looking at objects again, a pool ships
 * to its workers (in shared memory, without a copy), and a block decoder writes as it parses.
 * One writer (`PackedBatchWriter`) and one set of checks for every producer and consumer.
 */
import { ed25519BatchItemsMax, ed25519BatchMessageBytesMax } from '../limits.js';
import { describeValue, requireBytes, requireBytesOfLength, requireInteger } from '../validate.js';
import { type Ed25519BatchItem, ed25519PublicKeyBytes, ed25519SignatureBytes, requireMessage } from './ed25519.js';

/** Bytes before the first record of a packed batch. */
export const packedHeaderBytes = 8;
/** Bytes of one record of a packed batch. */
export const packedRecordBytes = 104;
/** @internal Offset, in a record, of its message's offset in the message area (u32). */
export const recordMessageOffsetAt = 96;
/** @internal Offset, in a record, of its message's length (u32). */
export const recordMessageLengthAt = 100;

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
 * @param options - `shared`: write the batch into a `SharedArrayBuffer`, which a `CryptoPool`
 *   hands to its workers without a copy (as a decoded block's signatures are).
 * @throws TypeError/RangeError naming the item and field on malformed input.
 */
export function packVerifyBatch(items: readonly Ed25519BatchItem[], options: { shared?: boolean } = {}): Uint8Array {
  return packCheckedItems(items, 'packVerifyBatch', options.shared === true);
}

/** @internal `packVerifyBatch` whose errors name `where`, the function the caller called. */
export function packCheckedItems(items: readonly Ed25519BatchItem[], where: string, shared = false): Uint8Array {
  checkVerifyItems(items, where, ed25519BatchItemsMax, ed25519BatchMessageBytesMax);
  return packVerifyItems(items, 0, items.length, shared);
}

/**
 * @internal Packs items `[start, end)`, already checked by `checkVerifyItems`, with no count
 * or size limit of its own: a pool's chunk may be larger than one wasm batch
 * (`verifyPackedRange` cuts it).
 */
export function packVerifyItems(
  items: readonly Ed25519BatchItem[],
  start: number,
  end: number,
  shared = false,
): Uint8Array {
  let messageBytesTotal = 0;
  for (let i = start; i < end; i++) messageBytesTotal += (items[i] as Ed25519BatchItem).message.length;
  const writer = new PackedBatchWriter(end - start, messageBytesTotal, shared);
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
    if (offset + length > messageBytesTotal) throw messageOutsideError(where, i, offset, length, messageBytesTotal);
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

/** What the 8-byte header of a packed batch says, once checked against its length. */
export interface PackedHeader {
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

/** @internal The error for packed item `item` whose message lies outside the message area. */
export function messageOutsideError(
  where: string,
  item: number,
  offset: number,
  length: number,
  messageBytesTotal: number,
): RangeError {
  return new RangeError(
    `${where}: packed item ${item} message [${offset}, ${offset + length}) lies outside the ${messageBytesTotal}-byte message area`,
  );
}
