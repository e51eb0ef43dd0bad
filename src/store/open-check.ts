/**
 * The check a store passes before `BlockStore.open` hands it out (docs/architecture.md, "Block store": the
 * store checks the head against the blocks it points to and refuses a store that does not
 * hold together).
 *
 * - The format marker is this release's; a database without one is a new store if it is
 *   empty (and `create` allows), and not a block store otherwise.
 * - A genesis exists iff a head exists; with no head, every other sublevel is empty.
 * - The highest stored block is the head's height: none is missing at the top, none above
 *   (a block and its head go in one batch, so a block above the head is corruption).
 * - The head's block reads back checked (src/store/chain-reader.ts), hashes to the head's
 *   hash, is indexed at the head's height, carries the head's state root, and has receipts.
 * - Block 0 reads back checked, its `previousHash` SHA-256 of the stored genesis.
 * - No receipts or certificate are stored above the head.
 *
 * The state root over the state entries is the ledger's to check when it loads the state.
 */
import { bytesEqual, toHex } from '../bytes.js';
import { decodeGenesis } from '../codec/genesis.js';
import { sha256 } from '../crypto/sha256.js';
import { type ChainReader, decodeStored } from './chain-reader.js';
import {
  asView,
  batchOptions,
  databaseCall,
  type StoreDatabase,
  type StoreSublevel,
  type Sublevels,
} from './database.js';
import { StoreCorruptError, StoreNotFoundError } from './errors.js';
import {
  decodeBatchNumber,
  decodeFormat,
  decodeHead,
  encodeBatchNumber,
  encodeFormat,
  type HeadRecord,
  heightKey,
  metaKeys,
  readHeightKey,
  type SublevelName,
  storeFormatVersion,
} from './keys.js';

/** What the check found: the head (undefined for an empty store), the genesis hash and the batch counter. */
export interface OpenedChain {
  readonly head: HeadRecord | undefined;
  readonly genesisHash: Uint8Array | undefined;
  /** The database's meta "batch" counter (0 for a store from before it, or an empty one). */
  readonly sequence: number;
}

/** Options of {@link checkStoreOnOpen}. */
export interface OpenCheckOptions {
  /** Make an empty database a store (write its format marker). */
  readonly create: boolean;
  readonly sync: boolean;
  /** The store's name in messages (its directory). */
  readonly name: string;
  /**
   * The store's head witness says something was acknowledged: an empty database is then not
   * a store to create or to call empty but one that lost everything, which the caller
   * reports; the check returns it as empty.
   */
  readonly witnessed?: boolean;
  /** Runs before an empty database is made a store (the store creates its head witness there). */
  readonly beforeCreate?: () => Promise<void>;
}

const where = 'BlockStore.open';

/**
 * Checks the store in `db` holds together; marks an empty database as a store when `create`.
 * Sets `reader.genesisHash`.
 *
 * @throws StoreCorruptError naming what does not match; StoreNotFoundError for a database
 *   that is not a store (or an empty one when `create` is false).
 */
export async function checkStoreOnOpen(
  db: StoreDatabase,
  sublevels: Sublevels,
  reader: ChainReader,
  options: OpenCheckOptions,
): Promise<OpenedChain> {
  const { name } = options;
  const [format, genesis, headBytes, batchBytes] = await databaseCall(
    () => sublevels.meta.getMany([metaKeys.format, metaKeys.genesis, metaKeys.head, metaKeys.batch]),
    where,
    name,
  );
  if (format === undefined) {
    if (options.witnessed === true) return { head: undefined, genesisHash: undefined, sequence: 0 };
    const anyKey = await databaseCall(() => db.keys({ limit: 1, keyEncoding: 'view' }).all(), where, name);
    if (anyKey.length > 0) {
      throw new StoreNotFoundError(`${name} holds a database that is not a consortium-ledger block store`);
    }
    if (!options.create) throw new StoreNotFoundError(`${name} holds no block store (its database is empty)`);
    await options.beforeCreate?.();
    const sequence = 1;
    await databaseCall(
      () =>
        db.batch(
          [
            { type: 'put', sublevel: sublevels.meta, key: metaKeys.format, value: encodeFormat() },
            { type: 'put', sublevel: sublevels.meta, key: metaKeys.batch, value: encodeBatchNumber(sequence) },
          ],
          batchOptions(options.sync),
        ),
      where,
      name,
    );
    return { head: undefined, genesisHash: undefined, sequence };
  }
  const sequence =
    batchBytes === undefined ? 0 : decodeStored(asView(batchBytes), decodeBatchNumber, `${name}: the batch counter`);
  const version = decodeStored(asView(format), decodeFormat, `${name}: the format marker`);
  if (version !== storeFormatVersion) {
    throw new StoreCorruptError(
      `${name}: store format version ${version}; this release reads version ${storeFormatVersion}`,
    );
  }

  if (headBytes === undefined) {
    if (genesis !== undefined) throw new StoreCorruptError(`${name}: holds a genesis but no head`);
    const names: SublevelName[] = ['block', 'hash', 'tx', 'receipt', 'cert', 'state'];
    const tops = await Promise.all(names.map((sublevel) => lastKey(sublevels[sublevel], name)));
    const occupied = names.filter((_, i) => tops[i] !== undefined);
    if (occupied.length > 0) {
      throw new StoreCorruptError(`${name}: holds ${occupied.join(', ')} entries but no head`);
    }
    return { head: undefined, genesisHash: undefined, sequence };
  }

  const head = decodeStored(asView(headBytes), decodeHead, `${name}: the head record`);
  if (genesis === undefined) throw new StoreCorruptError(`${name}: has a head (height ${head.height}) but no genesis`);
  decodeStored(asView(genesis), decodeGenesis, `${name}: the stored genesis`);
  reader.genesisHash = sha256(asView(genesis));

  const [topBlock, topReceipts, topCertificate] = await Promise.all([
    lastKey(sublevels.block, name),
    lastKey(sublevels.receipt, name),
    lastKey(sublevels.cert, name),
  ]);
  if (topBlock === undefined) {
    throw new StoreCorruptError(`${name}: the head names block ${head.height} but no block is stored`);
  }
  const topHeight = decodeStored(topBlock, readHeightKey, `${name}: a block key`);
  if (topHeight > head.height) {
    throw new StoreCorruptError(`${name}: block ${topHeight} is stored above the head height ${head.height}`);
  }
  if (topHeight < head.height) {
    throw new StoreCorruptError(
      `${name}: the head names block ${head.height} but the highest stored block is ${topHeight}`,
    );
  }
  for (const [what, key] of [
    ['receipts', topReceipts],
    ['a certificate', topCertificate],
  ] as const) {
    const height = key === undefined ? undefined : decodeStored(key, readHeightKey, `${name}: a ${what} key`);
    if (height !== undefined && height > head.height) {
      throw new StoreCorruptError(`${name}: ${what} stored for height ${height}, above the head height ${head.height}`);
    }
  }

  const block = await reader.blockAt(head.height, where);
  if (!bytesEqual(block.hash, head.hash)) {
    throw new StoreCorruptError(
      `${name}: the head names hash ${toHex(head.hash)} at height ${head.height}, but block ${head.height} hashes to ${toHex(block.hash)}`,
    );
  }
  if (!bytesEqual(block.header.stateRoot, head.stateRoot)) {
    throw new StoreCorruptError(`${name}: the head's state root is not block ${head.height}'s header.stateRoot`);
  }
  const receipts = await databaseCall(() => sublevels.receipt.get(heightKey(head.height)), where, name);
  if (receipts === undefined) throw new StoreCorruptError(`${name}: block ${head.height} (the head) has no receipts`);
  if (head.height > 0) await reader.blockAt(0, where);
  return { head, genesisHash: reader.genesisHash, sequence };
}

/** The highest key of `sublevel`, if any. */
async function lastKey(sublevel: StoreSublevel, name: string): Promise<Uint8Array | undefined> {
  const keys = await databaseCall(() => sublevel.keys({ reverse: true, limit: 1 }).all(), where, name);
  const key = keys[0];
  return key === undefined ? undefined : asView(key);
}
