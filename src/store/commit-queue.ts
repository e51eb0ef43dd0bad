/**
 * Group commit: the store's writes wait here and go to the database in groups, one synced
 * batch per group, so several blocks share one fsync. While a batch is in flight, the writes
 * that arrive queue up and go together in the next batch; a group is cut at
 * `groupWritesMax` writes or `groupBytesMax` bytes (a single larger write still goes, alone).
 * With `groupCommit` off every write is its own batch, in order.
 *
 * The queue knows nothing of blocks: the store hands it items with a byte size and a
 * function that writes a group atomically. Each `enqueue` promise resolves only after the
 * batch holding its item was written. If a batch fails, its writes and every write queued
 * behind it are rejected with `StoreWriteError` and the queue refuses further writes (those
 * writes were checked against a head that never became durable).
 */
import { storeCommitQueueWritesMax, storeGroupCommitBlocksMax, storeGroupCommitBytesMax } from '../limits.js';
import { StoreBusyError, StoreWriteError } from './errors.js';

/** How the queue groups writes. */
export interface CommitQueueOptions {
  /** Group the writes that arrive while a batch is in flight (default true); false: one batch per write. */
  readonly groupCommit?: boolean;
  /** Most writes per batch. */
  readonly groupWritesMax?: number;
  /** Most bytes per batch (a single larger write still goes, alone). */
  readonly groupBytesMax?: number;
  /** Most writes waiting; past it `enqueue` throws `StoreBusyError`. */
  readonly queueWritesMax?: number;
  /** Names the store in error messages (its directory). */
  readonly name?: string;
}

interface Waiting<T> {
  readonly item: T;
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** Writes items in groups through `writeGroup`, one group at a time, in enqueue order. */
export class CommitQueue<T> {
  readonly #writeGroup: (items: readonly T[]) => Promise<void>;
  readonly #groupWritesMax: number;
  readonly #groupBytesMax: number;
  readonly #queueWritesMax: number;
  readonly #name: string;
  #waiting: Waiting<T>[] = [];
  #running: Promise<void> | undefined;
  #failure: StoreWriteError | undefined;

  /** `writeGroup` writes its items in one atomic batch and resolves once it is durable. */
  constructor(writeGroup: (items: readonly T[]) => Promise<void>, options: CommitQueueOptions = {}) {
    this.#writeGroup = writeGroup;
    this.#groupWritesMax = options.groupCommit === false ? 1 : (options.groupWritesMax ?? storeGroupCommitBlocksMax);
    this.#groupBytesMax = options.groupBytesMax ?? storeGroupCommitBytesMax;
    this.#queueWritesMax = options.queueWritesMax ?? storeCommitQueueWritesMax;
    this.#name = options.name ?? 'the store';
  }

  /** The error that stopped the queue, if a batch failed. */
  get failure(): StoreWriteError | undefined {
    return this.#failure;
  }

  /** Writes waiting for a batch (not counting the batch in flight). */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Whether a batch is in flight or writes are waiting. */
  get busy(): boolean {
    return this.#running !== undefined;
  }

  /**
   * Throws the error `enqueue` would throw right now (a failed queue, a full one), so a
   * caller can check before it changes its own state.
   */
  checkRoom(): void {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#waiting.length >= this.#queueWritesMax) {
      throw new StoreBusyError(
        `${this.#name}: ${this.#waiting.length} writes are waiting for the disk (limit ${this.#queueWritesMax}); await earlier appends`,
      );
    }
  }

  /**
   * Queues `item` (`bytes` counts toward the group budget); resolves once the batch holding
   * it is written. Call `checkRoom()` first: this throws the same errors synchronously.
   */
  enqueue(item: T, bytes: number): Promise<void> {
    this.checkRoom();
    const written = new Promise<void>((resolve, reject) => {
      this.#waiting.push({ item, bytes, resolve, reject });
    });
    if (this.#running === undefined) this.#running = this.#run();
    return written;
  }

  /** Resolves once nothing is waiting or in flight (never rejects: failures go to the writers). */
  async drain(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  async #run(): Promise<void> {
    // Let the writes issued in the same turn as the first one join its batch.
    await Promise.resolve();
    while (this.#waiting.length > 0) {
      const group = this.#takeGroup();
      try {
        await this.#writeGroup(group.map((waiting) => waiting.item));
      } catch (error) {
        this.#fail(error, group);
        break;
      }
      for (const waiting of group) waiting.resolve();
    }
    // No await between the loop's last check and here, so an enqueue never finds a stale #running.
    this.#running = undefined;
  }

  #takeGroup(): Waiting<T>[] {
    let count = 0;
    let bytes = 0;
    while (count < this.#waiting.length && count < this.#groupWritesMax) {
      const next = (this.#waiting[count] as Waiting<T>).bytes;
      if (count > 0 && bytes + next > this.#groupBytesMax) break;
      bytes += next;
      count++;
    }
    return this.#waiting.splice(0, count);
  }

  #fail(cause: unknown, group: readonly Waiting<T>[]): void {
    const reason = cause instanceof Error ? cause.message : String(cause);
    this.#failure = new StoreWriteError(
      `${this.#name} failed to write a batch (${reason}); it refuses further writes: close and reopen it`,
      cause,
    );
    const rejected = [...group, ...this.#waiting];
    this.#waiting = [];
    for (const waiting of rejected) waiting.reject(this.#failure);
  }
}
