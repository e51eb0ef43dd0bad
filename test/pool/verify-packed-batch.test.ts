// CryptoPool.verifyPackedBatch over a caller's packed bytes (issue 8, item 2): the calling
// thread checks only the header; workers verify ranges of ONE shared buffer in place (the
// caller's own if it is shared, one copy of it if not) and check their own records, and a
// malformed record rejects the call with a RangeError while the worker stays.
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Ed25519BatchItem,
  packedHeaderBytes,
  packedRecordBytes,
  packVerifyBatch,
  verifyPackedBatch,
} from '../../src/crypto/ed25519.js';
import { recordMessageOffsetAt } from '../../src/crypto/ed25519-packed.js';
import { ed25519BatchItemsMax } from '../../src/limits.js';
import { splitEvenly, verifyChunkCount, verifyInlineItemsMax } from '../../src/pool/chunk-plan.js';
import { CryptoPool } from '../../src/pool/crypto-pool.js';
import { WorkerCrashedError } from '../../src/pool/errors.js';
import { queueState, recordTasks, workerThreads } from '../../src/pool/testing.js';
import { corrupt, corruptions } from '../support/ed25519-corruptions.js';
import { itemKeys, signedItems } from '../support/ed25519-items.js';
import { fuzzParams } from '../support/fuzz.js';

const keys = itemKeys;

/** Valid signed items; tests copy and corrupt them. */
const baseItems: Ed25519BatchItem[] = signedItems(3000);

/** A copy of the packed bytes in a new SharedArrayBuffer. */
function sharedCopy(packed: Uint8Array): Uint8Array {
  const shared = new Uint8Array(new SharedArrayBuffer(packed.length));
  shared.set(packed);
  return shared;
}

/** The same batch with records `i` and `j` swapped (each keeps its message): messages out of record order. */
function swapRecords(packed: Uint8Array, i: number, j: number): void {
  const at = (k: number) => packedHeaderBytes + k * packedRecordBytes;
  const record = packed.slice(at(i), at(i) + packedRecordBytes);
  packed.copyWithin(at(i), at(j), at(j) + packedRecordBytes);
  packed.set(record, at(j));
}

/** Points record `i`'s message one byte past the end of the message area. */
function corruptRecord(packed: Uint8Array, i: number): void {
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  const messageBytesTotal = view.getUint32(4, true);
  view.setUint32(packedHeaderBytes + i * packedRecordBytes + recordMessageOffsetAt, messageBytesTotal, true);
}

function items(count: number): Ed25519BatchItem[] {
  return Array.from({ length: count }, (_, i) => baseItems[i % baseItems.length] as Ed25519BatchItem);
}

/** The pool's live threads' ids, sorted. */
function threadIds(target: CryptoPool): number[] {
  return workerThreads(target)
    .map((thread) => thread.threadId)
    .sort((a, b) => a - b);
}

/** Resolves once no task of the pool is queued or running (a rejected call's other chunks finish in their threads). */
async function untilIdle(target: CryptoPool): Promise<void> {
  for (let waitedMs = 0; waitedMs < 10_000; waitedMs += 5) {
    const { queued, running } = queueState(target);
    if (queued === 0 && running === 0) return;
    await sleep(5);
  }
  throw new Error('the pool did not become idle within 10 s');
}

async function rejection(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => undefined,
    (error: unknown) => error,
  );
}

const pools: CryptoPool[] = [];
let pool: CryptoPool;

beforeAll(async () => {
  pool = new CryptoPool({ threads: 2 });
  pools.push(pool);
  await pool.ready();
});

afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

describe('CryptoPool.verifyPackedBatch verdicts', () => {
  it('on shared and ordinary buffers equal the inline verifyPackedBatch on random mixes (inline, one chunk, many)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: baseItems.length }),
        fc.nat(baseItems.length),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(...corruptions), fc.nat()), { maxLength: 12 }),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 4 }),
        async (size, offset, edits, swaps) => {
          const batch = Array.from(
            { length: size },
            (_, i) => baseItems[(offset + i) % baseItems.length] as Ed25519BatchItem,
          );
          for (const [at, how, pick] of edits) {
            if (size > 0) batch[at % size] = corrupt(batch[at % size] as Ed25519BatchItem, how, pick, keys);
          }
          const packed = packVerifyBatch(batch);
          for (const [i, j] of swaps) if (size > 0) swapRecords(packed, i % size, j % size);
          const expected = [...verifyPackedBatch(packed)];
          expect([...(await pool.verifyPackedBatch(packed))]).toEqual(expected);
          expect([...(await pool.verifyPackedBatch(sharedCopy(packed)))]).toEqual(expected);
        },
      ),
      fuzzParams(0.1),
    );
  });

  it('find exactly the invalid items across chunk boundaries, in both kinds of buffer', async () => {
    const count = 5000;
    const ranges = splitEvenly(count, verifyChunkCount(count, pool.threads, pool.threads + pool.maxQueue));
    expect(ranges.length).toBeGreaterThan(1); // the batch really is split
    const batch = items(count);
    const invalid = new Set([0, count - 1]);
    for (const { start } of ranges.slice(1)) for (const at of [start - 1, start, start + 1]) invalid.add(at);
    for (const at of invalid) batch[at] = corrupt(batch[at] as Ed25519BatchItem, 'signatureBit', at, keys);
    const ordinary = packVerifyBatch(batch);
    const expected = [...verifyPackedBatch(ordinary)];
    expect(expected.flatMap((v, i) => (v === 1 ? [] : [i]))).toEqual([...invalid].sort((a, b) => a - b));
    expect([...(await pool.verifyPackedBatch(ordinary))]).toEqual(expected);
    expect([...(await pool.verifyPackedBatch(packVerifyBatch(batch, { shared: true })))]).toEqual(expected);
  });

  it('a batch of the largest size, shared, on one thread and on two', async () => {
    const one = new CryptoPool({ threads: 1 });
    pools.push(one);
    const batch = items(ed25519BatchItemsMax);
    batch[ed25519BatchItemsMax - 2] = corrupt(batch[ed25519BatchItemsMax - 2] as Ed25519BatchItem, 'sTooBig', 1, keys);
    const shared = packVerifyBatch(batch, { shared: true });
    for (const target of [one, pool]) {
      const verdicts = await target.verifyPackedBatch(shared);
      expect(verdicts.length).toBe(ed25519BatchItemsMax);
      expect([...verdicts].flatMap((v, i) => (v === 1 ? [] : [i]))).toEqual([ed25519BatchItemsMax - 2]);
    }
  });
});

describe('CryptoPool.verifyPackedBatch moves no bytes it need not', () => {
  it('a shared buffer is not copied: every task carries the caller’s own view, and nothing is transferred', async () => {
    const shared = packVerifyBatch(items(5000), { shared: true });
    const recorder = recordTasks(pool);
    try {
      expect([...(await pool.verifyPackedBatch(shared))]).toEqual(new Array(5000).fill(1));
    } finally {
      recorder.stop();
    }
    const { handed } = recorder;
    expect(handed.length).toBeGreaterThan(1);
    for (const { task, transferList } of handed) {
      expect(task.kind).toBe('verifyRange');
      expect(task.packed).toBe(shared);
      expect(transferList).toEqual([]);
    }
    // Their ranges cover the batch, in order.
    let covered = 0;
    for (const { task } of handed) {
      expect(task).toMatchObject({ start: covered, where: 'CryptoPool.verifyPackedBatch' });
      covered = task.kind === 'verifyRange' ? task.end : Number.NaN;
    }
    expect(covered).toBe(5000);
  });

  it('an ordinary buffer is copied once per call, whole, into one SharedArrayBuffer that every task shares', async () => {
    const ordinary = packVerifyBatch(items(5000));
    const before = ordinary.slice();
    const recorder = recordTasks(pool);
    try {
      expect([...(await pool.verifyPackedBatch(ordinary))]).toEqual(new Array(5000).fill(1));
    } finally {
      recorder.stop();
    }
    const buffers = new Set(recorder.handed.map(({ task }) => task.packed.buffer));
    expect(recorder.handed.length).toBeGreaterThan(1);
    expect(buffers.size).toBe(1);
    const [buffer] = buffers;
    expect(buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(buffer).not.toBe(ordinary.buffer);
    const copy = recorder.handed[0]?.task.packed as Uint8Array;
    expect(Buffer.from(copy).equals(Buffer.from(ordinary))).toBe(true);
    // The caller's bytes are untouched and still its own (not transferred away).
    expect(ordinary).toEqual(before);
  });

  it('the control: verifyBatch packs each chunk into a buffer of its own and transfers it', async () => {
    const recorder = recordTasks(pool);
    try {
      await pool.verifyBatch(items(5000));
    } finally {
      recorder.stop();
    }
    expect(recorder.handed.length).toBeGreaterThan(1);
    for (const { task, transferList } of recorder.handed) {
      expect(task.kind).toBe('verify');
      expect(transferList).toEqual([task.packed.buffer]);
    }
  });

  it('small batches run inline: no task', async () => {
    const recorder = recordTasks(pool);
    try {
      const packed = packVerifyBatch(items(verifyInlineItemsMax), { shared: true });
      expect([...(await pool.verifyPackedBatch(packed))]).toEqual(new Array(verifyInlineItemsMax).fill(1));
    } finally {
      recorder.stop();
    }
    expect(recorder.handed).toEqual([]);
  });
});

describe('CryptoPool.verifyPackedBatch on malformed bytes', () => {
  it('a corrupt record beyond the first chunk rejects with a RangeError naming the method and the item; the workers stay', async () => {
    const count = 5000;
    const bad = 4321;
    const ranges = splitEvenly(count, verifyChunkCount(count, pool.threads, pool.threads + pool.maxQueue));
    expect(bad).toBeGreaterThanOrEqual((ranges[0] as { end: number }).end);
    const threadsBefore = threadIds(pool);
    expect(threadsBefore.length).toBe(2);
    for (const packed of [packVerifyBatch(items(count), { shared: true }), packVerifyBatch(items(count))]) {
      corruptRecord(packed, bad);
      const error = await rejection(pool.verifyPackedBatch(packed));
      expect(error).toBeInstanceOf(RangeError);
      expect(error).not.toBeInstanceOf(WorkerCrashedError);
      expect((error as Error).message).toMatch(
        new RegExp(`^CryptoPool\\.verifyPackedBatch: packed item ${bad} message \\[\\d+, \\d+\\) lies outside`),
      );
    }
    // The other chunk of each call ran to its end (its result dropped); then the same threads
    // are there (none died and none was replaced), and they still verify.
    await untilIdle(pool);
    expect(threadIds(pool)).toEqual(threadsBefore);
    expect([...(await pool.verifyPackedBatch(packVerifyBatch(items(count), { shared: true })))]).toEqual(
      new Array(count).fill(1),
    );
    await untilIdle(pool);
    expect(threadIds(pool)).toEqual(threadsBefore);
  });

  it('the calling thread checks only the header: a bad header rejects before any task, a bad record is left to the workers', async () => {
    const count = 5000;
    const recorder = recordTasks(pool);
    try {
      for (const mutate of [
        (view: DataView) => view.setUint32(0, count + 1, true),
        (view: DataView) => view.setUint32(0, count - 1, true),
        (view: DataView) => view.setUint32(4, view.getUint32(4, true) + 1, true),
        (view: DataView) => view.setUint32(0, ed25519BatchItemsMax + 1, true),
      ]) {
        const packed = packVerifyBatch(items(count), { shared: true });
        mutate(new DataView(packed.buffer));
        const call = pool.verifyPackedBatch(packed);
        expect(recorder.handed).toEqual([]);
        const error = await rejection(call);
        expect(error).toBeInstanceOf(RangeError);
        expect((error as Error).message).toMatch(/^CryptoPool\.verifyPackedBatch: packed (has|count)/);
      }
      expect(recorder.handed).toEqual([]);
      // A bad record passes the calling thread: the call is handed to the workers, whose
      // check rejects it. (A pass over the records here would reject before any task.)
      const packed = packVerifyBatch(items(count), { shared: true });
      corruptRecord(packed, 7);
      const call = pool.verifyPackedBatch(packed);
      expect(recorder.handed.length).toBeGreaterThan(0);
      await expect(call).rejects.toThrow(/^CryptoPool\.verifyPackedBatch: packed item 7 message/);
    } finally {
      recorder.stop();
    }
  });

  it('inline-sized batches name the method and the item too, and refuse what is not bytes', async () => {
    const packed = packVerifyBatch(items(3), { shared: true });
    corruptRecord(packed, 2);
    await expect(pool.verifyPackedBatch(packed)).rejects.toThrow(
      /^CryptoPool\.verifyPackedBatch: packed item 2 message .* lies outside/,
    );
    await expect(pool.verifyPackedBatch('packed' as unknown as Uint8Array)).rejects.toThrow(TypeError);
    await expect(pool.verifyPackedBatch(new Uint8Array(7))).rejects.toThrow(RangeError);
  });
});
