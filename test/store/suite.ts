/**
 * The block store's behaviour, as one suite run over every backend (abstract-level's habit:
 * one contract, one shared test suite). test/store/block-store.test.ts runs it over LevelDB,
 * test/store/block-store-memory.test.ts over memory-level.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { DecodedBlock } from '../../src/codec/block.js';
import { encodeReceipt, reasonCodes } from '../../src/codec/receipt.js';
import { merkleRoot } from '../../src/crypto/merkle.js';
import { stateKeyBytesMax } from '../../src/limits.js';
import {
  type BlockCommit,
  BlockStore,
  type BlockStoreOptions,
  StoreAppendError,
  StoreClosedError,
  StoreNotFoundError,
  StoreWriteError,
} from '../../src/store/index.js';
import type { StoreBackend, StoreLocation } from './backends.js';
import { TestChain } from './chain.js';

interface Opened {
  readonly store: BlockStore;
  readonly chain: TestChain;
  readonly location: StoreLocation;
}

/** Appends `count` blocks one after another, awaiting each. */
export async function appendBlocks(store: BlockStore, chain: TestChain, count: number): Promise<BlockCommit[]> {
  const commits: BlockCommit[] = [];
  for (let i = 0; i < count; i++) {
    const commit = chain.build({ withCertificate: i % 2 === 0 });
    await store.append(commit);
    chain.advance(commit);
    commits.push(commit);
  }
  return commits;
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Defines the shared suite for `backend`. */
export function blockStoreSuite(backend: StoreBackend): void {
  describe(`BlockStore over ${backend.name}`, () => {
    afterAll(() => backend.cleanup());

    async function initialized(options?: BlockStoreOptions, location?: StoreLocation): Promise<Opened> {
      const where = location ?? (await backend.location());
      const store = await BlockStore.open(where, options);
      const chain = new TestChain();
      await store.initialize(chain.genesisBytes, chain.block0);
      chain.advance(chain.block0);
      return { store, chain, location: where };
    }

    it('a new store is empty; initialize writes the genesis, block 0 and its state in one batch', async () => {
      const store = await BlockStore.open(await backend.location());
      expect(store.head).toBeUndefined();
      expect(await store.genesisBytes()).toBeUndefined();
      expect(await store.blockByHeight(0)).toBeUndefined();
      expect(await collect(store.blocks())).toEqual([]);
      expect(await collect(store.stateEntries())).toEqual([]);
      const chain = new TestChain();
      await store.initialize(chain.genesisBytes, chain.block0);
      expect(store.stats.batchesWritten).toBe(1);
      expect(store.head?.height).toBe(0);
      expect(store.head?.hash).toEqual(chain.block0.block.hash);
      expect(await store.genesisBytes()).toEqual(chain.genesisBytes);
      expect((await store.blockByHeight(0))?.bytes).toEqual(chain.block0.block.bytes);
      expect(await store.receipts(0)).toEqual([]);
      expect(await collect(store.stateEntries())).toHaveLength(chain.members.length);
      await expect(store.initialize(chain.genesisBytes, chain.block0)).rejects.toThrow(/already holds a chain/);
      await store.close();
    });

    it('refuses an append before initialize, and a block 0 that does not follow the genesis', async () => {
      const store = await BlockStore.open(await backend.location());
      const chain = new TestChain();
      chain.advance(chain.block0);
      await expect(store.append(chain.build())).rejects.toThrow(StoreAppendError);
      const other = new TestChain();
      await expect(store.initialize(other.genesisBytes, chain.block0)).rejects.toThrow(/SHA-256 of the genesis/);
      await expect(store.initialize(randomBytes(40), chain.block0)).rejects.toThrow(/genesis does not decode/);
      expect(store.head).toBeUndefined();
      expect(store.stats.batchesWritten).toBe(0);
      await store.close();
    });

    it('reads back what it appended: blocks by height and hash, tx locations, receipts, certificates', async () => {
      const { store, chain } = await initialized();
      const commits = await appendBlocks(store, chain, 4);
      expect(store.head).toEqual({
        height: 4,
        hash: chain.tip.hash,
        stateRoot: chain.tip.header.stateRoot,
      });
      for (const [i, commit] of commits.entries()) {
        const height = i + 1;
        const block = await store.blockByHeight(height);
        expect(block?.bytes).toEqual(commit.block.bytes);
        expect((await store.blockByHash(commit.block.hash))?.header.height).toBe(height);
        expect(await store.receipts(height)).toEqual(commit.receipts.map((r) => ({ txId: r.txId, code: r.code })));
        for (const [index, txId] of commit.txIds.entries()) {
          expect(await store.txLocation(txId)).toEqual({ height, index });
          const stored = await store.transaction(txId);
          expect(stored?.bytes).toEqual(commit.block.txBytes[index]);
          expect(stored).toMatchObject({ height, index, code: commit.receipts[index]?.code });
          expect(stored?.blockHash).toEqual(commit.block.hash);
          expect(stored?.tx.nonce).toBe(commit.block.txs[index]?.nonce);
        }
        expect(await store.certificate(height)).toEqual(commit.certificate);
      }
      expect(await store.blockByHeight(5)).toBeUndefined();
      expect(await store.blockByHash(randomBytes(32))).toBeUndefined();
      expect(await store.txLocation(randomBytes(32))).toBeUndefined();
      expect(await store.transaction(randomBytes(32))).toBeUndefined();
      expect(await store.receipts(5)).toBeUndefined();
      await store.close();
    });

    it('a chain of 50 blocks reads back in full after reopening', async () => {
      const { store, chain, location } = await initialized();
      const commits = await appendBlocks(store, chain, 50);
      const head = store.head;
      await store.close();
      const reopened = await BlockStore.open(location);
      expect(reopened.head).toEqual(head);
      expect(await reopened.genesisBytes()).toEqual(chain.genesisBytes);
      const blocks = await collect(reopened.blocks());
      expect(blocks.map((block) => block.header.height)).toEqual([...Array(51).keys()]);
      for (const [i, block] of blocks.entries()) expect(block.bytes).toEqual(chain.blocks[i]?.bytes);
      for (const [i, commit] of commits.entries()) {
        expect(await reopened.receipts(i + 1)).toHaveLength(commit.receipts.length);
        expect(await reopened.txLocation(commit.txIds[2] as Uint8Array)).toEqual({ height: i + 1, index: 2 });
      }
      await appendBlocks(reopened, chain, 1);
      expect(reopened.head?.height).toBe(51);
      await reopened.close();
    });

    const refusals: ReadonlyArray<readonly [string, (chain: TestChain) => BlockCommit, RegExp]> = [
      ['a height that skips one', (c) => c.build({ header: { height: c.tip.header.height + 2 } }), /does not follow/],
      ['a wrong previous hash', (c) => c.build({ header: { previousHash: randomBytes(32) } }), /previousHash/],
      ['a wrong tx root', (c) => c.build({ header: { txRoot: randomBytes(32) } }), /header\.txRoot/],
      [
        'tx ids that are not the hashes of the tx bytes',
        (c) => {
          const commit = c.build();
          const fake = randomBytes(32);
          const receipts = commit.receipts.map((r, i) => (i === 0 ? { txId: fake, code: r.code } : r));
          return { ...commit, txIds: [fake, ...commit.txIds.slice(1)], receipts };
        },
        /txIds\[0\] is not SHA-256/,
      ],
      [
        'a receipt naming another transaction',
        (c) => {
          const commit = c.build();
          const receipts = commit.receipts.map((r, i) =>
            i === 1 ? { txId: commit.txIds[0] as Uint8Array, code: r.code } : r,
          );
          return { ...commit, receipts };
        },
        /receipts\[1\]\.txId is not txIds\[1\]/,
      ],
      [
        'receipt codes the receipts root does not commit to',
        (c) => {
          const commit = c.build();
          return { ...commit, receipts: commit.receipts.map((r) => ({ txId: r.txId, code: reasonCodes.staleNonce })) };
        },
        /receipts root/,
      ],
      ['a missing receipt', (c) => ({ ...c.build(), receipts: [] }), /0 receipts for 3 transactions/],
      [
        'an unknown receipt code',
        (c) => {
          const commit = c.build();
          return { ...commit, receipts: commit.receipts.map((r) => ({ txId: r.txId, code: 200 as 0 })) };
        },
        /not a known reason code/,
      ],
      ["a state root that is not the header's", (c) => ({ ...c.build(), stateRoot: randomBytes(32) }), /state root/],
      [
        'a previous certificate hash that does not match',
        (c) => c.build({ header: { previousCertificateHash: randomBytes(32) } }),
        /previousCertificateHash/,
      ],
      [
        'a previous certificate for another block',
        (c) => c.build({ previousCertificate: c.certificate(c.blocks[c.blocks.length - 2] as DecodedBlock) }),
        /previous certificate names block/,
      ],
      [
        'its own certificate naming another block',
        (c) => ({ ...c.build(), certificate: c.certificate(c.tip) }),
        /its certificate names height/,
      ],
      [
        'a state key over the limit',
        (c) => c.build({ stateWrites: [{ key: new Uint8Array(stateKeyBytesMax + 1), value: Uint8Array.of(1) }] }),
        /stateWrites\[0\]\.key/,
      ],
    ];

    it.each(refusals)(
      'refuses %s with StoreAppendError, writes nothing, and appends the next valid block',
      async (_, bad, message) => {
        const { store, chain } = await initialized();
        await appendBlocks(store, chain, 2);
        const head = store.head;
        const batches = store.stats.batchesWritten;
        const commit = bad(chain);
        const refused = store.append(commit);
        await expect(refused).rejects.toThrow(StoreAppendError);
        await expect(refused).rejects.toThrow(message);
        await expect(refused).rejects.toMatchObject({ code: 'STORE_APPEND' });
        expect(store.head).toEqual(head);
        expect(store.stats.batchesWritten).toBe(batches);
        expect(await store.blockByHeight(3)).toBeUndefined();
        expect(await store.blockByHash(commit.block.hash)).toBeUndefined();
        for (const txId of commit.txIds) expect(await store.txLocation(txId)).toBeUndefined();
        for (const write of commit.stateWrites) {
          if (write.key.length <= stateKeyBytesMax) expect(await store.getState(write.key)).toBeUndefined();
        }
        expect((await store.blockByHeight(2))?.hash).toEqual(chain.tip.hash);
        const next = chain.build();
        await store.append(next);
        expect(store.head?.height).toBe(3);
        expect((await store.blockByHeight(3))?.bytes).toEqual(next.block.bytes);
        await store.close();
      },
    );

    it('appends issued without awaiting all land, several blocks per synced batch', async () => {
      const { store, chain } = await initialized();
      const before = store.stats.batchesWritten;
      const commits: BlockCommit[] = [];
      const appends: Promise<void>[] = [];
      for (let i = 0; i < 20; i++) {
        const commit = chain.build();
        appends.push(store.append(commit));
        chain.advance(commit);
        commits.push(commit);
      }
      expect(store.head?.height).toBe(0);
      await Promise.all(appends);
      const batches = store.stats.batchesWritten - before;
      expect(batches).toBeGreaterThanOrEqual(1);
      expect(batches).toBeLessThan(20);
      expect(store.stats.blocksWritten).toBe(21);
      expect(store.head?.height).toBe(20);
      const blocks = await collect(store.blocks(1));
      expect(blocks.map((block) => block.bytes)).toEqual(commits.map((commit) => commit.block.bytes));
      await store.close();
    });

    it('with groupCommit off, every append is its own batch', async () => {
      const { store, chain } = await initialized({ groupCommit: false });
      const appends: Promise<void>[] = [];
      for (let i = 0; i < 20; i++) {
        const commit = chain.build();
        appends.push(store.append(commit));
        chain.advance(commit);
      }
      await Promise.all(appends);
      expect(store.stats.batchesWritten).toBe(21);
      expect(store.head?.height).toBe(20);
      await store.close();
    });

    it('a refused append in a burst leaves the appends around it to land', async () => {
      const { store, chain } = await initialized();
      const first = chain.build();
      chain.advance(first);
      const bad = chain.build({ header: { txRoot: randomBytes(32) } });
      const second = chain.build();
      chain.advance(second);
      const results = await Promise.allSettled([store.append(first), store.append(bad), store.append(second)]);
      expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(store.head?.height).toBe(2);
      expect((await store.blockByHeight(2))?.bytes).toEqual(second.block.bytes);
      await store.close();
    });

    it('state writes and deletes are visible through getState and stateEntries, in key order', async () => {
      const { store, chain } = await initialized();
      const key = (n: number) => Uint8Array.of(9, n);
      const first = chain.build({
        stateWrites: [
          { key: key(3), value: Uint8Array.of(30) },
          { key: key(1), value: Uint8Array.of(10) },
          { key: key(2), value: Uint8Array.of(20) },
        ],
      });
      await store.append(first);
      chain.advance(first);
      const second = chain.build({
        stateWrites: [
          { key: key(2), value: undefined },
          { key: key(1), value: Uint8Array.of(11) },
          { key: key(4), value: new Uint8Array(0) },
        ],
      });
      await store.append(second);
      chain.advance(second);
      expect(await store.getState(key(1))).toEqual(Uint8Array.of(11));
      expect(await store.getState(key(2))).toBeUndefined();
      expect(await store.getState(key(4))).toEqual(new Uint8Array(0));
      const entries = (await collect(store.stateEntries())).filter(([k]) => k[0] === 9);
      expect(entries).toEqual([
        [key(1), Uint8Array.of(11)],
        [key(3), Uint8Array.of(30)],
        [key(4), new Uint8Array(0)],
      ]);
      await store.close();
    });

    it('the tx index points at the occurrence that consumed the nonce, else the first', async () => {
      const { store, chain } = await initialized();
      const [replayed, gapped] = chain.transfers(2) as [Uint8Array, Uint8Array];
      const commits: BlockCommit[] = [];
      const add = async (txBytes: Uint8Array[], codes: (typeof reasonCodes)[keyof typeof reasonCodes][]) => {
        const commit = chain.build({ txBytes, codes });
        commits.push(commit);
        await store.append(commit);
        chain.advance(commit);
        return commit;
      };
      // Height 1: `replayed` applied; `gapped` refused. Height 2: both again — `replayed` refused as a
      // replay, `gapped` applied; and `gapped` once more in the same block, refused.
      const one = await add([replayed, gapped], [reasonCodes.ok, reasonCodes.nonceGap]);
      await add([replayed, gapped, gapped], [reasonCodes.staleNonce, reasonCodes.ok, reasonCodes.staleNonce]);
      expect(await store.txLocation(one.txIds[0] as Uint8Array)).toEqual({ height: 1, index: 0 });
      expect(await store.txLocation(one.txIds[1] as Uint8Array)).toEqual({ height: 2, index: 1 });
      // The same rule across one group-committed batch.
      const [a] = chain.transfers(1) as [Uint8Array];
      const x = chain.build({ txBytes: [a], codes: [reasonCodes.nonceGap] });
      chain.advance(x);
      const y = chain.build({ txBytes: [a, a], codes: [reasonCodes.ok, reasonCodes.staleNonce] });
      chain.advance(y);
      await Promise.all([store.append(x), store.append(y)]);
      expect(await store.txLocation(x.txIds[0] as Uint8Array)).toEqual({ height: 4, index: 0 });
      await store.close();
    });

    it('putCertificate stores and replaces a certificate, and refuses one that names another block', async () => {
      const { store, chain } = await initialized();
      await appendBlocks(store, chain, 3);
      const block2 = chain.blocks[2];
      if (block2 === undefined) throw new Error('no block 2');
      expect(await store.certificate(2)).toBeUndefined();
      const certificate = chain.certificate(block2);
      await store.putCertificate(2, certificate);
      expect(await store.certificate(2)).toEqual(certificate);
      const replacement = chain.certificate(block2, 1);
      await store.putCertificate(2, replacement);
      expect(await store.certificate(2)).toEqual(replacement);
      await expect(store.putCertificate(3, certificate)).rejects.toThrow(/names height 2, not 3/);
      await expect(
        store.putCertificate(1, chain.certificate({ ...block2, header: { ...block2.header, height: 1 } })),
      ).rejects.toThrow(/not the block stored at height 1/);
      await expect(store.putCertificate(4, certificate)).rejects.toThrow(/no block at height 4/);
      await expect(store.putCertificate(2, randomBytes(50))).rejects.toThrow(/does not decode/);
      // A certificate for a block still queued goes into the same or the next batch.
      const next = chain.build();
      const appended = store.append(next);
      const certified = store.putCertificate(4, chain.certificate(next.block));
      await Promise.all([appended, certified]);
      expect(await store.certificate(4)).toEqual(chain.certificate(next.block));
      await store.close();
    });

    it('close waits for queued appends: everything accepted is written', async () => {
      const { store, chain, location } = await initialized();
      const appends: Promise<void>[] = [];
      for (let i = 0; i < 10; i++) {
        const commit = chain.build();
        appends.push(store.append(commit));
        chain.advance(commit);
      }
      await store.close();
      await Promise.all(appends);
      expect(store.head?.height).toBe(10);
      const reopened = await BlockStore.open(location);
      expect(reopened.head?.hash).toEqual(chain.tip.hash);
      await reopened.close();
    });

    it('every call after close throws StoreClosedError', async () => {
      const { store, chain } = await initialized();
      await appendBlocks(store, chain, 1);
      const closing = store.close();
      const calls: Array<() => Promise<unknown>> = [
        () => store.append(chain.build()),
        () => store.initialize(chain.genesisBytes, chain.block0),
        () => store.putCertificate(1, chain.certificate(chain.tip)),
        () => store.blockByHeight(0),
        () => store.blockByHash(chain.tip.hash),
        () => store.txLocation(randomBytes(32)),
        () => store.receipts(1),
        () => store.certificate(0),
        () => store.getState(Uint8Array.of(1)),
        () => store.genesisBytes(),
        () => collect(store.stateEntries()),
        () => collect(store.blocks()),
      ];
      for (const call of calls) await expect(call()).rejects.toMatchObject({ code: 'STORE_CLOSED' });
      await closing;
      await expect(store.blockByHeight(1)).rejects.toThrow(StoreClosedError);
      await store.close();
    });

    it('blocks() yields a height range in order and can be left early', async () => {
      const { store, chain } = await initialized();
      await appendBlocks(store, chain, 40);
      expect((await collect(store.blocks(3, 5))).map((block) => block.header.height)).toEqual([3, 4, 5]);
      expect((await collect(store.blocks(38, 1000))).map((block) => block.header.height)).toEqual([38, 39, 40]);
      expect(await collect(store.blocks(41))).toEqual([]);
      let seen = 0;
      for await (const block of store.blocks(10)) {
        expect(block.header.height).toBe(10 + seen);
        if (++seen === 20) break;
      }
      expect(seen).toBe(20);
      await expect(collect(store.blocks(-1))).rejects.toThrow(RangeError);
      await store.close();
    });

    it('a failed batch rejects its appends with StoreWriteError; the store refuses writes until reopened', async () => {
      const location = await backend.location();
      const database = backend.database(location);
      let failing = false;
      database.hooks.prewrite.add(() => {
        if (failing) throw new Error('simulated I/O error');
      });
      const { store, chain } = await initialized(undefined, database);
      await appendBlocks(store, chain, 2);
      const head = store.head;
      failing = true;
      const first = chain.build();
      chain.advance(first);
      const second = chain.build();
      const results = await Promise.allSettled([store.append(first), store.append(second)]);
      for (const result of results) {
        expect(result.status).toBe('rejected');
        expect((result as PromiseRejectedResult).reason).toBeInstanceOf(StoreWriteError);
      }
      failing = false;
      await expect(store.append(second)).rejects.toMatchObject({ code: 'STORE_WRITE' });
      expect(store.head).toEqual(head);
      expect((await store.blockByHeight(2))?.hash).toEqual(head?.hash);
      await store.close();
      const reopened = await BlockStore.open(database);
      expect(reopened.head).toEqual(head);
      chain.rewind(2);
      await appendBlocks(reopened, chain, 1);
      expect(reopened.head?.height).toBe(3);
      await reopened.close();
    });

    it('create: false refuses a location without a store, and opens one that has it', async () => {
      const location = await backend.location();
      await expect(BlockStore.open(location, { create: false })).rejects.toThrow(StoreNotFoundError);
      await expect(BlockStore.open(location, { create: false })).rejects.toMatchObject({ code: 'STORE_NOT_A_STORE' });
      const { store, chain } = await initialized(undefined, location);
      await appendBlocks(store, chain, 1);
      await store.close();
      const reopened = await BlockStore.open(location, { create: false });
      expect(reopened.head?.height).toBe(1);
      await reopened.close();
    });

    it("the receipts root over the stored receipts is the header's (a negative control for the receipts check)", async () => {
      const { store, chain } = await initialized();
      const [commit] = await appendBlocks(store, chain, 1);
      const receipts = await store.receipts(1);
      expect(merkleRoot((receipts ?? []).map(encodeReceipt))).toEqual(commit?.block.header.receiptsRoot);
      await store.close();
    });
  });
}
