/**
 * Tampering with a closed store's LevelDB directly (with `level`, through the store's own
 * key layouts) and checking the store notices: on read for a block's bytes or indexes (the
 * read half of the pair assertion), on open for the head, the genesis and the blocks the
 * head points to. The first test is the negative control: the untouched store reads fine.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeBlock } from '../../src/codec/block.js';
import { openSublevels, type StoreDatabase, type Sublevels } from '../../src/store/database.js';
import { BlockStore, StoreCorruptError, StoreNotFoundError } from '../../src/store/index.js';
import { decodeHead, encodeHashEntry, encodeHead, encodeTxEntry, heightKey, metaKeys } from '../../src/store/keys.js';
import { TestChain } from './chain.js';
import { appendBlocks } from './suite.js';

const directories: string[] = [];
afterAll(() => Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true }))));

/** A closed store of blocks 0..10 in a fresh directory. */
async function storeOfTenBlocks(): Promise<{ directory: string; chain: TestChain }> {
  const directory = await mkdtemp(join(tmpdir(), 'consortium-ledger-tamper-'));
  directories.push(directory);
  const store = await BlockStore.open(directory);
  const chain = new TestChain();
  await store.initialize(chain.genesisBytes, chain.block0);
  chain.advance(chain.block0);
  await appendBlocks(store, chain, 10);
  await store.close();
  return { directory, chain };
}

/** Opens the directory with `level` and hands `change` the store's sublevels. */
async function tamper(directory: string, change: (sublevels: Sublevels) => Promise<unknown>): Promise<void> {
  const db = new Level<Uint8Array, Uint8Array>(directory, { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open();
  try {
    await change(openSublevels(db as StoreDatabase));
  } finally {
    await db.close();
  }
}

async function storedBlock(sublevels: Sublevels, height: number): Promise<Uint8Array> {
  const bytes = await sublevels.block.get(heightKey(height));
  if (bytes === undefined) throw new Error(`no block ${height}`);
  return Uint8Array.from(bytes);
}

describe('BlockStore over a tampered LevelDB', () => {
  it('reads an untouched store in full (negative control)', async () => {
    const { directory, chain } = await storeOfTenBlocks();
    const store = await BlockStore.open(directory);
    let count = 0;
    for await (const block of store.blocks()) expect(block.bytes).toEqual(chain.blocks[count++]?.bytes);
    expect(count).toBe(11);
    await store.close();
  });

  const blockTampers: ReadonlyArray<readonly [string, (sublevels: Sublevels) => Promise<unknown>, RegExp]> = [
    [
      'a header byte flipped',
      async (s) => {
        const bytes = await storedBlock(s, 5);
        bytes[45] = (bytes[45] as number) ^ 1; // inside timestampMs
        await s.block.put(heightKey(5), bytes);
      },
      /block 5: its hash [0-9a-f]+ is not in the hash index/,
    ],
    [
      'a transaction byte flipped',
      async (s) => {
        const bytes = await storedBlock(s, 5);
        bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1; // the last signature
        await s.block.put(heightKey(5), bytes);
      },
      /block 5: its transactions do not hash to header\.txRoot/,
    ],
    [
      'the bytes truncated',
      async (s) => s.block.put(heightKey(5), (await storedBlock(s, 5)).subarray(0, 100)),
      /block 5 does not decode/,
    ],
    [
      "another block's bytes",
      async (s) => s.block.put(heightKey(5), await storedBlock(s, 6)),
      /block 5: its header says height 6/,
    ],
    [
      'its hash index entry pointing elsewhere',
      async (s) => {
        await s.hash.put(decodeBlock(await storedBlock(s, 5)).hash, encodeHashEntry(4));
      },
      /block 5: its hash [0-9a-f]+ is indexed at height 4/,
    ],
  ];

  it.each(blockTampers)('a block with %s reads as StoreCorruptError naming its height', async (_, change, message) => {
    const { directory } = await storeOfTenBlocks();
    await tamper(directory, change);
    const store = await BlockStore.open(directory);
    expect((await store.blockByHeight(4))?.header.height).toBe(4);
    await expect(store.blockByHeight(5)).rejects.toThrow(StoreCorruptError);
    await expect(store.blockByHeight(5)).rejects.toThrow(message);
    const iterated = (async () => {
      for await (const _block of store.blocks()) {
        // read through
      }
    })();
    await expect(iterated).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
    await store.close();
  });

  const openTampers: ReadonlyArray<readonly [string, (sublevels: Sublevels) => Promise<unknown>, RegExp]> = [
    [
      "the head's block deleted",
      (s) => s.block.del(heightKey(10)),
      /head names block 10 but the highest stored block is 9/,
    ],
    [
      'the head moved down to block 7 (a block above the head)',
      async (s) => {
        const block7 = decodeBlock(await storedBlock(s, 7));
        await s.meta.put(
          metaKeys.head,
          encodeHead({ height: 7, hash: block7.hash, stateRoot: block7.header.stateRoot }),
        );
      },
      /block 10 is stored above the head height 7/,
    ],
    [
      'the head hash changed',
      async (s) => {
        const head = decodeHead(Uint8Array.from((await s.meta.get(metaKeys.head)) as Uint8Array));
        await s.meta.put(metaKeys.head, encodeHead({ ...head, hash: new Uint8Array(32).fill(7) }));
      },
      /the head names hash 0707[0-9a-f]* at height 10, but block 10 hashes to/,
    ],
    [
      'the head state root changed',
      async (s) => {
        const head = decodeHead(Uint8Array.from((await s.meta.get(metaKeys.head)) as Uint8Array));
        await s.meta.put(metaKeys.head, encodeHead({ ...head, stateRoot: new Uint8Array(32) }));
      },
      /state root is not block 10's header\.stateRoot/,
    ],
    [
      'the head record garbled',
      (s) => s.meta.put(metaKeys.head, Uint8Array.of(1, 2, 3)),
      /head record does not decode/,
    ],
    ['the head deleted', (s) => s.meta.del(metaKeys.head), /holds a genesis but no head/],
    ['the genesis deleted', (s) => s.meta.del(metaKeys.genesis), /has a head \(height 10\) but no genesis/],
    [
      "the genesis swapped for another consortium's",
      (s) => s.meta.put(metaKeys.genesis, new TestChain().genesisBytes),
      /block 0: previousHash is not SHA-256 of the stored genesis/,
    ],
    [
      'a block written above the head',
      async (s) => s.block.put(heightKey(11), await storedBlock(s, 3)),
      /block 11 is stored above/,
    ],
    ["the head block's receipts deleted", (s) => s.receipt.del(heightKey(10)), /block 10 \(the head\) has no receipts/],
    ['the format marker changed', (s) => s.meta.put(metaKeys.format, Uint8Array.of(99)), /store format version 99/],
  ];

  it.each(openTampers)('open refuses a store with %s (StoreCorruptError)', async (_, change, message) => {
    const { directory } = await storeOfTenBlocks();
    await tamper(directory, change);
    const opened = BlockStore.open(directory);
    await expect(opened).rejects.toThrow(StoreCorruptError);
    await expect(BlockStore.open(directory)).rejects.toThrow(message);
    // A refused open releases the directory: LevelDB can open it again.
    await tamper(directory, async () => undefined);
  });

  it('a transaction read by id checks its bytes, its block header and the hash index', async () => {
    const { directory, chain } = await storeOfTenBlocks();
    const block = chain.blocks[4] as NonNullable<(typeof chain.blocks)[number]>;
    const txBytes = block.txBytes[1] as Uint8Array;
    const txId = new Uint8Array(createHash('sha256').update(txBytes).digest());
    const offset = txBytes.byteOffset - block.bytes.byteOffset;
    let store = await BlockStore.open(directory);
    expect((await store.transaction(txId))?.bytes).toEqual(txBytes);
    await store.close();
    // A flipped byte inside the transaction: it no longer hashes to its id.
    await tamper(directory, async ({ block: blocks }) => {
      const bytes = await storedBlock({ block: blocks } as Sublevels, 4);
      bytes[offset + 40] = (bytes[offset + 40] as number) ^ 1;
      await blocks.put(heightKey(4), bytes);
    });
    store = await BlockStore.open(directory);
    await expect(store.transaction(txId)).rejects.toThrow(StoreCorruptError);
    await expect(store.transaction(txId)).rejects.toThrow(/do not hash to the id/);
    await store.close();
    // The tx index pointing outside the block.
    await tamper(directory, async ({ tx }) => {
      await tx.put(txId, encodeTxEntry({ height: 4, index: 1, code: 0, offset: 1 << 30, length: 10 }));
    });
    store = await BlockStore.open(directory);
    await expect(store.transaction(txId)).rejects.toThrow(/outside the block/);
    await store.close();
  });

  it('state entries without a head make an empty store corrupt', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'consortium-ledger-tamper-'));
    directories.push(directory);
    await (await BlockStore.open(directory)).close();
    await tamper(directory, (s) => s.state.put(Uint8Array.of(1), Uint8Array.of(2)));
    await expect(BlockStore.open(directory)).rejects.toThrow(/holds state entries but no head/);
  });

  it('garbled receipts and a certificate of another block read as StoreCorruptError', async () => {
    const { directory, chain } = await storeOfTenBlocks();
    await tamper(directory, async (s) => {
      await s.receipt.put(heightKey(4), Uint8Array.of(1, 2, 3));
      await s.cert.put(heightKey(3), chain.certificate(chain.blocks[2] as (typeof chain.blocks)[number]));
    });
    const store = await BlockStore.open(directory);
    await expect(store.receipts(4)).rejects.toThrow(/block 4's receipts does not decode/);
    await expect(store.certificate(3)).rejects.toThrow(/block 3: its stored certificate names another block/);
    expect(await store.receipts(5)).toHaveLength(3);
    await store.close();
  });

  it('a LevelDB database that is not a block store is refused with StoreNotFoundError', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'consortium-ledger-tamper-'));
    directories.push(directory);
    const db = new Level(directory);
    await db.put('some', 'other application');
    await db.close();
    await expect(BlockStore.open(directory)).rejects.toThrow(StoreNotFoundError);
    await expect(BlockStore.open(directory)).rejects.toThrow(/not a consortium-ledger block store/);
  });
});
