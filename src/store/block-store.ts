/**
 * The block store: a node's genesis, blocks, block-hash and tx indexes, receipts, commit
 * certificates, state and head, in one LevelDB database (key layouts: src/store/keys.ts).
 *
 * Writes: a block is checked against the chain before it is written
 * (src/store/block-check.ts) and goes to disk in one atomic batch with its indexes,
 * receipts, certificate, state writes and the new head. Appends may be issued back to back:
 * each is checked, in call order, against the head the appends before it will leave, and
 * queued; the queue (src/store/commit-queue.ts) writes the appends that gathered while a
 * batch was in flight together in the next batch, one fsync for several blocks. An append
 * resolves only once its batch is durable and the head witness beside the database says so
 * (src/store/witness.ts), and only then does `head` move.
 *
 * Reads see the acknowledged head: nothing above it. Every block read is checked again
 * (src/store/chain-reader.ts); stored data that do not hold together raise
 * `StoreCorruptError`. `open` checks first that the database lost nothing it acknowledged
 * and holds together (src/store/open-store.ts, src/store/open-check.ts); `readOnly` opens a
 * private copy, so reading never lets LevelDB rewrite the store's files.
 */
import { bytesEqual, toHex } from '../bytes.js';
import type { DecodedBlock } from '../codec/block.js';
import { decodeCertificate } from '../codec/certificate.js';
import { decodeGenesis } from '../codec/genesis.js';
import { decodeReceipts, type Receipt } from '../codec/receipt.js';
import { sha256, sha256DigestBytes } from '../crypto/sha256.js';
import { DecodeError } from '../errors.js';
import { requireBytes, requireBytesOfLength, requireInteger } from '../validate.js';
import { type BlockCommit, type ChainTip, type PreparedBlock, prepareCommit, requireStateKey } from './block-check.js';
import { ChainReader, decodeStored, type StoredTransaction } from './chain-reader.js';
import { CommitQueue } from './commit-queue.js';
import {
  asView,
  databaseCall,
  mapDatabaseError,
  openDatabase,
  openSublevels,
  type StoreDatabase,
  type Sublevels,
  writeBatch,
} from './database.js';
import { StoreAppendError, StoreClosedError, StoreCorruptError, StoreReadOnlyError } from './errors.js';
import { decodeRecordValue, decodeTxEntry, heightKey, metaKeys, type TxEntry } from './keys.js';

import { checkStoreOnOpen } from './open-check.js';
import { type OpenedDirectory, openDirectory } from './open-store.js';
import { removeSnapshot } from './snapshot.js';
import type { Acknowledged, WitnessFile } from './witness.js';
import { buildGroupBatch, type RecordChange, type StoreWrite } from './write-batch.js';

export type { BlockCommit, StateWrite } from './block-check.js';
export type { StoreDatabase } from './database.js';
export type { RecordChange } from './write-batch.js';

/** Options of {@link BlockStore.append}. */
export interface AppendOptions {
  /** Replica safety records to write in the same atomic batch as the block. */
  readonly records?: readonly RecordChange[];
}

/** The acknowledged head: the last durable block's height and hash, and the state root after it. */
export interface StoreHead {
  /** Height of the last durable block. */
  readonly height: number;
  /** Its hash: what the next block's `previousHash` must be. */
  readonly hash: Uint8Array;
  /** The state root after it, as its header states it. */
  readonly stateRoot: Uint8Array;
}

/** Options of {@link BlockStore.open}. */
export interface BlockStoreOptions {
  /**
   * Group commit: appends that arrive while a synced write is in flight are written together
   * in the next batch (one fsync for several blocks). Default true. When false, every append
   * is its own synced batch.
   */
  readonly groupCommit?: boolean;
  /** fsync each batch (default true). Only tests and the in-memory simulator turn it off. */
  readonly sync?: boolean;
  /**
   * Create the store when the directory (or database) holds none (default true). When false,
   * a missing directory, an empty database or a database that is not a block store is
   * refused with `StoreNotFoundError` (for the CLI, which must not create stores by accident).
   */
  readonly create?: boolean;
  /**
   * Open to read only (default false): writes are refused with `StoreReadOnlyError`, and a
   * store in a directory is read from a private copy that LevelDB recovers, so LevelDB never
   * rewrites the original files (src/store/snapshot.ts). Implies `create: false`.
   */
  readonly readOnly?: boolean;
}

/** Counters of what the store wrote since it was opened. */
export interface BlockStoreStats {
  /** Atomic batches written (each one fsync when `sync` is on). */
  readonly batchesWritten: number;
  /** Blocks written (block 0 included). */
  readonly blocksWritten: number;
}

const heightMax = Number.MAX_SAFE_INTEGER;
const zeroHash = new Uint8Array(sha256DigestBytes);

/** What the store runs on once opened (src/store/open-store.ts for a directory). */
type Opened = Omit<OpenedDirectory, 'head'> & { readonly head: StoreHead | undefined };

/** A node's LevelDB block store. Open with {@link BlockStore.open}. */
export class BlockStore {
  readonly #db: StoreDatabase;
  readonly #sublevels: Sublevels;
  readonly #reader: ChainReader;
  readonly #queue: CommitQueue<StoreWrite>;
  readonly #name: string;
  readonly #sync: boolean;
  readonly #readOnly: boolean;
  /** The head witness, for a store in a directory that writes. */
  readonly #witness: WitnessFile | undefined;
  /** The private copy a read-only store runs on, removed on close. */
  readonly #snapshot: string | undefined;
  /** The number of the last durable batch (meta "batch"). */
  #sequence: number;
  readonly #witnessAtOpen: Acknowledged | undefined;
  /** The acknowledged head. */
  #head: StoreHead | undefined;
  /** The head every queued write will leave (what the next append must follow). */
  #tip: ChainTip | undefined;
  /** Hashes of blocks queued but not yet written, by height. */
  readonly #queuedHashes = new Map<number, Uint8Array>();
  #closing: Promise<void> | undefined;
  #batchesWritten = 0;
  #blocksWritten = 0;

  private constructor(opened: Opened, name: string, options: BlockStoreOptions) {
    this.#db = opened.db;
    this.#sublevels = opened.sublevels;
    this.#reader = opened.reader;
    this.#name = name;
    this.#sync = options.sync ?? true;
    this.#readOnly = options.readOnly ?? false;
    this.#witness = opened.witness;
    this.#snapshot = opened.snapshot;
    this.#sequence = opened.sequence;
    this.#witnessAtOpen = opened.witnessed;
    this.#head = opened.head;
    this.#tip = opened.head;
    this.#queue = new CommitQueue((writes) => this.#writeGroup(writes), {
      groupCommit: options.groupCommit ?? true,
      name: `the store at ${name}`,
    });
  }

  /**
   * Opens (creating if absent, unless `create: false`) a LevelDB store in directory
   * `location`, or wraps an already-constructed abstract-level database (e.g. a
   * `MemoryLevel`; the store then owns it and closes it on `close()`). Checks the store holds
   * together before returning it.
   *
   * A store in a directory is opened as src/store/open-store.ts says: LevelDB's logs are
   * read before LevelDB's recovery runs, and the database is compared with the head witness
   * beside it (src/store/witness.ts), so a store that lost acknowledged writes is reported,
   * naming the heights, and never opens as intact or empty.
   *
   * @throws StoreLockedError if another process or `BlockStore` has the directory open;
   *   StoreLossError (code `STORE_CORRUPT`) if it lost acknowledged writes; StoreCorruptError
   *   if the store does not hold together; StoreNotFoundError (with `create: false`) if there
   *   is no store, or a regular file is where its directory belongs; StoreIoError if the
   *   machine refuses (a full disk, a permission).
   */
  static async open(location: string | StoreDatabase, options: BlockStoreOptions = {}): Promise<BlockStore> {
    const where = 'BlockStore.open';
    if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: expected an options object`);
    for (const key of ['groupCommit', 'sync', 'create', 'readOnly'] as const) {
      if (options[key] !== undefined && typeof options[key] !== 'boolean') {
        throw new TypeError(`${where}: expected options.${key} to be a boolean`);
      }
    }
    const readOnly = options.readOnly ?? false;
    const create = (options.create ?? true) && !readOnly;
    const sync = options.sync ?? true;
    if (typeof location === 'string') {
      const opened = await openDirectory(location, { create, sync, readOnly });
      return new BlockStore(opened, location, options);
    }
    const { db, name } = await openDatabase(location, create, where);
    try {
      const sublevels = openSublevels(db);
      const reader = new ChainReader(sublevels, name);
      const checked = await checkStoreOnOpen(db, sublevels, reader, { create, sync, name });
      const opened = {
        db,
        sublevels,
        reader,
        ...checked,
        witness: undefined,
        witnessed: undefined,
        snapshot: undefined,
      };
      return new BlockStore(opened, name, options);
    } catch (error) {
      await db.close().catch(() => undefined);
      throw error;
    }
  }

  /** The acknowledged head; undefined for a new, empty store. */
  get head(): StoreHead | undefined {
    return this.#head;
  }

  /** What the store wrote since it was opened. */
  get stats(): BlockStoreStats {
    return { batchesWritten: this.#batchesWritten, blocksWritten: this.#blocksWritten };
  }

  /** The genesis bytes, or undefined before `initialize`. */
  async genesisBytes(): Promise<Uint8Array | undefined> {
    const where = 'BlockStore.genesisBytes';
    this.#checkOpen(where);
    if (this.#head === undefined) return undefined;
    const bytes = await this.#call(() => this.#sublevels.meta.get(metaKeys.genesis), where);
    if (bytes === undefined) throw new StoreCorruptError(`${this.#name}: the genesis is missing`);
    return asView(bytes);
  }

  /**
   * Writes the genesis and block 0 (height 0, previousHash = SHA-256(genesis bytes), no
   * transactions) with the genesis state, in one batch. Resolves after the synced write.
   *
   * @throws StoreAppendError if the store is not empty or block 0 does not fit the genesis.
   */
  async initialize(genesisBytes: Uint8Array, block0: BlockCommit): Promise<void> {
    const where = 'BlockStore.initialize';
    this.#checkWritable(where);
    this.#queue.checkRoom();
    requireBytes(genesisBytes, 'genesisBytes', where);
    if (this.#tip !== undefined) {
      throw new StoreAppendError(`${where}: the store already holds a chain (head height ${this.#tip.height})`);
    }
    try {
      decodeGenesis(genesisBytes);
    } catch (error) {
      if (error instanceof DecodeError)
        throw new StoreAppendError(`${where}: the genesis does not decode: ${error.message}`);
      throw error;
    }
    const header = block0?.block?.header;
    if (header?.height !== 0) throw new StoreAppendError(`${where}: block 0 has height ${header?.height}`);
    if (header.txCount !== 0) throw new StoreAppendError(`${where}: block 0 holds ${header.txCount} transactions`);
    const genesisHash = sha256(genesisBytes);
    if (!bytesEqual(header.previousHash, genesisHash)) {
      throw new StoreAppendError(`${where}: block 0's previousHash is not SHA-256 of the genesis bytes`);
    }
    const prepared = prepareCommit(block0, { height: -1, hash: genesisHash });
    const written = this.#queue.enqueue(
      { kind: 'block', block: prepared, genesisBytes: genesisBytes.slice() },
      prepared.batchBytes,
    );
    this.#queued(prepared);
    return written;
  }

  /**
   * Appends the next block: checks it (src/store/block-check.ts) against the head that the
   * appends queued before it will leave, then writes the block, its hash and tx index
   * entries, receipts, certificate (if given), the state writes and the new head in one
   * atomic batch. Resolves only after the synced write. Appends may be issued without
   * awaiting: they are checked in call order and group-committed. The store holds on to the
   * commit's bytes until the append resolves: do not modify them before.
   *
   * @throws StoreAppendError naming the check that failed (nothing is written);
   *   StoreBusyError if too many writes are queued; StoreWriteError after a failed batch.
   */
  async append(commit: BlockCommit, options: AppendOptions = {}): Promise<void> {
    const where = 'BlockStore.append';
    this.#checkWritable(where);
    this.#queue.checkRoom();
    if (this.#tip === undefined) {
      throw new StoreAppendError(`${where}: the store holds no chain yet; initialize it with the genesis and block 0`);
    }
    const records = options.records === undefined ? undefined : checkedRecords(options.records, where);
    const prepared = prepareCommit(commit, this.#tip);
    const written = this.#queue.enqueue(
      records === undefined ? { kind: 'block', block: prepared } : { kind: 'block', block: prepared, records },
      prepared.batchBytes + recordBytes(records),
    );
    this.#queued(prepared);
    return written;
  }

  /**
   * Stores (or replaces with) the commit certificate of an already stored or queued block
   * (PBFT forms a block's certificate after the block). The store checks the certificate
   * names that block; it does not check the signatures (the consensus layer holds the keys).
   *
   * @throws StoreAppendError if there is no block at `height` or the certificate does not name it.
   */
  async putCertificate(height: number, certificate: Uint8Array): Promise<void> {
    const where = 'BlockStore.putCertificate';
    this.#checkWritable(where);
    requireInteger(height, 'height', where, 0, heightMax);
    requireBytes(certificate, 'certificate', where);
    if (this.#tip === undefined || height > this.#tip.height) {
      throw new StoreAppendError(`${where}: no block at height ${height} (head height ${this.#tip?.height ?? 'none'})`);
    }
    let decoded: ReturnType<typeof decodeCertificate>;
    try {
      decoded = decodeCertificate(certificate);
    } catch (error) {
      if (error instanceof DecodeError)
        throw new StoreAppendError(`${where}: the certificate does not decode: ${error.message}`);
      throw error;
    }
    if (decoded.height !== height) {
      throw new StoreAppendError(`${where}: the certificate names height ${decoded.height}, not ${height}`);
    }
    const queuedHash = this.#queuedHashes.get(height);
    const named =
      queuedHash !== undefined
        ? bytesEqual(queuedHash, decoded.blockHash)
        : (await this.#reader.heightOfHash(decoded.blockHash, where)) === height;
    if (!named) {
      throw new StoreAppendError(
        `${where}: the certificate names block hash ${toHex(decoded.blockHash)}, not the block stored at height ${height}`,
      );
    }
    this.#checkOpen(where);
    return this.#queue.enqueue({ kind: 'certificate', height, certificate: certificate.slice() }, certificate.length);
  }

  /**
   * Writes replica safety records (puts, and deletes with `value: null`) in one atomic batch;
   * resolves once it is durable. Queued behind the appends before it, so it never lands
   * before a block issued earlier.
   */
  async writeReplicaRecords(changes: readonly RecordChange[]): Promise<void> {
    const where = 'BlockStore.writeReplicaRecords';
    this.#checkWritable(where);
    this.#queue.checkRoom();
    const records = checkedRecords(changes, where);
    return this.#queue.enqueue({ kind: 'records', changes: records }, recordBytes(records));
  }

  /**
   * Every replica safety record, by key (read once when a node starts), each checked against
   * its CRC-32C (src/store/keys.ts). @throws StoreCorruptError naming a record that does not check.
   */
  async replicaRecords(): Promise<Map<string, Uint8Array>> {
    const where = 'BlockStore.replicaRecords';
    this.#checkOpen(where);
    const out = new Map<string, Uint8Array>();
    const entries = await this.#call(() => this.#sublevels.replica.iterator().all(), where);
    const text = new TextDecoder('utf-8', { fatal: true });
    for (const [key, value] of entries) {
      let name: string;
      try {
        name = text.decode(asView(key));
      } catch {
        throw new StoreCorruptError(`${this.#name}: a replica record key is not UTF-8 (${toHex(asView(key))})`);
      }
      out.set(
        name,
        decodeStored(
          asView(value),
          (bytes) => decodeRecordValue(name, bytes),
          `${this.#name}: the replica record ${JSON.stringify(name)}`,
        ),
      );
    }
    return out;
  }

  /** The checked block at `height`, or undefined above the head. @throws StoreCorruptError if it does not check. */
  async blockByHeight(height: number): Promise<DecodedBlock | undefined> {
    const where = 'BlockStore.blockByHeight';
    this.#checkOpen(where);
    requireInteger(height, 'height', where, 0, heightMax);
    if (this.#head === undefined || height > this.#head.height) return undefined;
    return this.#reader.blockAt(height, where);
  }

  /** The checked block with header hash `hash`, or undefined. @throws StoreCorruptError if it does not check. */
  async blockByHash(hash: Uint8Array): Promise<DecodedBlock | undefined> {
    const where = 'BlockStore.blockByHash';
    this.#checkOpen(where);
    requireBytesOfLength(hash, sha256DigestBytes, 'hash', where);
    const height = await this.#reader.heightOfHash(hash, where);
    if (height === undefined || this.#head === undefined || height > this.#head.height) return undefined;
    const block = await this.#reader.blockAt(height, where);
    if (!bytesEqual(block.hash, hash)) {
      throw new StoreCorruptError(
        `${where}: the hash index gives height ${height} for ${toHex(hash)}, whose block hashes otherwise`,
      );
    }
    return block;
  }

  /**
   * Where the transaction `txId` is: the block height and index of the occurrence that
   * consumed its sender's nonce (applied, or refused by a rule), or of its first occurrence
   * if none did (src/store/keys.ts); undefined if unknown.
   */
  async txLocation(txId: Uint8Array): Promise<
    | {
        /** Height of the block that holds it. */
        height: number;
        /** Its position among the block's transactions, from 0. */
        index: number;
      }
    | undefined
  > {
    const where = 'BlockStore.txLocation';
    this.#checkOpen(where);
    requireBytesOfLength(txId, sha256DigestBytes, 'txId', where);
    const entry = await this.#txEntry(txId, where);
    return entry === undefined ? undefined : { height: entry.height, index: entry.index };
  }

  /**
   * The transaction `txId` (the occurrence {@link txLocation} names), read as one slice of its
   * block and checked against its id, its block's header and the hash index — without
   * decoding the rest of the block. Undefined if unknown.
   * @throws StoreCorruptError if the stored bytes do not check.
   */
  async transaction(txId: Uint8Array): Promise<StoredTransaction | undefined> {
    const where = 'BlockStore.transaction';
    this.#checkOpen(where);
    requireBytesOfLength(txId, sha256DigestBytes, 'txId', where);
    const entry = await this.#txEntry(txId, where);
    return entry === undefined ? undefined : this.#reader.transactionAt(txId, entry, where);
  }

  async #txEntry(txId: Uint8Array, where: string): Promise<TxEntry | undefined> {
    const stored = await this.#call(() => this.#sublevels.tx.get(txId), where);
    if (stored === undefined) return undefined;
    const entry = decodeStored(asView(stored), decodeTxEntry, `the tx index entry of ${toHex(txId)}`);
    return this.#head === undefined || entry.height > this.#head.height ? undefined : entry;
  }

  /**
   * The raw tx index entries of `txIds` (one `getMany`), undefined where there is none or
   * the entry names a block above the head: what `verifyChain` checks against the blocks.
   * @throws StoreCorruptError if an entry does not decode.
   */
  async txIndexEntries(txIds: readonly Uint8Array[]): Promise<(TxEntry | undefined)[]> {
    const where = 'BlockStore.txIndexEntries';
    this.#checkOpen(where);
    if (!Array.isArray(txIds)) throw new TypeError(`${where}: expected an array of tx ids`);
    for (let i = 0; i < txIds.length; i++) requireBytesOfLength(txIds[i], sha256DigestBytes, `txIds[${i}]`, where);
    if (txIds.length === 0) return [];
    const stored = await this.#call(() => this.#sublevels.tx.getMany([...txIds]), where);
    return stored.map((bytes, i) => {
      if (bytes === undefined) return undefined;
      const entry = decodeStored(
        asView(bytes),
        decodeTxEntry,
        `the tx index entry of ${toHex(txIds[i] as Uint8Array)}`,
      );
      return this.#head === undefined || entry.height > this.#head.height ? undefined : entry;
    });
  }

  /**
   * What the head witness said when the store was opened (src/store/witness.ts): the
   * batches and the head the store had acknowledged, which the open found the database
   * holds. Undefined for a store that is not in a directory, or one from before the witness
   * opened to read only.
   */
  get witnessAtOpen(): Acknowledged | undefined {
    return this.#witnessAtOpen;
  }

  /** The receipts of block `height`, in block order, or undefined above the head. */
  async receipts(height: number): Promise<Receipt[] | undefined> {
    const where = 'BlockStore.receipts';
    this.#checkOpen(where);
    requireInteger(height, 'height', where, 0, heightMax);
    if (this.#head === undefined || height > this.#head.height) return undefined;
    const stored = await this.#call(() => this.#sublevels.receipt.get(heightKey(height)), where);
    if (stored === undefined) throw new StoreCorruptError(`block ${height}: its receipts are missing`);
    return decodeStored(asView(stored), decodeReceipts, `block ${height}'s receipts`);
  }

  /** The commit certificate stored for block `height`, or undefined (none yet, or above the head). */
  async certificate(height: number): Promise<Uint8Array | undefined> {
    const where = 'BlockStore.certificate';
    this.#checkOpen(where);
    requireInteger(height, 'height', where, 0, heightMax);
    if (this.#head === undefined || height > this.#head.height) return undefined;
    const stored = await this.#call(() => this.#sublevels.cert.get(heightKey(height)), where);
    if (stored === undefined) return undefined;
    const bytes = asView(stored);
    const decoded = decodeStored(bytes, decodeCertificate, `block ${height}'s certificate`);
    if (decoded.height !== height || (await this.#reader.heightOfHash(decoded.blockHash, where)) !== height) {
      throw new StoreCorruptError(`block ${height}: its stored certificate names another block`);
    }
    return bytes;
  }

  /** The value of state key `key`, or undefined. */
  async getState(key: Uint8Array): Promise<Uint8Array | undefined> {
    const where = 'BlockStore.getState';
    this.#checkOpen(where);
    requireStateKey(key, where);
    const value = await this.#call(() => this.#sublevels.state.get(key), where);
    return value === undefined ? undefined : asView(value);
  }

  /** Every state entry, in key order (a snapshot taken when iteration starts). */
  async *stateEntries(): AsyncGenerator<[key: Uint8Array, value: Uint8Array]> {
    const where = 'BlockStore.stateEntries';
    this.#checkOpen(where);
    const iterator = this.#sublevels.state.iterator();
    try {
      for (;;) {
        const entries = await this.#call(() => iterator.nextv(1024), where);
        if (entries.length === 0) return;
        for (const [key, value] of entries) yield [asView(key), asView(value)];
      }
    } finally {
      await iterator.close();
    }
  }

  /**
   * The checked blocks from `fromHeight` (default 0) to `toHeight` (default: the head)
   * inclusive, in height order; heights above the head at the call are left out.
   */
  async *blocks(fromHeight = 0, toHeight: number = heightMax): AsyncGenerator<DecodedBlock> {
    const where = 'BlockStore.blocks';
    this.#checkOpen(where);
    requireInteger(fromHeight, 'fromHeight', where, 0, heightMax);
    requireInteger(toHeight, 'toHeight', where, 0, heightMax);
    if (this.#head === undefined) return;
    const last = Math.min(toHeight, this.#head.height);
    if (fromHeight > last) return;
    yield* this.#reader.range(fromHeight, last, where);
  }

  /**
   * Closes the store: waits for every queued and in-flight append to be written (nothing
   * acknowledged or accepted is dropped), then closes the database. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#queue.drain();
      await this.#db.close();
      await this.#witness?.close();
      if (this.#snapshot !== undefined) await removeSnapshot(this.#snapshot);
    })();
    return this.#closing;
  }

  #checkOpen(where: string): void {
    if (this.#closing !== undefined) throw new StoreClosedError(`${where}: the store at ${this.#name} is closed`);
  }

  #checkWritable(where: string): void {
    this.#checkOpen(where);
    if (this.#readOnly) throw new StoreReadOnlyError(`${where}: the store at ${this.#name} is open to read only`);
  }

  #call<R>(operation: () => Promise<R>, where: string): Promise<R> {
    return databaseCall(operation, where, this.#name);
  }

  #queued(block: PreparedBlock): void {
    this.#tip = { height: block.height, hash: block.hash };
    this.#queuedHashes.set(block.height, block.hash);
  }

  /** Writes one group of queued writes in one atomic batch (called by the commit queue, one group at a time). */
  async #writeGroup(writes: readonly StoreWrite[]): Promise<void> {
    const number = this.#sequence + 1;
    const batch = await buildGroupBatch(writes, this.#sublevels, this.#name, number);
    try {
      await writeBatch(this.#db, batch.operations, this.#sync);
    } catch (error) {
      throw mapDatabaseError(error, 'BlockStore.append', this.#name);
    }
    this.#sequence = number;
    // Durable in the database; the witness follows it (never ahead), then the writes are acknowledged.
    const head = batch.head ?? this.#head;
    await this.#witness?.record({ sequence: number, height: head?.height ?? -1, hash: head?.hash ?? zeroHash });
    this.#batchesWritten++;
    this.#blocksWritten += batch.blocks.length;
    if (batch.genesisBytes !== undefined) this.#reader.genesisHash = sha256(batch.genesisBytes);
    if (batch.head !== undefined) this.#head = batch.head;
    for (const block of batch.blocks) this.#queuedHashes.delete(block.height);
  }
}

/** Copies of `changes` after checking their shape (the store keeps them until they are written). */
function checkedRecords(changes: readonly RecordChange[], where: string): RecordChange[] {
  if (!Array.isArray(changes)) throw new TypeError(`${where}: expected an array of record changes`);
  return changes.map((change, i) => {
    if (typeof change !== 'object' || change === null || typeof change.key !== 'string' || change.key.length === 0) {
      throw new TypeError(`${where}: records[${i}].key must be a non-empty string`);
    }
    if (change.value !== null && !(change.value instanceof Uint8Array)) {
      throw new TypeError(`${where}: records[${i}].value must be a Uint8Array or null`);
    }
    return { key: change.key, value: change.value === null ? null : change.value.slice() };
  });
}

/** Bytes the records add to a batch (for the commit queue's byte bound). */
function recordBytes(records: readonly RecordChange[] | undefined): number {
  let bytes = 0;
  for (const change of records ?? []) bytes += change.key.length + (change.value?.length ?? 0);
  return bytes;
}
