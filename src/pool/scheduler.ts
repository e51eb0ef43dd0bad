/**
 * The bounded scheduler under `CryptoPool`: it owns the piscina threads and runs a call as a
 * set of chunk tasks, all or nothing. It knows nothing of signatures or hashes; the facade
 * (src/pool/crypto-pool.ts) plans the chunks and says what each task carries.
 *
 * - A bounded FIFO of chunk tasks, of which piscina is handed at most `threads` at a time, so a
 *   call is admitted or refused whole (`PoolQueueFullError`), an abort takes exactly that
 *   call's queued chunks out, and `close()` knows what is still queued.
 * - A call settles once: with every chunk's result, or with the first failure (a worker that
 *   died, a deadline passed, an input a worker refused, an abort, a close), after which its
 *   queued chunks are dropped and the results of its running chunks ignored.
 * - `taskTimeoutMs`: each task's deadline, counted from when its worker announces it.
 * - One 'abort' listener per AbortSignal, however many calls share it.
 *
 * Worker loading: from dist/ the worker is dist/src/pool/worker.js next to this file. When this
 * file runs as TypeScript (vitest, `npm run bench` under tsx) there is no .js worker, and a
 * worker thread does not inherit a loader from vitest, so the workers start from
 * src/pool/worker-tsx.mjs, which registers tsx (`tsx/esm/api`) in the thread and then imports
 * worker.ts. tsx is a devDependency, which is all the source mode needs; an installed package
 * only ever runs dist/.
 */
import type { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { describeValue } from '../validate.js';
import type { Range } from './chunk-plan.js';
import { PoolClosedError, PoolQueueFullError, PoolTaskTimeoutError, WorkerCrashedError } from './errors.js';
import { abortError, checkSignal, PendingCall, SignalWatch } from './pending-call.js';
import {
  type CrashReport,
  crashReportKey,
  inputRefusedKey,
  isInputRefused,
  type PoolTask,
  type PoolTaskBody,
  taskStartedKey,
} from './worker-protocol.js';

const runningFromSource = import.meta.url.endsWith('.ts');
const workerUrl = new URL(runningFromSource ? './worker-tsx.mjs' : './worker.js', import.meta.url);

/** What the scheduler is built with (validated by the facade). */
export interface SchedulerOptions {
  readonly threads: number;
  readonly minThreads: number;
  readonly idleTimeout: number;
  readonly maxQueue: number;
  readonly taskTimeoutMs: number | undefined;
  readonly workerData: Record<string, unknown>;
}

/** Sees each task as it is handed to piscina, with what is transferred (tests only; see internals.ts). */
export type TaskListener = (task: PoolTask, transferList: readonly ArrayBuffer[]) => void;

/** One chunk task of a call, waiting for or running on a thread. */
interface Chunk {
  readonly call: PendingCall;
  readonly index: number;
  readonly body: PoolTaskBody;
  /** Items `[start, end)` of the call, for error messages. */
  readonly start: number;
  readonly end: number;
}

/** A running task's deadline: the abort that ends it, and its clock once the worker started it. */
interface TaskDeadline {
  readonly abort: AbortController;
  timer?: NodeJS.Timeout;
}

/** `task 2 of 3 (items 8192..16383)`: which part of its call a chunk is, for error messages. */
function describeChunk(chunk: Chunk): string {
  return `task ${chunk.index + 1} of ${chunk.call.chunkCount} (items ${chunk.start}..${chunk.end - 1})`;
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The bounded task queue and the piscina threads that run it (see the file comment). */
export class PoolScheduler {
  readonly threads: number;
  readonly maxQueue: number;
  readonly taskTimeoutMs: number | undefined;
  readonly #piscina: Piscina;
  readonly #queue: Chunk[] = [];
  #running = 0;
  #closed = false;
  #closing: Promise<void> | undefined;
  #idleWaiters: Array<() => void> = [];
  #nextTaskId = 1;
  readonly #crashReports = new Map<number, string>();
  #lastPoolError: Error | undefined;
  #taskListener: TaskListener | undefined;
  /** Running tasks with a deadline, by task id: the abort that ends one, and its clock once started. */
  readonly #deadlines = new Map<number, TaskDeadline>();
  readonly #signals = new SignalWatch();

  constructor(options: SchedulerOptions) {
    this.threads = options.threads;
    this.maxQueue = options.maxQueue;
    this.taskTimeoutMs = options.taskTimeoutMs;
    this.#piscina = new Piscina({
      filename: workerUrl.href,
      minThreads: options.minThreads,
      maxThreads: options.threads,
      idleTimeout: options.idleTimeout,
      // The scheduler queues chunks itself and never hands piscina more than `threads` at
      // once; piscina's own queue only holds tasks for threads still starting.
      maxQueue: Number.POSITIVE_INFINITY,
      workerData: options.workerData,
      recordTiming: false,
    });
    this.#piscina.on('message', (message: unknown) => this.#onWorkerMessage(message));
    // Piscina emits 'error' for a worker that fails with no task on it (e.g. cannot load);
    // without a listener that would be an uncaught exception. Tasks still reject on their own.
    this.#piscina.on('error', (error: unknown) => {
      this.#lastPoolError = error instanceof Error ? error : new Error(String(error));
    });
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Most chunks one call may have and still fit an idle pool: every thread plus a full queue. */
  capacity(): number {
    return this.threads + this.maxQueue;
  }

  /** Chunks waiting for a thread. */
  queued(): number {
    return this.#queue.length;
  }

  /** Chunks running on a thread now. */
  running(): number {
    return this.#running;
  }

  /** The live worker threads (piscina's). */
  liveThreads(): readonly Worker[] {
    return this.#piscina.threads;
  }

  /** @internal Sets (or, with undefined, removes) the one listener that sees each task handed out. */
  watchTasks(listener: TaskListener | undefined): void {
    this.#taskListener = listener;
  }

  /**
   * Checks the pool is open and a call's options (`PoolCallOptions`) usable, its signal not
   * yet aborted; returns the signal.
   */
  admit(where: string, options: { readonly signal?: AbortSignal }): AbortSignal | undefined {
    if (this.#closed) throw new PoolClosedError(`${where}: the pool is closed`);
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`${where}: expected options to be an object, got ${describeValue(options)}`);
    }
    const { signal } = options;
    checkSignal(signal, where);
    if (signal?.aborted) throw abortError(where, signal);
    return signal;
  }

  /**
   * Queues one chunk per range (making each task's body as it is queued, so the first ones
   * are already running while the rest are packed) and resolves to the chunks' results in
   * order; rejects whole on the first failure.
   */
  run(
    where: string,
    ranges: readonly Range[],
    signal: AbortSignal | undefined,
    body: (range: Range) => PoolTaskBody,
  ): Promise<unknown[]> {
    const free = this.threads - this.#running + (this.maxQueue - this.#queue.length);
    if (ranges.length > free) {
      return Promise.reject(
        new PoolQueueFullError(
          `${where}: the queue is full — this call needs ${ranges.length} task(s), room for ${Math.max(0, free)} ` +
            `(${this.#running} running on ${this.threads} threads, ${this.#queue.length} queued, maxQueue ${this.maxQueue})`,
          ranges.length,
          Math.max(0, free),
        ),
      );
    }
    return new Promise<unknown[]>((resolve, reject) => {
      const call = new PendingCall(where, ranges.length, resolve, reject, () => {
        if (signal !== undefined) this.#signals.unwatch(signal, call);
      });
      if (signal !== undefined) {
        this.#signals.watch(signal, call, () => {
          this.#removeQueued(call);
          call.fail(abortError(where, signal));
        });
      }
      try {
        for (let index = 0; index < ranges.length && !call.settled; index++) {
          const range = ranges[index] as Range;
          this.#queue.push({ call, index, body: body(range), start: range.start, end: range.end });
          this.#pump();
        }
      } catch (error) {
        // Inputs were validated before packing, so this is a bug; fail the call cleanly.
        this.#removeQueued(call);
        call.fail(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /**
   * Queued tasks reject with {@link PoolClosedError}, running tasks finish, then the threads
   * exit. Idempotent: every call returns the same promise.
   */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#closed = true;
    const queued = this.#queue.splice(0);
    for (const chunk of queued) {
      chunk.call.fail(
        new PoolClosedError(
          `${chunk.call.where}: the pool was closed before this call's task ${chunk.index + 1} of ${chunk.call.chunkCount} started`,
        ),
      );
    }
    this.#closing = (async () => {
      if (this.#running > 0) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
      await this.#piscina.close();
    })();
    return this.#closing;
  }

  /** Starts queued chunks while threads are free. */
  #pump(): void {
    while (this.#running < this.threads && this.#queue.length > 0) {
      const chunk = this.#queue.shift() as Chunk;
      if (chunk.call.settled) continue;
      this.#start(chunk);
    }
  }

  #start(chunk: Chunk): void {
    const taskId = this.#nextTaskId++;
    this.#running++;
    const { packed } = chunk.body;
    // A buffer packed for this task alone moves to the worker (transfer, no copy); packers
    // always allocate it whole. A view of a SharedArrayBuffer is not transferred: the worker's
    // clone of it shares the memory.
    const { buffer } = packed;
    const whole = buffer instanceof ArrayBuffer && packed.byteOffset === 0 && packed.byteLength === buffer.byteLength;
    const transferList = whole ? [buffer] : [];
    // The deadline: aborting a task that is running makes piscina terminate its thread and
    // start a replacement, which is exactly what a stuck task needs (nothing else stops it).
    // Its clock starts when the worker announces the task (#onWorkerMessage).
    const deadline: TaskDeadline | undefined =
      this.taskTimeoutMs === undefined ? undefined : { abort: new AbortController() };
    if (deadline !== undefined) this.#deadlines.set(taskId, deadline);
    const task: PoolTask = { ...chunk.body, id: taskId, announce: deadline !== undefined };
    this.#taskListener?.(task, transferList);
    const settle = (): boolean => {
      if (deadline === undefined) return false;
      clearTimeout(deadline.timer);
      this.#deadlines.delete(taskId);
      return deadline.abort.signal.aborted;
    };
    this.#piscina.run(task, { transferList, signal: deadline?.abort.signal }).then(
      (result: unknown) => {
        settle();
        if (isInputRefused(result)) {
          // The caller's input was malformed (the worker found it and stays): the call rejects
          // as the inline API would, its other queued chunks dropped before the pump below.
          this.#removeQueued(chunk.call);
          chunk.call.fail(new RangeError(result[inputRefusedKey]));
          this.#taskSettled();
          return;
        }
        this.#taskSettled();
        chunk.call.chunkDone(chunk.index, result);
      },
      (error: unknown) => {
        const timedOut = settle();
        // The call cannot succeed now: drop its other queued chunks before anything starts them.
        this.#removeQueued(chunk.call);
        chunk.call.fail(timedOut ? this.#timeoutError(chunk) : this.#crashError(chunk, taskId, error));
        this.#taskSettled();
      },
    );
  }

  #taskSettled(): void {
    this.#running--;
    this.#pump();
    if (this.#running === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  #removeQueued(call: PendingCall): void {
    let kept = 0;
    for (const chunk of this.#queue) if (chunk.call !== call) this.#queue[kept++] = chunk;
    this.#queue.length = kept;
  }

  #onWorkerMessage(message: unknown): void {
    if (typeof message !== 'object' || message === null) return;
    if (taskStartedKey in message) {
      // A task with a deadline started on its thread: start its clock. (The task may have
      // settled already if its result overtook this message; then there is nothing to time.)
      const deadline = this.#deadlines.get((message as Record<string, unknown>)[taskStartedKey] as number);
      if (deadline !== undefined && deadline.timer === undefined) {
        deadline.timer = setTimeout(() => deadline.abort.abort('taskTimeoutMs'), this.taskTimeoutMs);
      }
      return;
    }
    if (!(crashReportKey in message)) return;
    const report = (message as Record<string, unknown>)[crashReportKey] as CrashReport;
    this.#crashReports.set(report.taskId, report.cause);
  }

  #timeoutError(chunk: Chunk): PoolTaskTimeoutError {
    const { call } = chunk;
    const timeoutMs = this.taskTimeoutMs as number;
    return new PoolTaskTimeoutError(
      `${call.where}: ${describeChunk(chunk)} ran past taskTimeoutMs (${timeoutMs} ms); ` +
        'its worker thread was terminated and replaced',
      timeoutMs,
    );
  }

  #crashError(chunk: Chunk, taskId: number, error: unknown): Error {
    const reported = this.#crashReports.get(taskId);
    this.#crashReports.delete(taskId);
    const call = chunk.call;
    const what = describeChunk(chunk);
    if (reported !== undefined) {
      return new WorkerCrashedError(
        `${call.where}: the worker thread running ${what} failed and was replaced: ${reported}`,
        new Error(reported, { cause: error }),
      );
    }
    const poolError = this.#lastPoolError === undefined ? '' : ` (last pool error: ${this.#lastPoolError.message})`;
    return new WorkerCrashedError(
      `${call.where}: the worker thread running ${what} died and was replaced: ${describeError(error)}${poolError}`,
      error,
    );
  }
}
