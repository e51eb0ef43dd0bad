/**
 * The block store's operating errors (typed errors for operating conditions,
 * `assert()` for programmer errors). Each carries a stable `code` to branch on; the message
 * says what did not match, naming the height, the field or the directory. Bad arguments (a
 * height that is not an integer, a key of the wrong type) stay `TypeError`/`RangeError`.
 */
import { ConsortiumLedgerError } from '../errors.js';

/** Base class of every error the store raises itself. */
export class StoreError extends ConsortiumLedgerError {}

/**
 * A write the store refused because it does not fit the chain it holds: an append whose
 * height, previous hash, roots, receipts, state root or certificate do not match, an
 * `initialize` on a store that is not empty, a certificate for a block the store does not
 * hold. Nothing of the refused write was stored, and the store reads and appends as before.
 */
export class StoreAppendError extends StoreError {
  constructor(message: string) {
    super('STORE_APPEND', message);
  }
}

/**
 * The stored data do not hold together: a block whose bytes do not hash to its index entry,
 * a head without its block, a block above the head, a value that does not decode, a LevelDB
 * file LevelDB itself reports as corrupt. The message names the height, the record or the
 * file (with LevelDB's own reason). Nothing is repaired behind the caller's back:
 * `repairStore` (`consortium-ledger repair`) keeps the blocks that verify, and a node fetches
 * the rest from its peers.
 */
export class StoreCorruptError extends StoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE_CORRUPT', message, options);
  }
}

/** A range of block heights, both ends included. */
export interface HeightRange {
  /** The lowest height. */
  readonly from: number;
  /** The highest height. */
  readonly to: number;
}

/**
 * The store lost writes it had acknowledged: its head witness (src/store/witness.ts) says
 * more was durable than the database holds, or LevelDB's recovery would drop log records
 * written before others. `lostHeights` names the blocks gone (none when only certificates,
 * state writes or safety records went); the message says what LevelDB would drop. Raised
 * before LevelDB's recovery runs on the original files, which stay as they were: repair is an
 * explicit step (`repairStore`, `consortium-ledger repair`). Its code is `STORE_CORRUPT`.
 */
export class StoreLossError extends StoreCorruptError {
  /** The store's directory. */
  readonly location: string;
  /** The heights lost, as ranges in height order (empty when no block is missing). */
  readonly lostHeights: readonly HeightRange[];
  /** Acknowledged batches the database does not count (0 when the loss shows only in the log). */
  readonly batchesLost: number;

  constructor(location: string, message: string, lostHeights: readonly HeightRange[], batchesLost: number) {
    super(message);
    this.location = location;
    this.lostHeights = lostHeights;
    this.batchesLost = batchesLost;
  }
}

/** Another process, or another `BlockStore` in this process, has the store's directory open. */
export class StoreLockedError extends StoreError {
  /** The store's directory. */
  readonly location: string;

  constructor(location: string, cause: unknown) {
    super('STORE_LOCKED', `the store at ${location} is locked by another process (or another open BlockStore)`, {
      cause,
    });
    this.location = location;
  }
}

/** A call made after `close()` began (or a read that `close()` cut short). */
export class StoreClosedError extends StoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE_CLOSED', message, options);
  }
}

/** A write to a store opened with `readOnly: true`. */
export class StoreReadOnlyError extends StoreError {
  constructor(message: string) {
    super('STORE_READ_ONLY', message);
  }
}

/**
 * The store's files could not be opened or read for a reason of the machine's, not of the
 * data's: a full disk, a permission, an I/O error. The message names the path and gives the
 * system's (or LevelDB's) own reason; `cause` is the original error.
 */
export class StoreIoError extends StoreError {
  /** The store's directory. */
  readonly location: string;

  constructor(location: string, message: string, cause: unknown) {
    super('STORE_IO', message, { cause });
    this.location = location;
  }
}

/**
 * There is no store where one was asked for: `BlockStore.open(…, { create: false })` found a
 * directory that does not exist, holds no LevelDB database, or holds one that is not a
 * consortium-ledger block store; or the path names a regular file, or a path under one, where
 * a directory belongs.
 */
export class StoreNotFoundError extends StoreError {
  constructor(message: string) {
    super('STORE_NOT_A_STORE', message);
  }
}

/**
 * The commit queue already holds `storeCommitQueueWritesMax` writes: the caller issues
 * appends faster than the disk takes them. Nothing of the refused write was queued; await
 * earlier appends and retry.
 */
export class StoreBusyError extends StoreError {
  constructor(message: string) {
    super('STORE_BUSY', message);
  }
}

/**
 * The database failed to write a batch (an I/O error, a full disk). The appends of that
 * batch and every write queued behind it are rejected with this error, and the store
 * refuses further writes: the heads those queued appends were checked against never became
 * durable. Reads still work; close and reopen the store to go on from its durable head.
 * `cause` is the database's error.
 */
export class StoreWriteError extends StoreError {
  constructor(message: string, cause: unknown) {
    super('STORE_WRITE', message, { cause });
  }
}
