/**
 * The block store layer (docs/architecture.md, "Block store"): blocks, indexes, receipts, certificates,
 * state and head in LevelDB, each block committed in one atomic batch, checked before it is
 * written and again after it is read; a head witness beside the database, so a store that lost
 * acknowledged writes says which; read-only opens on a private copy; an explicit repair.
 */
export type { BlockCommit, StateWrite } from './block-check.js';
export {
  type AppendOptions,
  BlockStore,
  type BlockStoreOptions,
  type BlockStoreStats,
  type RecordChange,
  type StoreHead,
} from './block-store.js';
export type { StoredTransaction } from './chain-reader.js';
export type { StoreDatabase } from './database.js';
export {
  type HeightRange,
  StoreAppendError,
  StoreBusyError,
  StoreClosedError,
  StoreCorruptError,
  StoreError,
  StoreIoError,
  StoreLockedError,
  StoreLossError,
  StoreNotFoundError,
  StoreReadOnlyError,
  StoreWriteError,
} from './errors.js';
export type { TxEntry as TxIndexEntry } from './keys.js';
export { describeRepair, type RepairOptions, type RepairReport, repairStore } from './repair.js';
export type { Acknowledged } from './witness.js';
