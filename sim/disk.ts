/**
 * A simulated node's disk: its one database (a memory-level database holding the block store
 * and the replica's safety records, as a node's LevelDB does), with power loss.
 *
 * What a crash keeps is what a real disk keeps:
 * - a write with `sync: true` is durable once it returns, together with every write before it
 *   (LevelDB's log is written in order, and an fsync covers all of it);
 * - a write without `sync` is lost at a crash unless a synced write followed it;
 * - one batch is atomic: all of it or none of it.
 *
 * A crash can be armed to land on the node's k-th write from now: that write fails (it does
 * not happen), the disk refuses every later write, and the node is down mid-operation — for
 * instance after it persisted its vote and before it wrote the block it was committing, or
 * after a block and before the checkpoint record that follows it. Recovery starts from
 * exactly what was durable.
 */
import { MemoryLevel } from 'memory-level';
import type { StoreDatabase } from '../src/store/index.js';
import { sublevelNames } from '../src/store/keys.js';

/** Thrown by a write on a disk that lost power (the simulation turns it into a crash, never a violation). */
export class PowerLossError extends Error {
  constructor() {
    super('simulated power loss');
    this.name = 'PowerLossError';
  }
}

type Undo = () => void;

/** Power, sync and crash points shared by a node's databases. */
export class SimDisk {
  /** The node's database (blocks, indexes, state and the replica's safety records). */
  readonly database: StoreDatabase;
  #armed: number | undefined;
  #lost = false;
  /** Undo steps of writes not yet synced, oldest first. */
  #unsynced: Undo[] = [];
  /** Writes done (for the trace and tests). */
  writes = 0;
  /** Writes lost at crashes (not synced, or failed by the crash). */
  writesLost = 0;

  constructor() {
    this.database = new GatedLevel(this) as unknown as StoreDatabase;
  }

  /** Deletes the replica's safety records (an amnesiac member's restart; not a crash, so not gated). */
  async forgetRecords(): Promise<void> {
    await this.database.open();
    await this.database.sublevel(sublevelNames.replica, { keyEncoding: 'view', valueEncoding: 'view' }).clear();
  }

  /** Whether power is lost (writes fail until `recover`). */
  get lost(): boolean {
    return this.#lost;
  }

  /** Makes the `k`-th write from now (0: the next one) fail and lose power. */
  armCrash(k: number): void {
    this.#armed = k;
  }

  /** Takes back an armed crash that has not landed. */
  disarm(): void {
    this.#armed = undefined;
  }

  /** Whether a crash is armed and has not landed yet. */
  get armed(): boolean {
    return this.#armed !== undefined;
  }

  /** Power lost now (a crash between writes): unsynced writes are undone. */
  crashNow(): void {
    this.#armed = undefined;
    this.#lost = true;
    this.#rollBackUnsynced();
  }

  /** Power back: writes work again, on exactly what was durable. */
  recover(): void {
    this.#armed = undefined;
    this.#lost = false;
  }

  /**
   * Called before each write with its undo step; throws `PowerLossError` when power is lost
   * or the armed crash lands on this write. A synced write makes every earlier one durable.
   */
  beforeWrite(sync: boolean, undo: Undo): void {
    if (this.#lost) throw new PowerLossError();
    if (this.#armed !== undefined) {
      if (this.#armed === 0) {
        this.writesLost++;
        this.crashNow();
        throw new PowerLossError();
      }
      this.#armed--;
    }
    this.writes++;
    if (sync) this.#unsynced = [];
    else this.#unsynced.push(undo);
  }

  #rollBackUnsynced(): void {
    this.writesLost += this.#unsynced.length;
    for (const undo of this.#unsynced.reverse()) undo();
    this.#unsynced = [];
  }
}

interface BatchOperation {
  readonly type: 'put' | 'del';
  readonly key: Uint8Array;
  readonly value?: Uint8Array;
}

/** memory-level's own write methods (abstract-level's private contract, untyped in its declarations). */
interface LevelWrites {
  _put(key: Uint8Array, value: Uint8Array, options: unknown): Promise<void>;
  _del(key: Uint8Array, options: unknown): Promise<void>;
  _batch(operations: BatchOperation[], options: unknown): Promise<void>;
}
const memoryWrites = MemoryLevel.prototype as unknown as LevelWrites;

/** memory-level with every write passed through the disk's power and sync rules. */
class GatedLevel extends MemoryLevel<Uint8Array, Uint8Array> {
  readonly #disk: SimDisk;

  constructor(disk: SimDisk) {
    super({ keyEncoding: 'view', valueEncoding: 'view' });
    this.#disk = disk;
  }

  /** The undo of writing `keys`: their values now, put back (or deleted) on a crash. */
  #undoOf(keys: readonly Uint8Array[]): Undo {
    const before = keys.map((key) => ({ key, value: this.getSync(key) }));
    return () => {
      for (const { key, value } of before.reverse()) {
        // memory-level applies a write synchronously inside its async method.
        if (value === undefined) void memoryWrites._del.call(this, key, {});
        else void memoryWrites._put.call(this, key, value, {});
      }
    };
  }

  async _put(key: Uint8Array, value: Uint8Array, options: { sync?: boolean }): Promise<void> {
    this.#disk.beforeWrite(options?.sync === true, this.#undoOf([key]));
    return memoryWrites._put.call(this, key, value, options);
  }

  async _del(key: Uint8Array, options: { sync?: boolean }): Promise<void> {
    this.#disk.beforeWrite(options?.sync === true, this.#undoOf([key]));
    return memoryWrites._del.call(this, key, options);
  }

  async _batch(operations: BatchOperation[], options: { sync?: boolean }): Promise<void> {
    this.#disk.beforeWrite(options?.sync === true, this.#undoOf(operations.map((operation) => operation.key)));
    return memoryWrites._batch.call(this, operations, options);
  }
}
