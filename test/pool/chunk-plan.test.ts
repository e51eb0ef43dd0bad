// The pool's chunk planners on their own (issue 8): every plan fits what an idle pool admits
// (threads + maxQueue tasks), so a call an idle pool can run is never refused with
// PoolQueueFullError; and the plans still spread work as the tuning constants say.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { poolVerifyItemsMax } from '../../src/limits.js';
import {
  hashChunksWanted,
  merkleChunkLeavesMin,
  merkleSubtreeLeaves,
  type Range,
  sha256Blocks,
  sha256ChunkBlocksMin,
  sha256ChunkCount,
  splitByWeight,
  splitEvenly,
  verifyChunkCount,
  verifyChunkItemsMin,
} from '../../src/pool/chunk-plan.js';
import { fuzzParams } from '../support/fuzz.js';

/** The ranges cover [0, count) in order, none empty. */
function expectCover(ranges: readonly Range[], count: number): void {
  let at = 0;
  for (const range of ranges) {
    expect(range.start).toBe(at);
    expect(range.end).toBeGreaterThan(range.start);
    at = range.end;
  }
  expect(at).toBe(count);
}

describe('splitByWeight', () => {
  it('never makes more ranges than asked for, whatever the weights (one heavy item included)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 1 << 20 })), {
          minLength: 1,
          maxLength: 200,
        }),
        fc.integer({ min: 1, max: 16 }),
        (weights, parts) => {
          const ranges = splitByWeight(weights.length, (i) => weights[i] as number, parts);
          expect(ranges.length).toBeLessThanOrEqual(parts);
          expectCover(ranges, weights.length);
        },
      ),
      fuzzParams(1),
    );
  });

  it('balances: no range but one holding a heavy item weighs much more than total / parts', () => {
    const weights = Array.from({ length: 1000 }, (_, i) => 1 + (i % 7));
    const total = weights.reduce((a, b) => a + b, 0);
    const ranges = splitByWeight(weights.length, (i) => weights[i] as number, 4);
    expect(ranges.length).toBe(4);
    for (const { start, end } of ranges) {
      const sum = weights.slice(start, end).reduce((a, b) => a + b, 0);
      expect(sum).toBeLessThanOrEqual(total / 4 + 7);
    }
  });

  it('the issue’s shapes: 10 B, 1 MiB, 10 B in 2 parts; 9 messages alternating 10 B and 1 MiB in 8', () => {
    const blocks = (lengths: number[]) => (i: number) => sha256Blocks(lengths[i] as number);
    const three = [10, 1 << 20, 10];
    expect(splitByWeight(3, blocks(three), 2).length).toBeLessThanOrEqual(2);
    const nine = Array.from({ length: 9 }, (_, i) => (i % 2 === 1 ? 1 << 20 : 10));
    expect(splitByWeight(9, blocks(nine), 8).length).toBeLessThanOrEqual(8);
  });
});

describe('splitEvenly', () => {
  it('cuts into min(parts, count) ranges whose sizes differ by at most one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 300 }), (count, parts) => {
        const ranges = splitEvenly(count, parts);
        expect(ranges.length).toBe(Math.min(parts, count));
        expectCover(ranges, count);
        const sizes = ranges.map((r) => r.end - r.start);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
      fuzzParams(1),
    );
  });
});

describe('verifyChunkCount', () => {
  it('one per thread at least, none below the minimum, never more than an idle pool admits', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: poolVerifyItemsMax }),
        fc.integer({ min: 1, max: 256 }),
        fc.integer({ min: 1, max: 4096 }),
        (count, threads, tasksMax) => {
          const chunks = verifyChunkCount(count, threads, tasksMax);
          expect(chunks).toBeGreaterThanOrEqual(1);
          expect(chunks).toBeLessThanOrEqual(tasksMax);
          if (chunks > 1) expect(Math.floor(count / chunks)).toBeGreaterThanOrEqual(verifyChunkItemsMin);
          if (count >= threads * verifyChunkItemsMin && threads <= tasksMax) {
            expect(chunks).toBeGreaterThanOrEqual(threads);
          }
        },
      ),
      fuzzParams(1),
    );
  });

  it('16,385 signatures on one thread with no queue: one task (its worker cuts it in two wasm batches)', () => {
    expect(verifyChunkCount(16_385, 1, 1)).toBe(1);
  });
});

describe('sha256ChunkCount and hashChunksWanted', () => {
  it('never more chunks than wanted, never wanting more than an idle pool admits', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1 << 26 }),
        fc.integer({ min: 1, max: 256 }),
        fc.integer({ min: 1, max: 4096 }),
        (blocks, threads, tasksMax) => {
          const wanted = hashChunksWanted(threads, tasksMax);
          expect(wanted).toBeLessThanOrEqual(tasksMax);
          const chunks = sha256ChunkCount(blocks, wanted);
          expect(chunks).toBeGreaterThanOrEqual(1);
          expect(chunks).toBeLessThanOrEqual(wanted);
          if (chunks > 1) expect(blocks / chunks).toBeGreaterThanOrEqual(sha256ChunkBlocksMin);
        },
      ),
      fuzzParams(1),
    );
  });
});

describe('merkleSubtreeLeaves', () => {
  it('subtree sizes are powers of two, at least the minimum, within the task budget', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1 << 26 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 2048 }),
        (n, parts, max) => {
          const size = merkleSubtreeLeaves(n, parts, max);
          expect(size & (size - 1)).toBe(0);
          expect(size).toBeGreaterThanOrEqual(merkleChunkLeavesMin);
          expect(Math.ceil(n / size)).toBeLessThanOrEqual(Math.max(max, 1));
        },
      ),
      fuzzParams(1),
    );
  });
});
