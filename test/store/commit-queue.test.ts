/**
 * The group-commit queue's scheduling on its own: how groups are cut, the bound on waiting
 * writes, and what a failed batch does to the writes behind it. The writer here records the
 * groups it is handed (the store's own writer, over real databases, is covered by the suite).
 */
import { describe, expect, it } from 'vitest';
import { CommitQueue } from '../../src/store/commit-queue.js';
import { StoreBusyError, StoreWriteError } from '../../src/store/errors.js';

function recordingQueue(options: ConstructorParameters<typeof CommitQueue<number>>[1]) {
  const groups: number[][] = [];
  let failWith: Error | undefined;
  const queue = new CommitQueue<number>(async (items) => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (failWith !== undefined) throw failWith;
    groups.push([...items]);
  }, options);
  return { queue, groups, fail: (error: Error) => (failWith = error) };
}

describe('CommitQueue', () => {
  it('writes what was enqueued in one turn as one group, and what arrives during a write as the next', async () => {
    const { queue, groups } = recordingQueue({});
    const first = [1, 2, 3].map((n) => queue.enqueue(n, 10));
    await new Promise((resolve) => setImmediate(resolve));
    const second = [4, 5].map((n) => queue.enqueue(n, 10));
    await Promise.all([...first, ...second]);
    expect(groups).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    expect(queue.busy).toBe(false);
  });

  it('cuts groups at groupWritesMax and groupBytesMax; a single oversized write goes alone', async () => {
    const byCount = recordingQueue({ groupWritesMax: 2 });
    await Promise.all([1, 2, 3, 4, 5].map((n) => byCount.queue.enqueue(n, 1)));
    expect(byCount.groups).toEqual([[1, 2], [3, 4], [5]]);
    const byBytes = recordingQueue({ groupBytesMax: 100 });
    await Promise.all([
      byBytes.queue.enqueue(1, 60),
      byBytes.queue.enqueue(2, 40),
      byBytes.queue.enqueue(3, 500),
      byBytes.queue.enqueue(4, 1),
    ]);
    expect(byBytes.groups).toEqual([[1, 2], [3], [4]]);
  });

  it('with groupCommit off, every write is its own group, in order', async () => {
    const { queue, groups } = recordingQueue({ groupCommit: false });
    await Promise.all([1, 2, 3].map((n) => queue.enqueue(n, 1)));
    expect(groups).toEqual([[1], [2], [3]]);
  });

  it('refuses a write past queueWritesMax with StoreBusyError, queueing nothing', async () => {
    const { queue, groups } = recordingQueue({ queueWritesMax: 3 });
    const accepted = [1, 2, 3].map((n) => queue.enqueue(n, 1));
    expect(() => queue.enqueue(4, 1)).toThrow(StoreBusyError);
    await Promise.all(accepted);
    expect(groups.flat()).toEqual([1, 2, 3]);
  });

  it('a failed group rejects its writes and every write behind it, then refuses new ones', async () => {
    const { queue, groups, fail } = recordingQueue({ groupWritesMax: 2, name: 'the test store' });
    await queue.enqueue(0, 1);
    fail(new Error('disk full'));
    const results = await Promise.allSettled([1, 2, 3].map((n) => queue.enqueue(n, 1)));
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(StoreWriteError);
    }
    expect(String((results[2] as PromiseRejectedResult).reason.message)).toMatch(
      /the test store failed to write a batch \(disk full\)/,
    );
    expect(() => queue.enqueue(9, 1)).toThrow(StoreWriteError);
    await queue.drain();
    expect(groups).toEqual([[0]]);
  });
});
