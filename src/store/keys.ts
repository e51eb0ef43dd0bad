/**
 * The block store's key and value layouts: one writer and one reader per layout, shared by
 * the store, its consistency check on open and the tests that tamper with a store.
 *
 * One LevelDB database, split into abstract-level sublevels (a key is stored as
 * `!name!` ‖ key). Keys and values are raw bytes (`'view'` encoding). Heights in keys are
 * big-endian u64, so a sublevel's key order is height order and a range is a height range;
 * integers inside values are little-endian like every other layout of the engine
 * (src/bytes.ts; `u53` = u64 ≤ 2^53 − 1).
 *
 * ```
 * sublevel  key                      value
 * meta      "format"                 u8 storeFormatVersion
 * meta      "genesis"                the canonical genesis bytes
 * meta      "head"                   u53 height | hash[32] | stateRoot[32]      (72 bytes)
 * meta      "batch"                  u53 the batches written to the store, this one included
 * block     u64be height             the canonical block bytes
 * hash      blockHash[32]            u53 height
 * tx        txId[32]                 u53 height | u32 index | u8 receiptCode
 *                                    | u32 offset | u32 length          (21 bytes: where in the block's bytes)
 * receipt   u64be height             the block's receipts, back to back (encodeReceipts)
 * cert      u64be height             the block's commit certificate bytes
 * state     state key (1..256 bytes) the value bytes (the ledger's; not interpreted here)
 * replica   record key (UTF-8)       a replica safety record (src/consensus/persistence.ts; not interpreted
 *                                    here) | u32 CRC-32C of (key ‖ record) | u8 0xc5
 * ```
 * The records are the one value the store cannot check against anything else (a block checks
 * against its hash, state against the state root, the indexes against the blocks), and
 * LevelDB does not check a table's checksums when it reads (classic-level sets no
 * `verify_checksums`): so each record carries its own CRC-32C, over its key too (a value moved
 * to another key fails). A value written before the check (no trailing 0xc5) is read as it is;
 * one whose marker byte was damaged then carries five bytes the replica's decoder refuses.
 * The replica's safety records (its view, votes, prepared certificates, stable checkpoint)
 * live in the same database as the blocks, so a block and the records its commit step
 * persists go to disk in one synced batch, and no crash can leave one without the other.
 * A block, its hash and tx index entries, its receipts, its certificate (when known), the
 * state writes its execution produced and the new head go in one atomic batch, so the head
 * never names a block that is not fully there, and no block is stored above the head.
 *
 * Every batch rewrites meta "batch" with its own number, so the database counts the batches it
 * holds; the head witness beside the database (src/store/witness.ts) says how many were
 * acknowledged, and a database that counts fewer lost some (records and certificates included,
 * which move no head). A store written before the counter existed has none: it counts as 0.
 *
 * The tx index maps a tx id to the occurrence that consumed its sender's nonce (applied, or
 * refused by a rule; `consumesNonce` in src/codec/receipt.ts), if any, else to its first
 * occurrence: the same transaction bytes may appear again in a later block (a replay, refused
 * with `staleNonce`), and a nonce-gap refusal may precede the inclusion that applies it. A
 * consuming occurrence is unique, so it is written without reading the index.
 */
import { ByteReader, ByteWriter } from '../bytes.js';
import { DecodeError } from '../errors.js';
import { crc32c } from './crc32c.js';

/** Sublevel names (ASCII, sorting after the `!` separator as abstract-level requires). */
export const sublevelNames = {
  meta: 'meta',
  block: 'block',
  hash: 'hash',
  tx: 'tx',
  receipt: 'receipt',
  cert: 'cert',
  state: 'state',
  replica: 'replica',
} as const;

/** The sublevel names as a type. */
export type SublevelName = keyof typeof sublevelNames;

/** Version of the layouts above, kept under meta "format"; a store of another version is refused on open. */
export const storeFormatVersion = 1;

const textEncoder = new TextEncoder();

/** Keys of the meta sublevel. */
export const metaKeys = {
  format: textEncoder.encode('format'),
  genesis: textEncoder.encode('genesis'),
  head: textEncoder.encode('head'),
  batch: textEncoder.encode('batch'),
} as const;

/** Bytes of a height key. */
export const heightKeyBytes = 8;

/** Bytes of a head record. */
export const headRecordBytes = 8 + 32 + 32;

/** Bytes of a tx index entry. */
export const txEntryBytes = 8 + 4 + 1 + 4 + 4;

/** The head as stored: the last block's height and hash and the state root after it. */
export interface HeadRecord {
  readonly height: number;
  readonly hash: Uint8Array;
  readonly stateRoot: Uint8Array;
}

/** Where a transaction is (block, index, byte range in the block), and what its receipt there said. */
export interface TxEntry {
  /** Height of the block that holds it. */
  readonly height: number;
  /** Its position among the block's transactions. */
  readonly index: number;
  /** Its receipt's code there. */
  readonly code: number;
  /** Where its bytes start in the block's bytes. */
  readonly offset: number;
  /** How many bytes it has. */
  readonly length: number;
}

/** Big-endian u64 key of a safe-integer height (key order = height order). */
export function heightKey(height: number): Uint8Array {
  const key = new Uint8Array(heightKeyBytes);
  const view = new DataView(key.buffer);
  view.setUint32(0, Math.floor(height / 0x1_0000_0000));
  view.setUint32(4, height >>> 0);
  return key;
}

/** The height in a height key. @throws DecodeError if it is not 8 bytes of a safe integer. */
export function readHeightKey(key: Uint8Array): number {
  if (key.length !== heightKeyBytes) {
    throw new DecodeError('heightKey', 0, `expected ${heightKeyBytes} bytes, got ${key.length}`);
  }
  const view = new DataView(key.buffer, key.byteOffset, key.byteLength);
  const high = view.getUint32(0);
  if (high > 0x1fffff) throw new DecodeError('heightKey', 0, 'height ≥ 2^53');
  return high * 0x1_0000_0000 + view.getUint32(4);
}

/** The format marker value. */
export function encodeFormat(): Uint8Array {
  return Uint8Array.of(storeFormatVersion);
}

/** The stored format version. @throws DecodeError unless it is one byte. */
export function decodeFormat(bytes: Uint8Array): number {
  const reader = new ByteReader(bytes);
  const version = reader.u8('format');
  reader.end('format');
  return version;
}

/** A head record's bytes. */
export function encodeHead(head: HeadRecord): Uint8Array {
  return new ByteWriter(headRecordBytes).u53(head.height).fixed(head.hash).fixed(head.stateRoot).finish();
}

/** Reads a head record. @throws DecodeError naming the field. */
export function decodeHead(bytes: Uint8Array): HeadRecord {
  const reader = new ByteReader(bytes);
  const head = {
    height: reader.u53('head.height'),
    hash: reader.fixed(32, 'head.hash'),
    stateRoot: reader.fixed(32, 'head.stateRoot'),
  };
  reader.end('head');
  return head;
}

/** The byte that ends a checked replica record value. */
export const recordCheckMarker = 0xc5;

/** Bytes a check adds to a replica record value (CRC-32C and the marker). */
export const recordCheckBytes = 5;

const recordKeyEncoder = new TextEncoder();

/** A replica record's stored value: the record, its CRC-32C over key ‖ record, the marker. */
export function encodeRecordValue(key: string, record: Uint8Array): Uint8Array {
  const keyBytes = recordKeyEncoder.encode(key);
  const out = new Uint8Array(record.length + recordCheckBytes);
  out.set(record, 0);
  new DataView(out.buffer).setUint32(record.length, crc32c(record, 0, record.length, crc32c(keyBytes)), true);
  out[record.length + 4] = recordCheckMarker;
  return out;
}

/**
 * The record in a stored replica value (a view of it).
 * @throws DecodeError when a checked value's CRC-32C does not match its key and bytes.
 */
export function decodeRecordValue(key: string, stored: Uint8Array): Uint8Array {
  if (stored.length < recordCheckBytes || stored[stored.length - 1] !== recordCheckMarker) return stored;
  const length = stored.length - recordCheckBytes;
  const record = stored.subarray(0, length);
  const expected = new DataView(stored.buffer, stored.byteOffset + length, 4).getUint32(0, true);
  if (crc32c(record, 0, length, crc32c(recordKeyEncoder.encode(key))) !== expected) {
    throw new DecodeError(
      `replica record ${JSON.stringify(key)}`,
      length,
      'its CRC-32C does not match its key and bytes',
    );
  }
  return record;
}

/** The batch counter's value. */
export function encodeBatchNumber(batch: number): Uint8Array {
  return new ByteWriter(8).u53(batch).finish();
}

/** Reads the batch counter. @throws DecodeError unless it is one u53. */
export function decodeBatchNumber(bytes: Uint8Array): number {
  const reader = new ByteReader(bytes);
  const batch = reader.u53('batch');
  reader.end('batch');
  return batch;
}

/** A hash index value: the block's height. */
export function encodeHashEntry(height: number): Uint8Array {
  return new ByteWriter(8).u53(height).finish();
}

/** Reads a hash index value. @throws DecodeError unless it is one u53. */
export function decodeHashEntry(bytes: Uint8Array): number {
  const reader = new ByteReader(bytes);
  const height = reader.u53('hashEntry.height');
  reader.end('hashEntry');
  return height;
}

/**
 * Writes a tx index value at `at` in `target` (little-endian, the layout above); the store
 * writes a group's entries into one buffer rather than allocating a writer per entry.
 */
export function writeTxEntry(target: Uint8Array, at: number, entry: TxEntry): void {
  const view = new DataView(target.buffer, target.byteOffset + at, txEntryBytes);
  view.setUint32(0, entry.height % 0x1_0000_0000, true);
  view.setUint32(4, Math.floor(entry.height / 0x1_0000_0000), true);
  view.setUint32(8, entry.index, true);
  view.setUint8(12, entry.code);
  view.setUint32(13, entry.offset, true);
  view.setUint32(17, entry.length, true);
}

/** A tx index value. */
export function encodeTxEntry(entry: TxEntry): Uint8Array {
  const out = new Uint8Array(txEntryBytes);
  writeTxEntry(out, 0, entry);
  return out;
}

/** Reads a tx index value. @throws DecodeError naming the field. */
export function decodeTxEntry(bytes: Uint8Array): TxEntry {
  const reader = new ByteReader(bytes);
  const entry = {
    height: reader.u53('txEntry.height'),
    index: reader.u32('txEntry.index'),
    code: reader.u8('txEntry.code'),
    offset: reader.u32('txEntry.offset'),
    length: reader.u32('txEntry.length'),
  };
  reader.end('txEntry');
  return entry;
}
