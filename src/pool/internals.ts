/**
 * The hooks tests and benchmarks reach a `CryptoPool` through (src/pool/testing.ts,
 * bench/pool.ts): the option key that enables the hidden `crash` task, and the key of the
 * pool's insides. Both are symbols, so no ordinary option or call can reach them by accident,
 * and none of this is exported from the package root. (Not marked `@internal`: the published
 * declarations of crypto-pool.ts and options.ts import these names, so they must stay in the
 * published .d.ts.)
 */
import type { Worker } from 'node:worker_threads';
import type { TaskListener } from './scheduler.js';
import type { PackedTaskKind } from './worker-protocol.js';

/** The option key that enables the hidden `crash` task (src/pool/testing.ts). */
export const poolTestHooks: unique symbol = Symbol('consortium-ledger.CryptoPool.testHooks');

/** Test-only switches, reachable only through the {@link poolTestHooks} symbol. */
export interface PoolTestHooks {
  /** Let workers run the hidden `crash` task (exit, wasm trap or throw, on request). */
  readonly crashTasks?: boolean;
  /** Do not hand workers the compiled module (the negative control of the no-compile test). */
  readonly withholdModule?: boolean;
}

/** Key of the pool's internal task runner (src/pool/testing.ts, bench/pool.ts). */
export const poolInternals: unique symbol = Symbol('consortium-ledger.CryptoPool.internals');

/** What `pool[poolInternals]` gives tests and benchmarks. */
export interface PoolInternals {
  /** Runs one raw task through the queue; resolves to the worker's result. */
  runTask(kind: PackedTaskKind, packed: Uint8Array, signal?: AbortSignal): Promise<unknown>;
  /** The live worker threads (piscina's). */
  threads(): readonly Worker[];
  /** Chunks waiting and running now. */
  queued(): number;
  running(): number;
  /** Sets (or removes, with undefined) a listener that sees each task as it is handed to a thread. */
  watchTasks(listener: TaskListener | undefined): void;
}
