/**
 * One call in flight on the pool's scheduler, and the watch that aborts calls by their
 * AbortSignal. A call is cut into chunk tasks and settles once: with every chunk's result, or
 * with its first failure, after which late results are ignored.
 */
import { describeValue } from '../validate.js';
import { AbortError } from './errors.js';

/** One call in flight: its chunks' results, and how it settles. */
export class PendingCall {
  readonly where: string;
  readonly chunkCount: number;
  readonly results: unknown[];
  settled = false;
  #done = 0;
  readonly #resolve: (results: unknown[]) => void;
  readonly #reject: (error: Error) => void;
  readonly #cleanup: () => void;

  constructor(
    where: string,
    chunkCount: number,
    resolve: (results: unknown[]) => void,
    reject: (error: Error) => void,
    cleanup: () => void,
  ) {
    this.where = where;
    this.chunkCount = chunkCount;
    this.results = new Array<unknown>(chunkCount);
    this.#resolve = resolve;
    this.#reject = reject;
    this.#cleanup = cleanup;
  }

  chunkDone(index: number, result: unknown): void {
    if (this.settled) return;
    this.results[index] = result;
    this.#done++;
    if (this.#done === this.chunkCount) {
      this.settled = true;
      this.#cleanup();
      this.#resolve(this.results);
    }
  }

  fail(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.#cleanup();
    this.#reject(error);
  }
}

/** Throws TypeError unless `signal` is an AbortSignal or undefined (a call's `options.signal`). */
export function checkSignal(signal: unknown, where: string): asserts signal is AbortSignal | undefined {
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`${where}: expected options.signal to be an AbortSignal, got ${describeValue(signal)}`);
  }
}

/** The error a call rejects with when its signal fires; `cause` is the signal's reason. */
export function abortError(where: string, signal: AbortSignal): AbortError {
  return new AbortError(`${where}: aborted`, signal.reason);
}

/**
 * The calls in flight per AbortSignal, and how each aborts. It adds ONE listener to a signal
 * however many calls share it (a caller may pass one signal to hundreds of calls; a listener
 * each would trip Node's MaxListenersExceededWarning at 11), and removes it when the last of
 * those calls is unwatched.
 */
export class SignalWatch {
  readonly #signalCalls = new Map<AbortSignal, { calls: Map<PendingCall, () => void>; listener: () => void }>();

  /** Runs `abort` when `signal` fires, until `call` is unwatched. */
  watch(signal: AbortSignal, call: PendingCall, abort: () => void): void {
    let watched = this.#signalCalls.get(signal);
    if (watched === undefined) {
      const calls = new Map<PendingCall, () => void>();
      // Each abort settles its call, whose cleanup unwatches it: iterate over a copy.
      const listener = () => {
        for (const abortCall of [...calls.values()]) abortCall();
      };
      watched = { calls, listener };
      this.#signalCalls.set(signal, watched);
      signal.addEventListener('abort', listener, { once: true });
    }
    watched.calls.set(call, abort);
  }

  unwatch(signal: AbortSignal, call: PendingCall): void {
    const watched = this.#signalCalls.get(signal);
    if (watched === undefined) return;
    watched.calls.delete(call);
    if (watched.calls.size === 0) {
      signal.removeEventListener('abort', watched.listener);
      this.#signalCalls.delete(signal);
    }
  }
}
