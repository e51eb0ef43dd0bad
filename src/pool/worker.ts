/**
 * The piscina worker of `CryptoPool`: one task in, one packed buffer out.
 *
 * Importing src/crypto/wasm.ts instantiates the project's wasm once for this thread; it
 * compiles nothing, because the pool passes the main thread's compiled module in
 * `workerData[wasmModuleKey]` (a `WebAssembly.Module` is structured-cloneable). A task copies
 * its packed input into wasm memory with one `set` (a `verifyRange` task: the records and
 * message bytes of each wasm batch of its range, read in place from the caller's shared
 * buffer), makes one or a few wasm calls, and returns a fresh buffer that piscina transfers
 * back (`move`), so nothing is cloned item by item.
 *
 * Failure policy: if anything throws inside a task — a wasm trap above all — the wasm
 * instance's state is no longer known (a trap can stop a routine half way through its scratch
 * memory), so the worker reports the cause to the pool on `parentPort` and exits. Piscina then
 * rejects the task and starts a replacement thread, and the pool turns the two into one
 * `WorkerCrashedError` that names the cause. No task ever resolves after a failure.
 *
 * The one exception is an error of the caller's, not the worker's: a malformed record in a
 * caller's packed batch (`verifyRange`). `verifyPackedRange` finds it before that record's
 * wasm batch is copied in (it checks a batch's records first) and throws a RangeError naming
 * the task's `where`; the worker answers `InputRefused` with that message, and stays.
 *
 * Loaded as dist/src/pool/worker.js in production, or through worker-tsx.mjs when the pool runs
 * from its TypeScript sources (tests, `npm run bench`); see scheduler.ts.
 */

import { parentPort, threadId, workerData } from 'node:worker_threads';
import { move } from 'piscina';
import { assert } from '../assert.js';
import { checkPackedHeader, verifyPackedRange } from '../crypto/ed25519.js';
import { rootOfHashesInIo } from '../crypto/merkle.js';
import { verifyPackedInclusionItems } from '../crypto/merkle-batch.js';
import { sha256Wasm, wasmMerkleLeafHashes, wasmMerkleLeafHashes32, wasmSha256Many } from '../crypto/sha256.js';
import { memoryU8, reserveIo, wasmModule, wasmModuleKey } from '../crypto/wasm.js';
import { poolVerifyItemsMax } from '../limits.js';
import {
  type CrashMode,
  type CrashReport,
  crashModes,
  crashReportKey,
  type InputRefused,
  inputRefusedKey,
  type PoolTask,
  readPackedItems,
  taskStartedKey,
  testHooksKey,
  type VerifyRangeTaskBody,
  type WorkerProbe,
  workerExitCodeAfterFailure,
} from './worker-protocol.js';

const hashBytes = 32;

function workerDataField(key: string): unknown {
  const data: unknown = workerData;
  if (typeof data !== 'object' || data === null) return undefined;
  return (data as Record<string, unknown>)[key];
}

const testHooksEnabled = workerDataField(testHooksKey) === true;

function align64(n: number): number {
  return Math.ceil(n / 64) * 64;
}

/** Copies a packed items buffer into the io region; returns its base and room for `outBytes` after it. */
function copyIn(packed: Uint8Array, outBytes: number): { base: number; out: number } {
  const packedBytes = align64(packed.byteLength);
  const base = reserveIo(packedBytes + outBytes);
  memoryU8().set(packed, base);
  return { base, out: base + packedBytes };
}

/** SHA-256 of each packed message, in one wasm call; digests back to back. */
function sha256Task(packed: Uint8Array): Uint8Array {
  const layout = readPackedItems(packed);
  assert(!layout.uniform32, 'sha256 task: expected an offsets table');
  const { base, out } = copyIn(packed, layout.count * hashBytes);
  wasmSha256Many(base + layout.dataAt, base + layout.offsetsAt, layout.count, out);
  return memoryU8().slice(out, out + layout.count * hashBytes);
}

/** RFC 9162 root of the packed leaves (one aligned subtree of the caller's tree). */
function merkleTask(packed: Uint8Array): Uint8Array {
  const layout = readPackedItems(packed);
  assert(layout.count > 0, 'merkle task: no leaves (the empty tree is handled by the caller)');
  // Leaf hashes, then the levels above them in place (chunked calls, so V8 tiers them up).
  const { base, out } = copyIn(packed, layout.count * hashBytes);
  if (layout.uniform32) {
    wasmMerkleLeafHashes32(base + layout.dataAt, layout.count, out);
  } else {
    wasmMerkleLeafHashes(base + layout.dataAt, base + layout.offsetsAt, layout.count, out);
  }
  return rootOfHashesInIo(out, layout.count);
}

/**
 * Verdicts for items `[start, end)` of a caller's packed batch, read in place. A malformed
 * record is the caller's error: `verifyPackedRange` reports it, before any wasm runs on that
 * record's batch, as a RangeError whose message starts with `where` — only its own input
 * checks name the task's `where` — and that becomes the answer. Anything else ends the worker.
 */
function verifyRangeTask(task: VerifyRangeTaskBody): Uint8Array | InputRefused {
  try {
    return verifyPackedRange(task.packed, task.start, task.end, task.where, task.suspects);
  } catch (error) {
    if (error instanceof RangeError && error.message.startsWith(`${task.where}: `)) {
      return { [inputRefusedKey]: error.message };
    }
    throw error;
  }
}

/** Test hook: die in the requested way, part-way through a task. */
function crashTask(packed: Uint8Array): never {
  if (!testHooksEnabled) throw new Error('crash task refused: this pool was not created with test hooks');
  const mode = crashModes[packed[0] ?? 255] as CrashMode | undefined;
  if (mode === 'exit') process.exit(packed[1] ?? 1);
  if (mode === 'hang') {
    // Blocks this thread for good without using the CPU; only terminate() ends it.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  }
  if (mode === 'trap') {
    // A genuine wasm trap: an address far past the end of linear memory.
    sha256Wasm.sha256(0xffff_ff00, 64, 0);
    throw new Error('crash task: expected a wasm trap, but the call returned');
  }
  throw new Error(`crash task: thrown on purpose (mode ${mode ?? 'unknown'})`);
}

function run(task: PoolTask): Uint8Array | WorkerProbe | InputRefused {
  switch (task.kind) {
    case 'verify':
      // A chunk may hold more than one wasm batch; the pool packed it, so a bad record is a bug.
      return verifyPackedRange(
        task.packed,
        0,
        checkPackedHeader(task.packed, 'CryptoPool worker', poolVerifyItemsMax).count,
        'CryptoPool worker',
        task.suspects,
      );
    case 'verifyRange':
      return verifyRangeTask(task);
    case 'sha256':
      return sha256Task(task.packed);
    case 'merkle':
      return merkleTask(task.packed);
    case 'proofs':
      return verifyPackedInclusionItems(task.packed);
    case 'ping':
      // Echo: what the per-task overhead is measured with (a round trip, transfer both ways).
      return task.packed;
    case 'probe':
      return { threadId, moduleFromParent: wasmModule === workerDataField(wasmModuleKey) };
    case 'crash':
      return crashTask(task.packed);
    default:
      throw new Error(`unknown pool task kind ${JSON.stringify((task as { kind: unknown }).kind)}`);
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** The piscina handler. */
export default function handleTask(task: PoolTask): unknown {
  if (task.announce === true) parentPort?.postMessage({ [taskStartedKey]: task.id });
  let result: Uint8Array | WorkerProbe | InputRefused;
  try {
    result = run(task);
  } catch (error) {
    const report: CrashReport = { taskId: task.id, cause: describeError(error) };
    // Node delivers a worker's parentPort messages before its 'exit' event, so the pool has
    // the cause in hand when piscina rejects the task with "worker exited with code 70".
    parentPort?.postMessage({ [crashReportKey]: report });
    process.exit(workerExitCodeAfterFailure);
  }
  return result instanceof Uint8Array ? move(result) : result;
}
