/**
 * Where a node keeps its replica's safety records (the `persist` effects): durably, and
 * before the messages they cover are sent. `StoreRecords` (the default) keeps them in the
 * block store's own database, so the records a commit step persists go to disk in the same
 * synced batch as the block; `MemoryRecords` keeps them in a map that outlives the node
 * object (tests); `LevelRecords` reads the separate `<dataDir>/replica` database that earlier
 * versions wrote, which a node migrates into its store on open.
 */
import { Level } from 'level';
import type { BlockStore } from '../store/index.js';

/** The persisted records of one replica. */
export interface RecordStore {
  /** Every record (read once at start). */
  load(): Promise<Map<string, Uint8Array>>;
  /** Writes and deletes (`value: null`) records atomically and durably. */
  write(changes: readonly { key: string; value: Uint8Array | null }[]): Promise<void>;
  /** Releases the store. */
  close(): Promise<void>;
}

/** Records in the block store's database (one database per node). */
export class StoreRecords implements RecordStore {
  /** The store they live in (a node writes a block and its records in one batch through it). */
  readonly store: BlockStore;

  constructor(store: BlockStore) {
    this.store = store;
  }

  load(): Promise<Map<string, Uint8Array>> {
    return this.store.replicaRecords();
  }

  write(changes: readonly { key: string; value: Uint8Array | null }[]): Promise<void> {
    return this.store.writeReplicaRecords(changes);
  }

  /** The store is the node's to close. */
  async close(): Promise<void> {}
}

/** Records in memory (tests). */
export class MemoryRecords implements RecordStore {
  /** The records, by key. */
  readonly records = new Map<string, Uint8Array>();

  async load(): Promise<Map<string, Uint8Array>> {
    return new Map(this.records);
  }

  async write(changes: readonly { key: string; value: Uint8Array | null }[]): Promise<void> {
    for (const change of changes) {
      if (change.value === null) this.records.delete(change.key);
      else this.records.set(change.key, change.value);
    }
  }

  async close(): Promise<void> {}
}

/** Records in a separate LevelDB database, written in synced batches (the layout before one database per node). */
export class LevelRecords implements RecordStore {
  readonly #db: Level<string, Uint8Array>;

  constructor(directory: string) {
    this.#db = new Level<string, Uint8Array>(directory, { keyEncoding: 'utf8', valueEncoding: 'view' });
  }

  async load(): Promise<Map<string, Uint8Array>> {
    await this.#db.open();
    const out = new Map<string, Uint8Array>();
    for await (const [key, value] of this.#db.iterator()) out.set(key, value);
    return out;
  }

  async write(changes: readonly { key: string; value: Uint8Array | null }[]): Promise<void> {
    await this.#db.batch(
      changes.map((change) =>
        change.value === null
          ? { type: 'del' as const, key: change.key }
          : { type: 'put' as const, key: change.key, value: change.value },
      ),
      { sync: true } as never,
    );
  }

  async close(): Promise<void> {
    await this.#db.close();
  }
}
