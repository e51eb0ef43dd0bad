/**
 * The protocol between `CryptoPool` and its workers: what a task carries, what a worker
 * answers, and the messages a worker posts beside its answers.
 *
 * A task is one small object and ONE buffer of bytes; no item crosses as an object.
 * - Most kinds carry a buffer the pool packed on the calling thread for this task alone; it is
 *   transferred (moved, not copied) to the worker, and the worker's result comes back the same
 *   way. The worker copies those bytes into its wasm memory with a single `set`.
 * - `verifyRange` carries a caller's packed signature batch in a `SharedArrayBuffer` and the
 *   range of items `[start, end)` to verify. Every task of the call holds the same view: a
 *   structured clone of a view of shared memory shares that memory, so nothing is copied, and
 *   the worker checks its own records (`verifyPackedRange`). A malformed record is the
 *   caller's error, not the worker's: the worker answers {@link InputRefused} and stays.
 *
 * Signature batches use the Ed25519 layout of `packVerifyBatch` (src/crypto/ed25519.ts).
 * Messages (sha256Many) and Merkle leaves use the layout below; the offsets table and data
 * area sit at 16-byte aligned offsets so the worker can hand pointers into the copied buffer
 * straight to the wasm exports (`sha256Many`, `merkleLeafHashes`, `merkleLeafHashes32`).
 *
 * ```
 * offset 0    count n                 u32 LE
 * offset 4    dataBytes               u32 LE
 * offset 8    flags                   u32 LE; bit 0: every item is 32 bytes, no offsets table
 * offset 12   0                       reserved
 * offset 16   offsets[n + 1]          u32 LE, relative to the data area (absent if bit 0)
 * dataAt      data                    the items' bytes back to back; dataAt = 16 + align16(4 (n + 1))
 *
 * After the header this is exactly the inline layout (src/crypto/items.ts, one writer).
 * ```
 */
import { assert } from '../assert.js';
import { itemsBytes, itemsDataAt, writeItems } from '../crypto/items.js';

/** Bytes of the header of a packed messages/leaves buffer. */
export const packedItemsHeaderBytes = 16;

/** Flag bit: every item is exactly 32 bytes and there is no offsets table. */
export const packedItemsUniform32 = 1;

/** The task kinds whose whole input is one buffer made for the task. `crash` exists only in pools created with test hooks. */
export type PackedTaskKind = 'verify' | 'sha256' | 'merkle' | 'proofs' | 'ping' | 'probe' | 'crash';

/** The task kinds a worker runs. */
export type PoolTaskKind = PackedTaskKind | 'verifyRange';

/** A task whose input is one buffer made for it (transferred to the worker when it is whole). */
export interface PackedTaskBody {
  readonly kind: PackedTaskKind;
  readonly packed: Uint8Array;
  /** `verify` only: the pool's suspect keys, 32 bytes each (their items are verified singly). */
  readonly suspects?: Uint8Array;
}

/**
 * Items `[start, end)` of a caller's packed signature batch (the layout of `packVerifyBatch`)
 * in a `SharedArrayBuffer`: every task of the call shares `packed`, each verifies its range.
 * The calling thread checked only the batch's header; the worker checks the records of its
 * range and answers {@link InputRefused}, naming `where` and the item, if one is malformed.
 */
export interface VerifyRangeTaskBody {
  readonly kind: 'verifyRange';
  readonly packed: Uint8Array;
  readonly start: number;
  readonly end: number;
  /** The public method the caller called, which the worker's input errors name. */
  readonly where: string;
  /** The pool's suspect keys, 32 bytes each (their items are verified singly). */
  readonly suspects?: Uint8Array;
}

/** What a task asks of a worker: its kind and input. */
export type PoolTaskBody = PackedTaskBody | VerifyRangeTaskBody;

/** One task as posted to a worker: its body and a few numbers. */
export type PoolTask = PoolTaskBody & {
  /** Pool-unique task id; a worker that dies names it in its crash report. */
  readonly id: number;
  /**
   * Post `{ [taskStartedKey]: id }` on `parentPort` when the task starts: the pool's
   * `taskTimeoutMs` counts from then, not from when the task was handed to piscina (a thread
   * may still be starting, or replacing one that was stuck). Set only when there is a deadline.
   */
  readonly announce?: boolean;
};

/** Key of a worker's answer that refuses a task's input (see {@link InputRefused}). */
export const inputRefusedKey = 'consortiumLedgerPoolInputRefused';

/**
 * A worker's answer to a task whose input the caller got wrong (a malformed record of a
 * caller's packed batch): the message of the RangeError the call rejects with. The worker
 * found it before running any wasm on it, so the worker stays; the pool's own mistakes are
 * never answered this way (they end the worker, see src/pool/worker.ts).
 */
export interface InputRefused {
  readonly [inputRefusedKey]: string;
}

/** True iff a worker's answer is an {@link InputRefused}. */
export function isInputRefused(result: unknown): result is InputRefused {
  return (
    typeof result === 'object' &&
    result !== null &&
    typeof (result as Record<string, unknown>)[inputRefusedKey] === 'string'
  );
}

/** Key of the message a worker posts when it starts an announced task (see `PoolTask.announce`). */
export const taskStartedKey = 'consortiumLedgerPoolTaskStarted';

/** What `probe` returns: how the worker got its wasm module (see test/pool). */
export interface WorkerProbe {
  readonly threadId: number;
  /** True iff the worker's loader took the main thread's compiled module from workerData. */
  readonly moduleFromParent: boolean;
}

/**
 * Key of the message a worker posts on `parentPort` just before it exits on purpose (after a
 * wasm trap or any other failure inside a task): the pool matches it to the task by id so the
 * task's error names the real cause, not only the exit code.
 */
export const crashReportKey = 'consortiumLedgerPoolCrashReport';

/** The body of a crash report. */
export interface CrashReport {
  readonly taskId: number;
  readonly cause: string;
}

/** Exit code of a worker that exits on purpose after a failed task. */
export const workerExitCodeAfterFailure = 70;

/**
 * `workerData` key that enables the hidden `crash` task kind. Only a pool constructed with the
 * test-hooks symbol (src/pool/testing.ts) sets it, so no ordinary call can reach it.
 */
export const testHooksKey = 'consortiumLedgerPoolTestHooks';

/**
 * How a `crash` task dies: exit the thread, trap in wasm, throw from the handler, or hang
 * (block forever without returning, as a stuck task would: what `taskTimeoutMs` is for).
 */
export type CrashMode = 'exit' | 'trap' | 'throw' | 'hang';
export const crashModes: readonly CrashMode[] = ['exit', 'trap', 'throw', 'hang'];

export { itemsBytes, itemsUniform32 } from '../crypto/items.js';

/**
 * Packs items `[start, end)` of `items` (already validated by the caller) into one buffer:
 * the 16-byte header, then the items layout of src/crypto/items.ts.
 */
export function packItems(items: readonly Uint8Array[], start: number, end: number, uniform32: boolean): Uint8Array {
  const count = end - start;
  const dataBytes = itemsBytes(items, start, end);
  const packed = new Uint8Array(packedItemsHeaderBytes + itemsDataAt(count, uniform32) + dataBytes);
  const header = new Uint32Array(packed.buffer, 0, 4);
  header[0] = count;
  header[1] = dataBytes;
  header[2] = uniform32 ? packedItemsUniform32 : 0;
  writeItems(packed, packedItemsHeaderBytes, items, start, end, uniform32);
  return packed;
}

/** Where the parts of a packed items buffer lie (byte offsets into it). */
export interface PackedItemsLayout {
  readonly count: number;
  readonly dataBytes: number;
  readonly uniform32: boolean;
  /** Offset of the offsets table; meaningless when `uniform32`. */
  readonly offsetsAt: number;
  readonly dataAt: number;
}

/**
 * Reads and checks the layout of a buffer made by {@link packItems}. Both ends are this
 * package, so a mismatch is a programmer error: asserted, not reported as bad input.
 */
export function readPackedItems(packed: Uint8Array): PackedItemsLayout {
  assert(
    packed.byteLength >= packedItemsHeaderBytes,
    `packed items: ${packed.byteLength} bytes, shorter than the header`,
  );
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  const count = view.getUint32(0, true);
  const dataBytes = view.getUint32(4, true);
  const uniform32 = (view.getUint32(8, true) & packedItemsUniform32) !== 0;
  const offsetsAt = packedItemsHeaderBytes;
  const dataAt = packedItemsHeaderBytes + itemsDataAt(count, uniform32);
  assert(
    packed.byteLength === dataAt + dataBytes,
    `packed items: ${packed.byteLength} bytes, expected ${dataAt + dataBytes}`,
  );
  if (uniform32) {
    assert(dataBytes === 32 * count, `packed items: uniform 32-byte items but ${dataBytes} data bytes for ${count}`);
  } else {
    assert(
      view.getUint32(offsetsAt + 4 * count, true) === dataBytes,
      'packed items: offsets table does not end at dataBytes',
    );
  }
  return { count, dataBytes, uniform32, offsetsAt, dataAt };
}

/** Verdict bytes (1 valid, 0 invalid) as booleans; anything else is a programmer error. */
export function verdictsToBooleans(verdicts: Uint8Array, out: boolean[], at: number): void {
  for (let i = 0; i < verdicts.length; i++) {
    const verdict = verdicts[i];
    assert(verdict === 0 || verdict === 1, `verdict byte ${i} is ${verdict}, expected 0 or 1`);
    out[at + i] = verdict === 1;
  }
}
