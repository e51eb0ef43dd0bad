// CryptoPool under stress of its own lifecycle (issue 4): workers that die mid-task, close
// with work pending, aborts, a full queue. No hang, never a silent `true`.
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { type Ed25519BatchItem, ed25519GenerateKeyPair, ed25519Sign } from '../../src/crypto/ed25519.js';
import { sha256Many } from '../../src/crypto/sha256.js';
import { CryptoPool, type CryptoPoolOptions } from '../../src/pool/crypto-pool.js';
import {
  AbortError,
  CryptoPoolError,
  PoolClosedError,
  PoolQueueFullError,
  PoolTaskTimeoutError,
  WorkerCrashedError,
} from '../../src/pool/errors.js';
import { crashWorker, createTestPool, probeWorker, queueState, workerThreads } from '../../src/pool/testing.js';

const keys = Array.from({ length: 4 }, () => ed25519GenerateKeyPair());
const items: Ed25519BatchItem[] = Array.from({ length: 3000 }, (_, i) => {
  const { publicKey, secretKey } = keys[i % keys.length] as (typeof keys)[number];
  const message = Uint8Array.of(i & 0xff, i >> 8, 42);
  return { publicKey, message, signature: ed25519Sign(secretKey, message) };
});
/** One chunk's worth (below 2 × verifyChunkItemsMin): a single task that runs for a while. */
const oneChunk = items.slice(0, 400);
const allValid = (verdicts: boolean[]) => verdicts.length > 0 && verdicts.every((verdict) => verdict);

let pools: CryptoPool[] = [];
function track(pool: CryptoPool): CryptoPool {
  pools.push(pool);
  return pool;
}
async function newPool(options: CryptoPoolOptions, hooks = false): Promise<CryptoPool> {
  const pool = track(hooks ? createTestPool(options) : new CryptoPool(options));
  await pool.ready();
  return pool;
}

afterEach(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
  pools = [];
});

describe('a worker that crashes', () => {
  it('is replaced, and its task rejects naming the cause: exit, wasm trap, throw', async () => {
    const pool = await newPool({ threads: 1 }, true);
    const expectations: Array<[Parameters<typeof crashWorker>[1], RegExp]> = [
      ['exit', /worker exited with code: 3/],
      ['trap', /RuntimeError: memory access out of bounds/],
      ['throw', /thrown on purpose/],
    ];
    for (const [mode, cause] of expectations) {
      const before = await probeWorker(pool);
      const error = await crashWorker(pool, mode).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, mode).toBeInstanceOf(WorkerCrashedError);
      expect((error as WorkerCrashedError).code).toBe('POOL_WORKER_CRASHED');
      expect((error as Error).message).toMatch(cause);
      expect((error as Error).message).toMatch(
        /^CryptoPool\[internals\]\.crash: the worker thread running task 1 of 1/,
      );
      // Replaced: a new thread answers, and answers correctly.
      const after = await probeWorker(pool);
      expect(after.threadId).not.toBe(before.threadId);
      expect(after.moduleFromParent).toBe(true);
      expect(allValid(await pool.verifyBatch(oneChunk))).toBe(true);
    }
  });

  it('killed mid-verifyBatch rejects the whole call (never a partial or silent true) and the pool recovers', async () => {
    const pool = await newPool({ threads: 1 });
    // Two chunks of 8,192 on one thread: a few hundred ms of work, so the kill lands mid-task.
    const many = Array.from({ length: 16_384 }, (_, i) => items[i % items.length] as Ed25519BatchItem);
    const call = pool.verifyBatch(many);
    expect(queueState(pool).running).toBe(1);
    await sleep(20);
    const [thread] = workerThreads(pool);
    await thread?.terminate();
    const error = await call.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect((error as Error).message).toMatch(
      /^CryptoPool\.verifyBatch: the worker thread running task \d of 2 \(items \d+\.\.\d+\) died and was replaced: worker exited with code: 1/,
    );
    expect(queueState(pool).queued).toBe(0);
    const verdicts = await pool.verifyBatch(items);
    expect(allValid(verdicts)).toBe(true);
  });

  it('a pool without test hooks refuses the crash task (and still rejects, naming why)', async () => {
    const pool = await newPool({ threads: 1 });
    await expect(crashWorker(pool, 'exit')).rejects.toThrow(
      /crash task refused: this pool was not created with test hooks/,
    );
    expect(allValid(await pool.verifyBatch(oneChunk))).toBe(true);
  });
});

describe('taskTimeoutMs: a per-task deadline', () => {
  it('a worker stuck past it is terminated and replaced; its call rejects with PoolTaskTimeoutError naming the task', async () => {
    const pool = await newPool({ threads: 1, taskTimeoutMs: 300 }, true);
    const before = await probeWorker(pool);
    const started = performance.now();
    const error = await crashWorker(pool, 'hang').then(
      () => undefined,
      (e: unknown) => e,
    );
    const elapsedMs = performance.now() - started;
    expect(error).toBeInstanceOf(PoolTaskTimeoutError);
    expect(error).toBeInstanceOf(CryptoPoolError);
    expect(error).toMatchObject({ code: 'POOL_TASK_TIMEOUT', taskTimeoutMs: 300 });
    expect((error as Error).message).toBe(
      'CryptoPool[internals].crash: task 1 of 1 (items 0..0) ran past taskTimeoutMs (300 ms); ' +
        'its worker thread was terminated and replaced',
    );
    expect(elapsedMs).toBeGreaterThanOrEqual(290);
    expect(elapsedMs).toBeLessThan(5000);
    const after = await probeWorker(pool);
    expect(after.threadId).not.toBe(before.threadId);
    expect(allValid(await pool.verifyBatch(oneChunk))).toBe(true);
  });

  it('calls queued behind a stuck task run on the replacement thread', async () => {
    const pool = await newPool({ threads: 1, taskTimeoutMs: 300 }, true);
    const stuck = crashWorker(pool, 'hang');
    const queued = pool.verifyBatch(oneChunk);
    expect(queueState(pool)).toEqual({ queued: 1, running: 1 });
    await expect(stuck).rejects.toBeInstanceOf(PoolTaskTimeoutError);
    expect(allValid(await queued)).toBe(true);
  });

  it('close() waits on a stuck worker no longer than the deadline', async () => {
    const pool = await newPool({ threads: 1, taskTimeoutMs: 400 }, true);
    const stuck = crashWorker(pool, 'hang').catch((e: unknown) => e);
    const queued = pool.verifyBatch(oneChunk).catch((e: unknown) => e);
    await sleep(50);
    const started = performance.now();
    await pool.close();
    const elapsedMs = performance.now() - started;
    expect(elapsedMs).toBeLessThan(400 + 2000);
    expect(await stuck).toBeInstanceOf(PoolTaskTimeoutError);
    expect(await queued).toBeInstanceOf(PoolClosedError);
    expect(workerThreads(pool).length).toBe(0);
  });

  it('the clock starts when a thread starts the task, not while the thread itself is starting', async () => {
    // A fresh pool's threads take longer than 50 ms to load (more so under tsx); the pings of
    // ready() are handed over at once and must not be counted as stuck meanwhile.
    const pool = track(new CryptoPool({ threads: 2, taskTimeoutMs: 50 }));
    await pool.ready();
    expect(await pool.verifyBatch(items.slice(0, 100))).toEqual(new Array(100).fill(true));
  });

  it('calls that finish in time are untouched, and the option is validated', async () => {
    const pool = await newPool({ threads: 2, taskTimeoutMs: 60_000 });
    expect(allValid(await pool.verifyBatch(items))).toBe(true);
    for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 31]) {
      expect(() => new CryptoPool({ threads: 1, taskTimeoutMs: bad })).toThrow(RangeError);
    }
    expect(() => new CryptoPool({ threads: 1, taskTimeoutMs: '5' as unknown as number })).toThrow(
      'new CryptoPool: expected options.taskTimeoutMs to be an integer, got string',
    );
  });
});

describe('close()', () => {
  it('lets running tasks finish, rejects queued ones with PoolClosedError, then rejects every call', async () => {
    const pool = await newPool({ threads: 1 });
    const running = pool.verifyBatch(oneChunk);
    const queuedA = pool.verifyBatch(oneChunk);
    const queuedB = pool.sha256Many(Array.from({ length: 20_000 }, () => new Uint8Array(64)));
    // 1 running; 1 queued for queuedA, 2 (the call is split in two) for queuedB.
    expect(queueState(pool)).toEqual({ queued: 3, running: 1 });
    const closed = pool.close();
    expect(pool.close()).toBe(closed);
    await expect(queuedA).rejects.toThrow(PoolClosedError);
    await expect(queuedB).rejects.toThrow(
      /^CryptoPool\.sha256Many: the pool was closed before this call's task 1 of 2 started$/,
    );
    expect(allValid(await running)).toBe(true);
    await closed;
    expect(workerThreads(pool).length).toBe(0);
    // Every method, inline-sized or not, rejects after close.
    await expect(pool.verifyBatch(items.slice(0, 1))).rejects.toThrow('CryptoPool.verifyBatch: the pool is closed');
    await expect(pool.verifyBatch(items)).rejects.toBeInstanceOf(PoolClosedError);
    await expect(pool.sha256Many([])).rejects.toBeInstanceOf(PoolClosedError);
    await expect(pool.merkleRoot([])).rejects.toHaveProperty('code', 'POOL_CLOSED');
    await expect(pool.ready()).rejects.toBeInstanceOf(PoolClosedError);
  });

  it('closes an idle pool and an unused one', async () => {
    const idle = await newPool({ threads: 2 });
    await idle.close();
    const unused = track(new CryptoPool({ threads: 1 }));
    await unused.close();
    expect(workerThreads(unused).length).toBe(0);
  });
});

describe('AbortSignal', () => {
  it('an already aborted signal rejects with AbortError before anything runs', async () => {
    const pool = await newPool({ threads: 1 });
    const reason = new Error('caller gave up');
    const signal = AbortSignal.abort(reason);
    for (const call of [pool.verifyBatch(items, { signal }), pool.verifyBatch(items.slice(0, 2), { signal })]) {
      const error = await call.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AbortError);
      expect((error as Error).name).toBe('AbortError');
      expect((error as AbortError).code).toBe('ABORT_ERR');
      expect((error as Error).cause).toBe(reason);
    }
    await expect(pool.merkleRoot([], { signal })).rejects.toThrow('CryptoPool.merkleRoot: aborted');
    expect(queueState(pool)).toEqual({ queued: 0, running: 0 });
  });

  it('aborting a queued call removes its tasks and leaves the running call alone', async () => {
    const pool = await newPool({ threads: 1 });
    const running = pool.verifyBatch(oneChunk);
    const controller = new AbortController();
    const queued = pool.verifyBatch(items, { signal: controller.signal });
    expect(queueState(pool).queued).toBeGreaterThan(0);
    controller.abort();
    await expect(queued).rejects.toThrow(AbortError);
    expect(queueState(pool)).toEqual({ queued: 0, running: 1 });
    expect(allValid(await running)).toBe(true);
  });

  it('aborting a running call rejects at once; the thread finishes its chunk and stays warm', async () => {
    const pool = await newPool({ threads: 1 });
    const before = await probeWorker(pool);
    const controller = new AbortController();
    const call = pool.verifyBatch(items, { signal: controller.signal });
    expect(queueState(pool).running).toBe(1);
    controller.abort('stop');
    await expect(call).rejects.toMatchObject({ name: 'AbortError', cause: 'stop' });
    expect(queueState(pool).queued).toBe(0);
    const after = await probeWorker(pool);
    expect(after.threadId).toBe(before.threadId);
  });
});

describe('one AbortSignal shared by many calls', () => {
  it('adds no listener per call: 40 concurrent calls print no MaxListenersExceededWarning, and abort together', async () => {
    const pool = await newPool({ threads: 1 });
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const controller = new AbortController();
      const { signal } = controller;
      // Node 20 warns past 10 listeners on a signal by default; Node 22 and later only past an
      // explicit limit. Set it, so the check means the same on every version.
      setMaxListeners(10, signal);
      const calls = Array.from({ length: 40 }, () => pool.verifyBatch(oneChunk, { signal }));
      // Node emits the warning on the next tick after the 11th listener; give it the chance.
      await sleep(10);
      controller.abort('enough');
      // A call that finished within the 10 ms resolved; every other one rejects at once.
      const settled = await Promise.allSettled(calls);
      const aborted = settled.filter((s) => s.status === 'rejected' && (s.reason as Error).name === 'AbortError');
      const done = settled.filter((s) => s.status === 'fulfilled');
      expect(aborted.length + done.length).toBe(calls.length);
      expect(aborted.length).toBeGreaterThan(30);
      // Settled calls leave nothing behind: sequential calls with the same signal add none either.
      const second = new AbortController();
      setMaxListeners(10, second.signal);
      for (let i = 0; i < 12; i++) await pool.verifyBatch(oneChunk, { signal: second.signal });
      await sleep(10);
      expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('the negative control: 11 listeners on one signal do raise the warning here', async () => {
    // The warning is expected, so it is caught where Node raises it (process.emitWarning) and
    // not printed into the suite's output.
    const raised: string[] = [];
    const emitWarning = process.emitWarning;
    process.emitWarning = ((warning: string | Error) => {
      raised.push(typeof warning === 'string' ? warning : warning.name);
    }) as typeof process.emitWarning;
    try {
      const { signal } = new AbortController();
      setMaxListeners(10, signal);
      const listeners = Array.from({ length: 11 }, () => () => {});
      for (const listener of listeners) signal.addEventListener('abort', listener);
      await sleep(10);
      expect(raised).toContain('MaxListenersExceededWarning');
      for (const listener of listeners) signal.removeEventListener('abort', listener);
    } finally {
      process.emitWarning = emitWarning;
    }
  });
});

describe('bounded queue', () => {
  it('a full queue rejects a call whole with PoolQueueFullError; queued work still completes', async () => {
    const pool = await newPool({ threads: 1, maxQueue: 1 });
    const running = pool.verifyBatch(oneChunk);
    const queued = pool.verifyBatch(oneChunk);
    const error = await pool.verifyBatch(oneChunk).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PoolQueueFullError);
    expect(error).toMatchObject({ code: 'POOL_QUEUE_FULL', tasksNeeded: 1, tasksFree: 0 });
    expect((error as Error).message).toMatch(/^CryptoPool\.verifyBatch: the queue is full/);
    // Inline-sized calls never queue, so they still run.
    expect(await pool.verifyBatch(items.slice(0, 3))).toEqual([true, true, true]);
    expect(allValid(await running)).toBe(true);
    expect(allValid(await queued)).toBe(true);
    expect(allValid(await pool.verifyBatch(oneChunk))).toBe(true);
  });

  it('with maxQueue 0 an idle pool still takes a large call (it is cut into at most `threads` tasks)', async () => {
    const pool = await newPool({ threads: 2, maxQueue: 0 });
    expect(allValid(await pool.verifyBatch(items))).toBe(true);
    const leaves = Array.from({ length: 3 * 8192 + 5 }, (_, i) => Uint8Array.of(i & 0xff, i >> 8));
    await expect(pool.merkleRoot(leaves)).resolves.toHaveLength(32);
  });
});

describe('an idle pool never refuses a call it can run (issue 8: chunk plans within capacity)', () => {
  const mib = new Uint8Array(1 << 20).fill(5);
  const ten = new Uint8Array(10).fill(6);

  it('{ threads: 2, maxQueue: 0 }: sha256Many of 10 B, 1 MiB, 10 B', async () => {
    const pool = await newPool({ threads: 2, maxQueue: 0 });
    const messages = [ten, mib, ten];
    expect(Buffer.concat(await pool.sha256Many(messages))).toEqual(Buffer.concat(sha256Many(messages)));
  });

  it('{ threads: 4, maxQueue: 4 }: sha256Many of nine messages alternating 10 B and 1 MiB', async () => {
    const pool = await newPool({ threads: 4, maxQueue: 4 });
    const messages = Array.from({ length: 9 }, (_, i) => (i % 2 === 1 ? mib : ten));
    expect(Buffer.concat(await pool.sha256Many(messages))).toEqual(Buffer.concat(sha256Many(messages)));
  });

  it('{ threads: 1, maxQueue: 0 }: verifyBatch of 16,385 items (more than one wasm batch)', async () => {
    const pool = await newPool({ threads: 1, maxQueue: 0 });
    const many = Array.from({ length: 16_385 }, (_, i) => items[i % items.length] as Ed25519BatchItem);
    const bad = 16_384; // in the second wasm batch the worker makes
    many[bad] = { ...(many[bad] as Ed25519BatchItem), message: Uint8Array.of(0xff) };
    const verdicts = await pool.verifyBatch(many);
    expect(verdicts.flatMap((ok, i) => (ok ? [] : [i]))).toEqual([bad]);
  });

  it('{ threads: 2, maxQueue: 0 }: verifyBatch of 40 items with 16 MiB messages (640 MiB in all)', async () => {
    const pool = await newPool({ threads: 2, maxQueue: 0 });
    // One 16 MiB message shared by every item; one key signs it. All but two items carry
    // S = 2^256 − 1 (refused before hashing), so the test costs little beyond the copies.
    const big = new Uint8Array(16 << 20).fill(9);
    const [key] = keys as [(typeof keys)[number]];
    const signature = ed25519Sign(key.secretKey, big);
    const refused = signature.slice();
    refused.fill(0xff, 32);
    const many: Ed25519BatchItem[] = Array.from({ length: 40 }, (_, i) => ({
      publicKey: key.publicKey,
      message: big,
      signature: i === 3 || i === 30 ? signature : refused,
    }));
    const verdicts = await pool.verifyBatch(many);
    expect(verdicts.flatMap((ok, i) => (ok ? [i] : []))).toEqual([3, 30]);
  });

  it('a call refused by a busy pool succeeds once the pool is idle again', async () => {
    const pool = await newPool({ threads: 1, maxQueue: 0 });
    const running = pool.verifyBatch(oneChunk);
    await expect(pool.verifyBatch(oneChunk)).rejects.toBeInstanceOf(PoolQueueFullError);
    expect(allValid(await running)).toBe(true);
    expect(allValid(await pool.verifyBatch(oneChunk))).toBe(true);
  });
});

describe('options', () => {
  it('are validated with typed errors', () => {
    expect(() => new CryptoPool({ threads: 0 })).toThrow(RangeError);
    expect(() => new CryptoPool({ threads: 1.5 })).toThrow(
      'new CryptoPool: options.threads must be an integer in [1, 256], got 1.5',
    );
    expect(() => new CryptoPool({ threads: 2, minThreads: 3 })).toThrow(RangeError);
    expect(() => new CryptoPool({ threads: 1, maxQueue: -1 })).toThrow(RangeError);
    expect(() => new CryptoPool({ threads: 1, idleTimeout: Number.NaN })).toThrow(RangeError);
    expect(() => new CryptoPool(null as unknown as CryptoPoolOptions)).toThrow(TypeError);
  });

  it('default to one thread per available core, all kept warm', async () => {
    const pool = track(new CryptoPool());
    expect(pool.threads).toBeGreaterThanOrEqual(1);
    await pool.ready();
    expect(workerThreads(pool).length).toBe(pool.threads);
  });
});
