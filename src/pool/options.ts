/**
 * What a `CryptoPool` and each of its calls are configured with, and the checks of the
 * constructor's options at the public boundary (limits from src/limits.ts).
 */

import os from 'node:os';
import { Ed25519Suspects } from '../crypto/ed25519-suspects.js';
import { poolIdleTimeoutMsMax, poolQueueTasksMax, poolTaskTimeoutMsMax, poolThreadsMax } from '../limits.js';
import { describeValue, requireInteger } from '../validate.js';
import type { AbortError, PoolQueueFullError, PoolTaskTimeoutError } from './errors.js';
import { type PoolTestHooks, poolTestHooks } from './internals.js';

/** Default `maxQueue`: tasks (chunks) that may wait for a thread. */
export const poolQueueTasksDefault = 1024;

/** Default `idleTimeout` (ms) for threads above `minThreads`. */
export const poolIdleTimeoutMsDefault = 30_000;

/** Options of `CryptoPool`. */
export interface CryptoPoolOptions {
  /** Worker threads (piscina `maxThreads`). Default: `os.availableParallelism()`. */
  threads?: number;
  /**
   * Threads kept alive while idle. Default: `threads`, so threads start with the pool and are
   * never torn down — no thread start-up on the hot path.
   */
  minThreads?: number;
  /** How long a thread above `minThreads` may sit idle before it exits, in ms. Default 30 s. */
  idleTimeout?: number;
  /**
   * Most tasks (chunks of calls) waiting for a free thread; a call whose chunks do not fit
   * rejects whole with {@link PoolQueueFullError} before any of its work starts. A call is cut
   * into at most `threads + maxQueue` chunks, so on an idle pool every call fits.
   * Default 1024.
   */
  maxQueue?: number;
  /**
   * A deadline for each task (chunk), in ms from when it starts on a thread (time spent
   * queued, or waiting for a thread to start, does not count). A task still running past it is
   * taken as stuck: its thread is terminated and replaced, and its call rejects with
   * {@link PoolTaskTimeoutError} (code `POOL_TASK_TIMEOUT`) naming the task. `close()` then never
   * waits on a stuck thread longer than this. Default: no deadline. Allow for the largest
   * chunk a call makes (8,192 signatures take ~150 ms on one core; the chunks of a call run
   * side by side, so the deadline does not grow with the call).
   */
  taskTimeoutMs?: number;
  /**
   * The keys whose signatures this pool verifies one by one because they recently signed
   * something invalid (`Ed25519Suspects`): every verify call reads it and records its own
   * invalid items in it. Default: a fresh `Ed25519Suspects()` for the pool; `false` turns
   * suspicion off. Verdicts are the same either way; a batch carrying bad signatures from a
   * few senders costs about their single verifications instead of a bisection.
   */
  suspects?: Ed25519Suspects | false;
}

/** Per-call options. */
export interface PoolCallOptions {
  /**
   * Aborts the call: if already aborted it rejects with {@link AbortError} at once; if its
   * chunks are still queued they are removed. Chunks already running finish in their thread
   * (the thread stays warm) and their results are dropped; the call rejects at once.
   */
  signal?: AbortSignal;
}

type InternalOptions = CryptoPoolOptions & { [poolTestHooks]?: PoolTestHooks };

/** The constructor's options, checked, with their defaults filled in. */
export interface ResolvedPoolOptions {
  readonly threads: number;
  readonly minThreads: number;
  readonly idleTimeout: number;
  readonly maxQueue: number;
  readonly taskTimeoutMs: number | undefined;
  readonly suspects: Ed25519Suspects | undefined;
  readonly hooks: PoolTestHooks | undefined;
}

/** Checks `new CryptoPool(options)`'s options (errors name `where`) and fills in the defaults. */
export function resolvePoolOptions(options: unknown, where: string): ResolvedPoolOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${where}: expected options to be an object, got ${describeValue(options)}`);
  }
  const internal = options as InternalOptions;
  const threads = internal.threads ?? Math.min(os.availableParallelism(), poolThreadsMax);
  requireInteger(threads, 'options.threads', where, 1, poolThreadsMax);
  const minThreads = internal.minThreads ?? threads;
  requireInteger(minThreads, 'options.minThreads', where, 0, threads);
  const idleTimeout = internal.idleTimeout ?? poolIdleTimeoutMsDefault;
  requireInteger(idleTimeout, 'options.idleTimeout', where, 0, poolIdleTimeoutMsMax);
  const maxQueue = internal.maxQueue ?? poolQueueTasksDefault;
  requireInteger(maxQueue, 'options.maxQueue', where, 0, poolQueueTasksMax);
  const taskTimeoutMs = internal.taskTimeoutMs;
  if (taskTimeoutMs !== undefined) {
    requireInteger(taskTimeoutMs, 'options.taskTimeoutMs', where, 1, poolTaskTimeoutMsMax);
  }
  const suspects = internal.suspects ?? new Ed25519Suspects();
  if (suspects !== false && !(suspects instanceof Ed25519Suspects)) {
    throw new TypeError(
      `${where}: expected options.suspects to be an Ed25519Suspects or false, got ${describeValue(suspects)}`,
    );
  }
  return {
    threads,
    minThreads,
    idleTimeout,
    maxQueue,
    taskTimeoutMs,
    suspects: suspects === false ? undefined : suspects,
    hooks: internal[poolTestHooks],
  };
}
