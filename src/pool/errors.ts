/**
 * The pool's operating errors (typed errors for operating conditions, `assert()` for
 * programmer errors). Each carries a stable `code` so callers can branch without parsing
 * messages, and a message that names the method and what happened.
 */
import { ConsortiumLedgerError } from '../errors.js';

/** Base class of every error the pool raises itself (input errors stay TypeError/RangeError). */
export class CryptoPoolError extends ConsortiumLedgerError {}

/** The pool was closed: a call made after `close()`, or a task still queued when it closed. */
export class PoolClosedError extends CryptoPoolError {
  constructor(message: string) {
    super('POOL_CLOSED', message);
  }
}

/** The bounded queue (`maxQueue`) had no room for a call's tasks; nothing of the call ran. */
export class PoolQueueFullError extends CryptoPoolError {
  /** Tasks the call needed to queue. */
  readonly tasksNeeded: number;
  /** Tasks that could still be queued when the call was made. */
  readonly tasksFree: number;

  constructor(message: string, tasksNeeded: number, tasksFree: number) {
    super('POOL_QUEUE_FULL', message);
    this.tasksNeeded = tasksNeeded;
    this.tasksFree = tasksFree;
  }
}

/**
 * The call's `AbortSignal` fired. Named `AbortError` with code `ABORT_ERR` like the errors of
 * Node's own abortable APIs, so `error.name === 'AbortError'` checks work; `cause` holds
 * `signal.reason`.
 */
export class AbortError extends CryptoPoolError {
  constructor(message: string, reason: unknown) {
    super('ABORT_ERR', message, { cause: reason });
  }
}

/**
 * A task ran past the pool's `taskTimeoutMs`: its worker thread was stuck (or the deadline too
 * short for the work), so the pool terminated the thread and started a replacement. The
 * message names the call, the task and the deadline.
 */
export class PoolTaskTimeoutError extends CryptoPoolError {
  /** The deadline the task ran past, in ms. */
  readonly taskTimeoutMs: number;

  constructor(message: string, taskTimeoutMs: number) {
    super('POOL_TASK_TIMEOUT', message);
    this.taskTimeoutMs = taskTimeoutMs;
  }
}

/**
 * A worker thread died while running the call's task (it exited, was terminated, or its wasm
 * trapped — after a trap the instance's state is unknown, so the worker exits on purpose). The
 * pool has replaced the worker; `cause` is the underlying error and the message names it.
 */
export class WorkerCrashedError extends CryptoPoolError {
  constructor(message: string, cause: unknown) {
    super('POOL_WORKER_CRASHED', message, { cause });
  }
}
