/**
 * The block store layer (docs/architecture.md, "Block store"): blocks, indexes, receipts, certificates,
 * state and head in LevelDB, each block committed in one atomic batch, checked before it is
 * written and again after it is read.
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
  StoreAppendError,
  StoreBusyError,
  StoreClosedError,
  StoreCorruptError,
  StoreError,
  StoreLockedError,
  StoreNotFoundError,
  StoreWriteError,
} from './errors.js';
