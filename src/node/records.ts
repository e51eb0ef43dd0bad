/**
 * Where a node keeps its replica's safety records (the `persist` effects): durably, and
 * before the messages they cover are sent. `LevelRecords` writes each group of records in one
 * synced LevelDB batch under `<dataDir>/replica`; `MemoryRecords` keeps them in a map that
 * outlives the node object (the simulator's crash keeps the map, as a disk would).
 */
import { Level } from 'level';

/** The persisted records of one replica. */
export interface RecordStore {
  /** Every record (read once at start). */
  load(): Promise<Map<string, Uint8Array>>;
  /** Writes and deletes (`value: null`) records atomically and durably. */
  write(changes: readonly { key: string; value: Uint8Array | null }[]): Promise<void>;
  /** Releases the store. */
  close(): Promise<void>;
}

/** Records in memory (the simulator; tests). */
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

/** Records in a LevelDB database, written in synced batches. */
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
