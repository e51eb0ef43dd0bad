// One suite for every CryptoBackend (src/crypto/backend.ts), as abstract-level shares its
// suite across stores: the inline backend and a 2-thread CryptoPool must give node:crypto's
// digests, the inline Merkle root, and ed25519Verify's verdict for every item — at sizes that
// the pool runs inline and sizes it splits into worker chunks.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBlock, encodeBlock } from '../../src/codec/block.js';
import {
  encodeTransaction,
  signTransaction,
  type Transaction,
  transactionSigningMessage,
} from '../../src/codec/transaction.js';
import { type CryptoBackend, createInlineCrypto, inlineCrypto } from '../../src/crypto/backend.js';
import {
  type Ed25519BatchItem,
  ed25519GenerateKeyPair,
  ed25519Verify,
  packVerifyBatch,
} from '../../src/crypto/ed25519.js';
import { MerkleTree, merkleRoot, verifyMerkleInclusion } from '../../src/crypto/merkle.js';
import { ed25519BatchItemsMax } from '../../src/limits.js';
import {
  merkleInlineLeavesMax,
  sha256InlineBlocksMax,
  verifyChunkCount,
  verifyInlineItemsMax,
} from '../../src/pool/chunk-plan.js';
import { CryptoPool, poolQueueTasksDefault } from '../../src/pool/crypto-pool.js';
import { type Corruption, corrupt, corruptions } from '../support/ed25519-corruptions.js';
import { fuzzParams } from '../support/fuzz.js';

const poolThreads = 2;
/** Enough items that a 2-thread pool cuts one verification call into several worker chunks. */
const splitItems = 2_500;
/** Items per worker chunk when the pool splits `splitItems` (the edges the tests aim at). */
const chunkItems = Math.ceil(
  splitItems / verifyChunkCount(splitItems, poolThreads, poolThreads + poolQueueTasksDefault),
);
const filled = (byte: number, length = 32): Uint8Array => new Uint8Array(length).fill(byte);
const hex = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

// ---- Fixtures, made once: one signed block whose transactions also serve as the batch items.

const keys = Array.from({ length: 6 }, () => ed25519GenerateKeyPair());
const txs: Transaction[] = Array.from({ length: splitItems }, (_, i) => {
  const key = keys[i % keys.length] as (typeof keys)[number];
  const op =
    i % 3 === 0
      ? ({ type: 'transfer', to: filled(i & 0xff), amount: i } as const)
      : i % 3 === 1
        ? ({ type: 'register', role: 'supplier', name: `supplier ${i} \u4e2d`, publicKey: filled(7) } as const)
        : ({ type: 'financeReceivable', receivableId: filled(i & 0xff), price: 2 ** 53 - 1 - i } as const);
  return signTransaction({ chainId: 'backend-test', sender: key.publicKey, nonce: i + 1, op }, key.secretKey);
});
const blockBytes = encodeBlock(
  {
    height: 7,
    previousHash: filled(1),
    timestampMs: 1,
    proposer: filled(2),
    txCount: txs.length,
    txRoot: filled(3),
    receiptsRoot: filled(4),
    stateRoot: filled(5),
    previousCertificateHash: new Uint8Array(32),
  },
  new Uint8Array(0),
  txs.map(encodeTransaction),
);
const baseItems: Ed25519BatchItem[] = txs.map((tx) => ({
  publicKey: tx.sender,
  message: transactionSigningMessage(tx),
  signature: tx.signature,
}));

const single = (item: Ed25519BatchItem): boolean => ed25519Verify(item.publicKey, item.message, item.signature);

/** `size` base items from `offset` (wrapping), with `edits` corruptions, and their single verdicts. */
function mix(size: number, offset: number, edits: readonly [number, Corruption, number][]) {
  const items = Array.from({ length: size }, (_, i) => baseItems[(offset + i) % baseItems.length] as Ed25519BatchItem);
  const corrupted = new Set<number>();
  for (const [at, how, pick] of edits) {
    if (size === 0) break;
    items[at % size] = corrupt(items[at % size] as Ed25519BatchItem, how, pick, keys);
    corrupted.add(at % size);
  }
  // Every base item is valid (checked once below); only corrupted ones need verifying here.
  const verdicts = items.map((item, i) => (corrupted.has(i) ? single(item) : true));
  return { items, verdicts };
}

const arbMix = fc.tuple(
  fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: splitItems })),
  fc.nat(splitItems),
  fc.array(fc.tuple(fc.nat(), fc.constantFrom(...corruptions), fc.nat()), { maxLength: 12 }),
);

it('every base item verifies singly (the fixture the verdict properties lean on)', () => {
  expect(baseItems.every(single)).toBe(true);
});

it(`${splitItems} items are split into several chunks by a ${poolThreads}-thread pool`, () => {
  expect(splitItems).toBeGreaterThan(verifyInlineItemsMax);
  expect(chunkItems).toBeLessThan(splitItems);
});

/** The shared suite: every backend must pass all of it. */
function describeBackend(
  name: string,
  makeBackend: () => CryptoBackend,
  closeBackend: (backend: CryptoBackend) => Promise<void>,
): void {
  describe(`CryptoBackend: ${name}`, () => {
    let backend: CryptoBackend;
    beforeAll(() => {
      backend = makeBackend();
    });
    afterAll(async () => {
      await closeBackend(backend);
    });

    it('sha256Many equals node:crypto per message, small calls and calls split by work', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.nat(300), { maxLength: 3000 }), fc.nat(255), async (lengths, seed) => {
          const messages = lengths.map((length, i) =>
            Uint8Array.from({ length }, (_, j) => (seed + i * 31 + j) & 0xff),
          );
          const digests = await backend.sha256Many(messages);
          expect(digests.map(hex)).toEqual(messages.map((m) => createHash('sha256').update(m).digest('hex')));
        }),
        fuzzParams(0.1),
      );
      // ~12,000 blocks of work: past the pool's inline limit, so it is split.
      const messages = Array.from({ length: 3000 }, (_, i) =>
        Uint8Array.from({ length: 200 + (i % 57) }, (_, j) => i ^ j),
      );
      expect(messages.reduce((blocks, m) => blocks + Math.ceil((m.length + 9) / 64), 0)).toBeGreaterThan(
        2 * sha256InlineBlocksMax,
      );
      const digests = await backend.sha256Many(messages);
      expect(digests.map(hex)).toEqual(messages.map((m) => createHash('sha256').update(m).digest('hex')));
    });

    it('merkleRoot equals the inline merkleRoot, below and above the pool’s inline limit', async () => {
      const leaves = Array.from({ length: 2 * merkleInlineLeavesMax + 5 }, (_, i) =>
        Uint8Array.from({ length: i % 3 === 0 ? 32 : i % 45 }, (_, j) => (i * 7 + j) & 0xff),
      );
      for (const n of [0, 1, 2, 3, 5, 64, merkleInlineLeavesMax, merkleInlineLeavesMax + 1, leaves.length]) {
        const subset = leaves.slice(0, n);
        expect([n, hex(await backend.merkleRoot(subset))]).toEqual([n, hex(merkleRoot(subset))]);
      }
    });

    it('verifyBatch gives the single verdicts on random mixes of valid and corrupted signatures', async () => {
      await fc.assert(
        fc.asyncProperty(arbMix, async ([size, offset, edits]) => {
          const { items, verdicts } = mix(size, offset, edits);
          expect(await backend.verifyBatch(items)).toEqual(verdicts);
        }),
        fuzzParams(0.05),
      );
    });

    it('verifyPackedBatch gives the single verdicts on random mixes of valid and corrupted signatures', async () => {
      await fc.assert(
        fc.asyncProperty(arbMix, async ([size, offset, edits]) => {
          const { items, verdicts } = mix(size, offset, edits);
          expect([...(await backend.verifyPackedBatch(packVerifyBatch(items)))]).toEqual(verdicts.map(Number));
        }),
        fuzzParams(0.05),
      );
    });

    it(`finds exactly the invalid items among ${splitItems}, at chunk edges too`, async () => {
      const invalid = [0, 1, chunkItems - 1, chunkItems, chunkItems + 1, 2000, splitItems - 1];
      const { items, verdicts } = mix(
        splitItems,
        0,
        invalid.map((at, k) => [at, corruptions[k % 4] as Corruption, at * 13] as [number, Corruption, number]),
      );
      expect(verdicts.flatMap((ok, i) => (ok ? [] : [i]))).toEqual(invalid);
      expect(await backend.verifyBatch(items)).toEqual(verdicts);
      expect([...(await backend.verifyPackedBatch(packVerifyBatch(items)))]).toEqual(verdicts.map(Number));
    });

    it('verifyPackedBatch over a decoded block’s signatures: all ones, then zeros exactly where bits were flipped', async () => {
      const block = decodeBlock(blockBytes);
      expect([...(await backend.verifyPackedBatch(block.signatures))]).toEqual(txs.map(() => 1));
      const flippedAt = [0, 3, chunkItems - 1, chunkItems, splitItems - 1];
      const tampered = blockBytes.slice();
      for (const [k, i] of flippedAt.entries()) {
        const tx = block.txBytes[i] as Uint8Array;
        const at = tx.byteOffset - blockBytes.byteOffset + tx.length - 64 + ((k * 23) % 64);
        tampered[at] = (tampered[at] as number) ^ (1 << k);
      }
      const tamperedBlock = decodeBlock(tampered);
      const singles = tamperedBlock.txs.map((tx) =>
        ed25519Verify(tx.sender, transactionSigningMessage(tx), tx.signature) ? 1 : 0,
      );
      expect(singles.flatMap((ok, i) => (ok ? [] : [i]))).toEqual(flippedAt);
      expect([...(await backend.verifyPackedBatch(tamperedBlock.signatures))]).toEqual(singles);
    });

    it('verifyMerkleInclusionMany gives the single verdicts, valid and wrong, inline-sized and split', async () => {
      const leaves = Array.from({ length: 600 }, (_, i) => new TextEncoder().encode(`leaf ${i}`));
      const tree = MerkleTree.fromLeaves(leaves);
      for (const count of [50, 3_000]) {
        const items = Array.from({ length: count }, (_, k) => {
          const index = (k * 31) % leaves.length;
          const proof = tree.inclusionProof(index);
          if (k % 101 === 7) return { leaf: leaves[index] as Uint8Array, proof, root: new Uint8Array(32) };
          if (k % 211 === 3)
            return {
              leaf: leaves[index] as Uint8Array,
              proof: { ...proof, path: [new Uint8Array(5)] },
              root: tree.root,
            };
          return { leaf: leaves[index] as Uint8Array, proof, root: tree.root };
        });
        const single = items.map((item) => verifyMerkleInclusion(item.leaf, item.proof, item.root));
        expect(await backend.verifyMerkleInclusionMany(items)).toEqual(single);
        expect(single.filter((v) => !v).length).toBeGreaterThan(0);
      }
    });

    it('empty batches give no verdicts', async () => {
      expect(await backend.verifyBatch([])).toEqual([]);
      expect((await backend.verifyPackedBatch(packVerifyBatch([]))).length).toBe(0);
      expect(await backend.sha256Many([])).toEqual([]);
      expect(hex(await backend.merkleRoot([]))).toBe(createHash('sha256').digest('hex'));
    });

    it('malformed packed bytes throw RangeError: truncated, wrong count, ranges outside the message area', async () => {
      for (const size of [3, splitItems]) {
        const packed = packVerifyBatch(baseItems.slice(0, size));
        const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        const withCount = (count: number) => {
          const out = packed.slice();
          view(out).setUint32(0, count, true);
          return out;
        };
        const outside = packed.slice();
        view(outside).setUint32(8 + 104 * (size - 1) + 96, view(packed).getUint32(4, true), true);
        const malformed = [
          packed.subarray(0, packed.length - 1),
          packed.subarray(0, 7),
          withCount(size + 1),
          withCount(size - 1),
          withCount(ed25519BatchItemsMax + 1),
          outside,
        ];
        for (const bad of malformed) {
          await expect(backend.verifyPackedBatch(bad)).rejects.toThrow(RangeError);
        }
      }
      await expect(backend.verifyPackedBatch('packed' as unknown as Uint8Array)).rejects.toThrow(TypeError);
    });
  });
}

describeBackend(
  'inline',
  () => inlineCrypto,
  async () => {},
);
describeBackend(
  'inline with suspicion (createInlineCrypto)',
  () => createInlineCrypto(),
  async () => {},
);
describeBackend(
  `CryptoPool (${poolThreads} threads)`,
  () => new CryptoPool({ threads: poolThreads }),
  (backend) => (backend as CryptoPool).close(),
);
