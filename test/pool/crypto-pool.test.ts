// CryptoPool gives the inline API's answers (issue 4): verdicts, digests and roots, for
// random inputs, at sizes that run inline, in one chunk and in many chunks.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Ed25519BatchItem, ed25519Verify, ed25519VerifyBatch } from '../../src/crypto/ed25519.js';
import { MerkleTree, merkleRoot } from '../../src/crypto/merkle.js';
import { sha256Many } from '../../src/crypto/sha256.js';
import { batchBytesMax, messageBytesMax } from '../../src/limits.js';
import { merkleInlineLeavesMax, verifyChunkCount, verifyInlineItemsMax } from '../../src/pool/chunk-plan.js';
import { CryptoPool } from '../../src/pool/crypto-pool.js';
import { createTestPool, probeWorker, queueState } from '../../src/pool/testing.js';
import { corrupt, corruptions } from '../support/ed25519-corruptions.js';
import { itemKeys, signedItems } from '../support/ed25519-items.js';
import { fuzzParams } from '../support/fuzz.js';

const keys = itemKeys;

/** Valid signed items; tests copy and corrupt them. */
const baseItems: Ed25519BatchItem[] = signedItems(3000);

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

describe('CryptoPool workers', () => {
  it('every worker instantiates the main thread’s compiled module and compiles nothing', async () => {
    // The loader stores workerData's module object itself when it takes it (wasm.ts:
    // `moduleFromWorkerData() ?? compileModule()`), so identity proves nothing was compiled.
    const probes = await Promise.all([probeWorker(pool), probeWorker(pool)]);
    expect(new Set(probes.map((probe) => probe.threadId)).size).toBe(2);
    for (const probe of probes) expect(probe.moduleFromParent).toBe(true);
  });

  it('the probe tells the difference: a pool that withholds the module has workers that compile', async () => {
    const control = createTestPool({ threads: 1 }, { withholdModule: true });
    pools.push(control);
    const probe = await probeWorker(control);
    expect(probe.moduleFromParent).toBe(false);
    // …and still computes the same thing.
    expect(await control.verifyBatch(baseItems.slice(0, 300))).toEqual(ed25519VerifyBatch(baseItems.slice(0, 300)));
    await control.close();
  });

  it('threads start with the pool and stay', async () => {
    const before = await Promise.all([probeWorker(pool), probeWorker(pool)]);
    await pool.verifyBatch(baseItems.slice(0, 1000));
    const after = await Promise.all([probeWorker(pool), probeWorker(pool)]);
    expect(new Set(after.map((p) => p.threadId))).toEqual(new Set(before.map((p) => p.threadId)));
    expect(queueState(pool)).toEqual({ queued: 0, running: 0 });
  });
});

describe('CryptoPool.verifyBatch', () => {
  it('pool verdicts equal inline verdicts on random mixes (inline, one chunk and many chunks)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: baseItems.length }),
        fc.nat(baseItems.length),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(...corruptions), fc.nat()), { maxLength: 12 }),
        async (size, offset, edits) => {
          const items = Array.from(
            { length: size },
            (_, i) => baseItems[(offset + i) % baseItems.length] as Ed25519BatchItem,
          );
          for (const [at, how, pick] of edits) {
            if (size > 0) items[at % size] = corrupt(items[at % size] as Ed25519BatchItem, how, pick, keys);
          }
          expect(await pool.verifyBatch(items)).toEqual(ed25519VerifyBatch(items));
        },
      ),
      fuzzParams(0.1),
    );
  });

  it('finds exactly the invalid items, across chunk boundaries', async () => {
    const count = 5000;
    const chunkItems = Math.ceil(count / verifyChunkCount(count, pool.threads, pool.threads + pool.maxQueue));
    expect(chunkItems).toBeLessThan(count); // the batch really is split
    const items = Array.from({ length: count }, (_, i) => baseItems[i % baseItems.length] as Ed25519BatchItem);
    const invalid = new Set([0, 1, chunkItems - 1, chunkItems, chunkItems + 1, 1000, 1001, count - 1]);
    for (const at of invalid) items[at] = corrupt(items[at] as Ed25519BatchItem, 'signatureBit', at, keys);
    const verdicts = await pool.verifyBatch(items);
    expect(verdicts.length).toBe(items.length);
    expect(verdicts.flatMap((ok, i) => (ok ? [] : [i]))).toEqual([...invalid].sort((a, b) => a - b));
    // The same as one-by-one verification, the definition of the verdicts.
    for (const at of [...invalid, 2, 500, 2600, 4000]) {
      const item = items[at] as Ed25519BatchItem;
      expect(verdicts[at]).toBe(ed25519Verify(item.publicKey, item.message, item.signature));
    }
  });

  it('batches at and around the inline threshold agree with single verification', async () => {
    for (const size of [0, 1, verifyInlineItemsMax, verifyInlineItemsMax + 1]) {
      const items = baseItems.slice(0, size).map((item, i) => (i === 0 ? corrupt(item, 'messageBit', 3, keys) : item));
      const singles = items.map((item) => ed25519Verify(item.publicKey, item.message, item.signature));
      expect(await pool.verifyBatch(items)).toEqual(singles);
    }
  });

  it('verifies more items than one inline batch may hold (the pool splits them)', async () => {
    const items = Array.from({ length: 16_384 + 100 }, (_, i) => baseItems[i % baseItems.length] as Ed25519BatchItem);
    items[16_390] = corrupt(items[16_390] as Ed25519BatchItem, 'sTooBig', 1, keys);
    const verdicts = await pool.verifyBatch(items);
    expect(verdicts.flatMap((ok, i) => (ok ? [] : [i]))).toEqual([16_390]);
  });

  it('rejects malformed input the way the inline API does, naming the item and field', async () => {
    const good = baseItems[0] as Ed25519BatchItem;
    const short = { ...good, publicKey: good.publicKey.subarray(0, 31) };
    await expect(pool.verifyBatch('nope' as unknown as Ed25519BatchItem[])).rejects.toThrow(TypeError);
    await expect(pool.verifyBatch([good, short])).rejects.toThrow(
      'CryptoPool.verifyBatch: expected 32-byte items[1].publicKey, got 31 bytes',
    );
    expect(() => ed25519VerifyBatch([good, short])).toThrow('expected 32-byte items[1].publicKey, got 31 bytes');
    await expect(pool.verifyBatch([good, { ...good, signature: 'x' } as unknown as Ed25519BatchItem])).rejects.toThrow(
      'CryptoPool.verifyBatch: expected items[1].signature to be a Uint8Array, got string',
    );
    await expect(pool.verifyBatch([null as unknown as Ed25519BatchItem])).rejects.toThrow(
      'CryptoPool.verifyBatch: expected items[0] to be an object, got null',
    );
    await expect(pool.verifyBatch([good], { signal: 'x' as unknown as AbortSignal })).rejects.toThrow(
      'expected options.signal to be an AbortSignal',
    );
  });
});

describe('CryptoPool.sha256Many', () => {
  it('digests equal the inline digests for random messages (inline and split)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(300), { maxLength: 4000 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        async (lengths, seed) => {
          const messages = lengths.map((length, i) =>
            Uint8Array.from({ length }, (_, j) => (seed + i * 17 + j) & 0xff),
          );
          const ours = await pool.sha256Many(messages);
          expect(ours.every((digest) => digest.length === 32)).toBe(true);
          expect(Buffer.concat(ours).equals(Buffer.concat(sha256Many(messages)))).toBe(true);
        },
      ),
      fuzzParams(0.1),
    );
  });

  it('hashes a large call split into chunks, including empty and 1 MiB messages', async () => {
    const messages: Uint8Array[] = Array.from({ length: 20_000 }, (_, i) => randomBytes(i % 257));
    messages[5] = randomBytes(1 << 20);
    messages[19_999] = new Uint8Array(0);
    const ours = await pool.sha256Many(messages);
    expect(ours.length).toBe(messages.length);
    expect(Buffer.concat(ours).equals(Buffer.concat(sha256Many(messages)))).toBe(true);
  });

  it('rejects malformed input the way the inline API does', async () => {
    await expect(pool.sha256Many([new Uint8Array(1), 'x' as unknown as Uint8Array])).rejects.toThrow(
      'CryptoPool.sha256Many: expected messages[1] to be a Uint8Array, got string',
    );
  });

  it('applies the inline limits: per message and in all (zero-filled buffers, checked before any is read)', async () => {
    const over = new Uint8Array(messageBytesMax + 1);
    await expect(pool.sha256Many([over])).rejects.toThrow(
      new RangeError(`CryptoPool.sha256Many: messages[0] has ${messageBytesMax + 1} bytes, limit ${messageBytesMax}`),
    );
    const half = new Uint8Array(512 * 1024 * 1024);
    await expect(pool.sha256Many([half, half, half])).rejects.toThrow(
      new RangeError(`CryptoPool.sha256Many: messages hold ${3 * half.length} bytes in all, limit ${batchBytesMax}`),
    );
  });
});

describe('CryptoPool.merkleRoot', () => {
  it('aligned power-of-two subtree roots combine to the RFC 9162 root for every n (the split itself)', () => {
    // The identity the pool relies on, checked on small trees with every subtree size.
    const leaves = Array.from({ length: 300 }, (_, i) => Uint8Array.of(i & 0xff, i >> 8, 1));
    for (let n = 1; n <= leaves.length; n++) {
      const expected = Buffer.from(merkleRoot(leaves.slice(0, n)));
      for (let size = 1; size <= 512; size *= 2) {
        const roots: Uint8Array[] = [];
        for (let start = 0; start < n; start += size)
          roots.push(merkleRoot(leaves.slice(start, Math.min(n, start + size))));
        expect(Buffer.from(MerkleTree.fromLeafHashes(roots).root)).toEqual(expected);
      }
    }
  });

  it('pool roots equal merkleRoot(leaves) for many n, powers of two and not', async () => {
    const all = Array.from({ length: 70_000 }, () => randomBytes(32));
    const sizes = [
      0,
      1,
      2,
      3,
      7,
      merkleInlineLeavesMax,
      merkleInlineLeavesMax + 1,
      8191,
      8192,
      8193,
      12_289,
      16_383,
      16_384,
      16_385,
      24_577,
      32_767,
      32_768,
      32_769,
      49_153,
      65_535,
      65_536,
      65_537,
      70_000,
    ];
    for (const n of sizes) {
      const leaves = all.slice(0, n);
      expect(Buffer.from(await pool.merkleRoot(leaves)), `n = ${n}`).toEqual(Buffer.from(merkleRoot(leaves)));
    }
  });

  it('pool roots equal merkleRoot(leaves) for random n and leaf lengths', async () => {
    const all = Array.from({ length: 40_000 }, (_, i) => randomBytes(i % 3 === 0 ? 32 : i % 71));
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: merkleInlineLeavesMax + 1, max: all.length }),
        fc.boolean(),
        async (n, uniform) => {
          const leaves = uniform
            ? all.slice(0, n).map((leaf, i) => (leaf.length === 32 ? leaf : (all[(i % 13_000) * 3] as Uint8Array)))
            : all.slice(0, n);
          expect(Buffer.from(await pool.merkleRoot(leaves))).toEqual(Buffer.from(merkleRoot(leaves)));
        },
      ),
      fuzzParams(0.1),
    );
  });

  it('rejects malformed input the way the inline API does', async () => {
    await expect(pool.merkleRoot({} as unknown as Uint8Array[])).rejects.toThrow(
      'CryptoPool.merkleRoot: expected leaves to be an array of Uint8Array, got Object',
    );
  });
});
