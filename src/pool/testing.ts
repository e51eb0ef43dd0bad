/**
 * @internal Test and benchmark access to a `CryptoPool`'s insides; not exported from the
 * package root. The hidden `crash` task needs a pool created by {@link createTestPool} (the
 * option lives under a symbol, and the worker refuses the task unless its workerData says so),
 * so no ordinary call can reach it by accident.
 */
import type { Worker } from 'node:worker_threads';
import { CryptoPool, type CryptoPoolOptions, type PoolTestHooks, poolInternals, poolTestHooks } from './crypto-pool.js';
import { type CrashMode, crashModes, type PoolTask, type WorkerProbe } from './worker-protocol.js';

/** A pool whose workers honour the test hooks (crash tasks unless `crashTasks: false`). */
export function createTestPool(
  options: CryptoPoolOptions = {},
  hooks: PoolTestHooks = { crashTasks: true },
): CryptoPool {
  return new CryptoPool({ ...options, [poolTestHooks]: hooks } as CryptoPoolOptions);
}

/**
 * Makes the worker that picks up this task die: `exit` calls `process.exit(exitCode)`, `trap`
 * makes a genuine wasm trap (an out-of-bounds memory access), `throw` throws from the handler,
 * `hang` blocks the thread forever (until the pool's `taskTimeoutMs` terminates it).
 */
export function crashWorker(pool: CryptoPool, mode: CrashMode, exitCode = 3, signal?: AbortSignal): Promise<unknown> {
  const packed = Uint8Array.of(crashModes.indexOf(mode), exitCode);
  return pool[poolInternals].runTask('crash', packed, signal);
}

/** Asks one worker how it got its wasm module. */
export async function probeWorker(pool: CryptoPool): Promise<WorkerProbe> {
  return (await pool[poolInternals].runTask('probe', new Uint8Array(1))) as WorkerProbe;
}

/** One round trip with a `bytes`-byte buffer transferred there and back (per-task overhead). */
export function pingWorker(pool: CryptoPool, bytes: number): Promise<unknown> {
  return pool[poolInternals].runTask('ping', new Uint8Array(bytes));
}

/** The pool's live worker threads. */
export function workerThreads(pool: CryptoPool): readonly Worker[] {
  return pool[poolInternals].threads();
}

/** Chunk tasks waiting for a thread, and running. */
export function queueState(pool: CryptoPool): { queued: number; running: number } {
  const internals = pool[poolInternals];
  return { queued: internals.queued(), running: internals.running() };
}

/** A task as the pool handed it to a thread, and the buffers it transferred with it. */
export interface HandedTask {
  readonly task: PoolTask;
  readonly transferList: readonly ArrayBuffer[];
}

/**
 * Records every task the pool hands to a thread until `stop()`. A task's `packed` is the very
 * view the pool posted: a view of a SharedArrayBuffer reaches its worker as that same memory,
 * any other buffer as a transfer (if listed in `transferList`) or a copy.
 */
export function recordTasks(pool: CryptoPool): { readonly handed: HandedTask[]; stop(): void } {
  const handed: HandedTask[] = [];
  const internals = pool[poolInternals];
  internals.watchTasks((task, transferList) => handed.push({ task, transferList }));
  return { handed, stop: () => internals.watchTasks(undefined) };
}
