/**
 * Reading blocks back with the second half of the pair assertion: every block read is
 * decoded and re-checked (src/store/block-check.ts: header height = key, tx root,
 * previous-certificate hash), and its links are checked against the hash index — SHA-256 of
 * its header is indexed at its own height, and its `previousHash` is the hash indexed at the
 * height below (block 0: SHA-256 of the stored genesis). In a run of consecutive blocks the
 * link to the block below is compared with that block's recomputed hash directly, and the
 * index look-ups of a run go to the database in one `getMany` call.
 */
import { bytesEqual, toHex } from '../bytes.js';
import { type BlockHeader, blockHeaderBytes, type DecodedBlock, decodeBlockHeader } from '../codec/block.js';
import type { ReasonCode } from '../codec/receipt.js';
import { decodeTransaction, type Transaction } from '../codec/transaction.js';
import { sha256 } from '../crypto/sha256.js';
import { DecodeError } from '../errors.js';
import { checkStoredBlock } from './block-check.js';
import { asView, databaseCall, type Sublevels } from './database.js';
import { StoreCorruptError } from './errors.js';
import { decodeHashEntry, heightKey, readHeightKey, type TxEntry } from './keys.js';

/**
 * Blocks read per database call when iterating a range: enough to amortise one `getMany`
 * over the hash index, few enough that a run of large blocks does not pile up in memory
 * (classic-level also stops a call early past its `highWaterMarkBytes`).
 */
const rangeChunkBlocks = 16;

/** Decodes a stored value with `decode`, turning a `DecodeError` into `StoreCorruptError` naming `what`. */
export function decodeStored<T>(bytes: Uint8Array, decode: (bytes: Uint8Array) => T, what: string): T {
  try {
    return decode(bytes);
  } catch (error) {
    if (error instanceof DecodeError)
      throw new StoreCorruptError(`${what} does not decode: ${error.message}`, { cause: error });
    throw error;
  }
}

/** A transaction read from the store with where it is and what its receipt said. */
export interface StoredTransaction {
  /** Height of the block that holds it. */
  readonly height: number;
  /** Its position among the block's transactions, from 0 (its leaf index under `header.txRoot`). */
  readonly index: number;
  /** Its receipt's code: `reasonCodes.ok` if applied, else why it was refused. */
  readonly code: ReasonCode;
  /** Its canonical bytes. */
  readonly bytes: Uint8Array;
  /** The decoded transaction. */
  readonly tx: Transaction;
  /** Its block's header, whose `txRoot` an inclusion proof of the tx id is checked against. */
  readonly header: BlockHeader;
  /** The header's 213 canonical bytes. */
  readonly headerBytes: Uint8Array;
  /** Its block's hash (SHA-256 of `headerBytes`). */
  readonly blockHash: Uint8Array;
}

/** Reads checked blocks from the store's sublevels. */
export class ChainReader {
  readonly #sublevels: Sublevels;
  readonly #name: string;
  /** SHA-256 of the stored genesis (block 0's `previousHash`), once there is one. */
  genesisHash: Uint8Array | undefined;

  constructor(sublevels: Sublevels, name: string) {
    this.#sublevels = sublevels;
    this.#name = name;
  }

  /** The height the hash index gives for `hash`, if any. */
  async heightOfHash(hash: Uint8Array, where: string): Promise<number | undefined> {
    const stored = await databaseCall(() => this.#sublevels.hash.get(hash), where, this.#name);
    if (stored === undefined) return undefined;
    return decodeStored(asView(stored), decodeHashEntry, `the hash index entry of ${toHex(hash)}`);
  }

  /**
   * The checked block at `height`, which must be stored (the caller knows it is at or below
   * the head). @throws StoreCorruptError if it is missing or does not check.
   */
  async blockAt(height: number, where: string): Promise<DecodedBlock> {
    const bytes = await databaseCall(() => this.#sublevels.block.get(heightKey(height)), where, this.#name);
    if (bytes === undefined) throw new StoreCorruptError(`block ${height} is missing (it is at or below the head)`);
    const block = checkStoredBlock(height, asView(bytes));
    await this.checkLinks([block], undefined, where);
    return block;
  }

  /**
   * The transaction a tx index entry points at, read as one slice of its block's bytes and
   * checked without decoding the rest of the block: the slice hashes to `txId` and decodes,
   * the block's header is at the entry's height, and the header's hash is indexed at that
   * height. @throws StoreCorruptError naming what does not match.
   */
  async transactionAt(txId: Uint8Array, entry: TxEntry, where: string): Promise<StoredTransaction> {
    const { height } = entry;
    const stored = await databaseCall(() => this.#sublevels.block.get(heightKey(height)), where, this.#name);
    if (stored === undefined) throw new StoreCorruptError(`block ${height} is missing (the tx index names it)`);
    const bytes = asView(stored);
    const what = `transaction ${toHex(txId)} in block ${height}`;
    if (
      bytes.length < blockHeaderBytes ||
      entry.offset < blockHeaderBytes ||
      entry.offset + entry.length > bytes.length
    ) {
      throw new StoreCorruptError(`${what}: the tx index range lies outside the block's ${bytes.length} bytes`);
    }
    const headerBytes = bytes.subarray(0, blockHeaderBytes);
    const header = decodeStored(headerBytes, decodeBlockHeader, `block ${height}'s header`);
    if (header.height !== height || entry.index >= header.txCount) {
      throw new StoreCorruptError(`${what}: the block's header does not match the tx index entry`);
    }
    const txBytes = bytes.subarray(entry.offset, entry.offset + entry.length);
    if (!bytesEqual(sha256(txBytes), txId))
      throw new StoreCorruptError(`${what}: the stored bytes do not hash to the id`);
    const tx = decodeStored(txBytes, decodeTransaction, what);
    const blockHash = sha256(headerBytes);
    const indexed = await this.heightOfHash(blockHash, where);
    if (indexed !== height)
      throw new StoreCorruptError(`${what}: the block's header is not indexed at height ${height}`);
    return {
      height,
      index: entry.index,
      code: entry.code as ReasonCode,
      bytes: txBytes,
      tx,
      header,
      headerBytes,
      blockHash,
    };
  }

  /**
   * Checks the index links of consecutive `blocks`; `below` is the checked block just under
   * the first one, when the caller has it. @throws StoreCorruptError naming the height.
   */
  async checkLinks(blocks: readonly DecodedBlock[], below: DecodedBlock | undefined, where: string): Promise<void> {
    const first = blocks[0];
    if (first === undefined) return;
    const keys = blocks.map((block) => block.hash);
    const lookUpBelow = first.header.height > 0 && below === undefined;
    if (lookUpBelow) keys.push(first.header.previousHash);
    const stored = await databaseCall(() => this.#sublevels.hash.getMany(keys), where, this.#name);
    for (let i = 0; i < blocks.length; i++) {
      const block = blocks[i] as DecodedBlock;
      const height = block.header.height;
      const indexed = stored[i];
      if (indexed === undefined) {
        throw new StoreCorruptError(`block ${height}: its hash ${toHex(block.hash)} is not in the hash index`);
      }
      const indexedHeight = decodeStored(asView(indexed), decodeHashEntry, `the hash index entry of block ${height}`);
      if (indexedHeight !== height) {
        throw new StoreCorruptError(
          `block ${height}: its hash ${toHex(block.hash)} is indexed at height ${indexedHeight} (its bytes were altered?)`,
        );
      }
      const previousHash = block.header.previousHash;
      if (height === 0) {
        if (this.genesisHash === undefined || !bytesEqual(previousHash, this.genesisHash)) {
          throw new StoreCorruptError('block 0: previousHash is not SHA-256 of the stored genesis');
        }
        continue;
      }
      const previous = i > 0 ? blocks[i - 1] : below;
      if (previous !== undefined) {
        if (!bytesEqual(previousHash, previous.hash)) {
          throw new StoreCorruptError(`block ${height}: previousHash is not the hash of block ${height - 1}`);
        }
        continue;
      }
      const indexedBelow = stored[blocks.length];
      const heightBelow =
        indexedBelow === undefined
          ? undefined
          : decodeStored(asView(indexedBelow), decodeHashEntry, `the hash index entry of block ${height - 1}`);
      if (heightBelow !== height - 1) {
        throw new StoreCorruptError(
          `block ${height}: previousHash ${toHex(previousHash)} is not the hash of the block at height ${height - 1}`,
        );
      }
    }
  }

  /**
   * The checked blocks from `fromHeight` to `toHeight` inclusive, in height order; both at
   * or below the head, so every height must be there. @throws StoreCorruptError on a gap.
   */
  async *range(fromHeight: number, toHeight: number, where: string): AsyncGenerator<DecodedBlock> {
    const iterator = this.#sublevels.block.iterator({ gte: heightKey(fromHeight), lte: heightKey(toHeight) });
    try {
      let expected = fromHeight;
      let below: DecodedBlock | undefined;
      for (;;) {
        const entries = await databaseCall(() => iterator.nextv(rangeChunkBlocks), where, this.#name);
        if (entries.length === 0) break;
        const blocks = entries.map(([key, value]) => {
          const height = decodeStored(asView(key), readHeightKey, 'a block key');
          if (height !== expected)
            throw new StoreCorruptError(`block ${expected} is missing (it is at or below the head)`);
          expected++;
          return checkStoredBlock(height, asView(value));
        });
        await this.checkLinks(blocks, below, where);
        yield* blocks;
        below = blocks[blocks.length - 1];
      }
      if (expected !== toHeight + 1) {
        throw new StoreCorruptError(`block ${expected} is missing (it is at or below the head)`);
      }
    } finally {
      await iterator.close();
    }
  }
}
