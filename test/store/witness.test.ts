/**
 * Nothing lost silently (issue 21, item 1; DESIGN decision 13): the head witness beside the
 * LevelDB files says what the store acknowledged; a store whose database lost acknowledged
 * writes — a damaged log record LevelDB's recovery would skip, a database gone — is refused
 * with `StoreLossError` (code STORE_CORRUPT) naming the heights, never opened as a shorter
 * chain or as empty, and the files are left as they were. A store opened to read only never
 * changes its files. The first test is the negative control: an intact store opens and the
 * witness follows every batch.
 */
import { mkdtemp, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { afterAll, describe, expect, it } from 'vitest';
import { openSublevels, type StoreDatabase } from '../../src/store/database.js';
import {
  BlockStore,
  StoreCorruptError,
  StoreLockedError,
  StoreLossError,
  StoreReadOnlyError,
} from '../../src/store/index.js';
import { metaKeys } from '../../src/store/keys.js';
import { scanLogs } from '../../src/store/leveldb-log.js';
import {
  encodeWitnessSlot,
  readWitness,
  type Witness,
  witnessFileName,
  witnessSlotBytes,
} from '../../src/store/witness.js';
import { fileLike, fingerprint, flipByte } from '../support/store-files.js';
import { TestChain } from './chain.js';
import { appendBlocks } from './suite.js';

const directories: string[] = [];
afterAll(() => Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true }))));

async function freshDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'consortium-ledger-witness-'));
  directories.push(directory);
  return directory;
}

/** A closed store of blocks 0..`count` (each of `txCount` transfers) in a fresh directory. */
async function closedStore(count: number, txCount = 3): Promise<{ directory: string; chain: TestChain }> {
  const directory = await freshDirectory();
  const store = await BlockStore.open(directory);
  const chain = new TestChain();
  await store.initialize(chain.genesisBytes, chain.block0);
  chain.advance(chain.block0);
  for (let i = 0; i < count; i++) {
    const commit = chain.build({ txCount, withCertificate: true });
    await store.append(commit);
    chain.advance(commit);
  }
  await store.close();
  return { directory, chain };
}

async function writeWitness(directory: string, witness: Witness): Promise<void> {
  const slot = encodeWitnessSlot(witness);
  const both = new Uint8Array(2 * witnessSlotBytes);
  both.set(slot, 0);
  both.set(slot, witnessSlotBytes);
  await writeFile(join(directory, witnessFileName), both);
}

describe('the head witness', () => {
  it('follows every batch: the durable head and the number of batches (negative control: an intact store opens)', async () => {
    const directory = await freshDirectory();
    const store = await BlockStore.open(directory);
    const chain = new TestChain();
    await store.initialize(chain.genesisBytes, chain.block0);
    chain.advance(chain.block0);
    await appendBlocks(store, chain, 3);
    // Creation (format marker), block 0, three blocks: five batches.
    expect(await readWitness(directory)).toEqual({ sequence: 5, height: 3, hash: chain.blocks[3]?.hash });
    await store.writeReplicaRecords([{ key: 'view', value: Uint8Array.of(1) }]);
    expect(await readWitness(directory)).toMatchObject({ sequence: 6, height: 3 });
    await store.close();
    const reopened = await BlockStore.open(directory);
    expect(reopened.head?.height).toBe(3);
    expect(reopened.witnessAtOpen).toEqual({ sequence: 6, height: 3 });
    await reopened.close();
  });

  it('a torn slot leaves the other, one batch older; no slot whose checksum holds is STORE_CORRUPT naming the file', async () => {
    const { directory } = await closedStore(2);
    const witness = (await readWitness(directory)) as Witness;
    const newer = (witness.sequence % 2) * witnessSlotBytes;
    await flipByte(join(directory, witnessFileName), newer + 20);
    expect(await readWitness(directory)).toMatchObject({ sequence: witness.sequence - 1, height: 1 });
    await flipByte(join(directory, witnessFileName), witnessSlotBytes - newer + 20);
    await expect(readWitness(directory)).rejects.toThrow(StoreCorruptError);
    await expect(BlockStore.open(directory)).rejects.toThrow(/HEAD-WITNESS: the head witness is damaged/);
  });

  it('a damaged last log record: open refuses with StoreLossError naming the height, and leaves the files as they were', async () => {
    const { directory } = await closedStore(10);
    const log = await fileLike(directory, /\.log$/);
    await flipByte(log, -20);
    const before = await fingerprint(directory);
    for (const options of [{}, { readOnly: true }, { create: false }]) {
      const opening = BlockStore.open(directory, options);
      await expect(opening).rejects.toBeInstanceOf(StoreLossError);
      await expect(BlockStore.open(directory, options)).rejects.toMatchObject({
        code: 'STORE_CORRUPT',
        lostHeights: [{ from: 10, to: 10 }],
        message: expect.stringMatching(
          /lost acknowledged writes \(heights lost: 10\): the head witness says block 10 .* holds blocks up to 9; LevelDB's recovery would drop \d+\.log: \d+ bytes at offset \d+ \(checksum mismatch\)/,
        ),
      });
    }
    expect(await fingerprint(directory)).toEqual(before);
  });

  it('a damaged first log record: never an empty store or no store, and never one to start a new chain in', async () => {
    const { directory } = await closedStore(4);
    await flipByte(await fileLike(directory, /\.log$/), 12);
    const refused = { code: 'STORE_CORRUPT', lostHeights: [{ from: 0, to: 4 }] };
    await expect(BlockStore.open(directory, { readOnly: true })).rejects.toMatchObject(refused);
    await expect(BlockStore.open(directory)).rejects.toMatchObject(refused);
  });

  it('a record dropped in the middle of the log (later ones survive) names the missing heights', async () => {
    const { directory } = await closedStore(30, 12);
    const log = await fileLike(directory, /\.log$/);
    expect((await readFile(log)).length).toBeGreaterThan(3 * 32768);
    await flipByte(log, 40_000);
    const [scan] = await scanLogs(directory);
    expect(scan?.drops.some((drop) => drop.followedByRecord)).toBe(true);
    const error = (await BlockStore.open(directory).catch((caught: unknown) => caught)) as StoreLossError;
    expect(error).toBeInstanceOf(StoreLossError);
    expect(error.lostHeights.length).toBe(1);
    const [lost] = error.lostHeights;
    expect(lost?.from).toBeGreaterThan(0);
    expect(lost?.to).toBeLessThan(30);
    expect(error.message).toMatch(new RegExp(`blocks ${lost?.from}\\.\\.${lost?.to} are missing below block 30`));
  });

  it('a torn tail the witness never counted (a write that had not completed) is dropped, as LevelDB drops it', async () => {
    const { directory, chain } = await closedStore(6);
    const log = await fileLike(directory, /\.log$/);
    const witness = (await readWitness(directory)) as Witness;
    // The last batch (block 6) half written, and the witness still at block 5: a crash between the two writes.
    await truncate(log, (await readFile(log)).length - 30);
    await writeWitness(directory, {
      sequence: witness.sequence - 1,
      height: 5,
      hash: chain.blocks[5]?.hash as Uint8Array,
    });
    const store = await BlockStore.open(directory);
    expect(store.head?.height).toBe(5);
    await store.close();
    // The same torn tail with the witness at block 6 lost an acknowledged block.
    const other = await closedStore(6);
    const otherLog = await fileLike(other.directory, /\.log$/);
    await truncate(otherLog, (await readFile(otherLog)).length - 30);
    await expect(BlockStore.open(other.directory)).rejects.toMatchObject({ lostHeights: [{ from: 6, to: 6 }] });
  });

  it('a store from before the witness gets one; a store that counts batches but lost its witness is refused', async () => {
    const { directory } = await closedStore(3);
    await unlink(join(directory, witnessFileName));
    await expect(BlockStore.open(directory)).rejects.toThrow(
      /head witness \(HEAD-WITNESS\) is missing, but the database counts 5 batches/,
    );
    // Without the batch counter (the layout before it), the store is one from before the witness.
    const db = new Level<Uint8Array, Uint8Array>(directory, { keyEncoding: 'view', valueEncoding: 'view' });
    await openSublevels(db as StoreDatabase).meta.del(metaKeys.batch);
    await db.close();
    const store = await BlockStore.open(directory);
    expect(store.head?.height).toBe(3);
    expect(await readWitness(directory)).toMatchObject({ sequence: 0, height: 3 });
    // Counted from its next batch on: losing the witness then is damage.
    await store.writeReplicaRecords([{ key: 'view', value: Uint8Array.of(1) }]);
    await store.close();
    expect(await readWitness(directory)).toMatchObject({ sequence: 1, height: 3 });
    await unlink(join(directory, witnessFileName));
    await expect(BlockStore.open(directory)).rejects.toThrow(/the database counts 1 batches written since it had one/);
  });

  it('a witness naming another block at its height is refused (the directory holds another chain)', async () => {
    const { directory } = await closedStore(5);
    const witness = (await readWitness(directory)) as Witness;
    await writeWitness(directory, { ...witness, height: 3, hash: new Uint8Array(32).fill(9) });
    await expect(BlockStore.open(directory)).rejects.toThrow(
      /the head witness says block 3 was 0909.*, but the database holds [0-9a-f]{64} there/,
    );
  });

  it('a database gone with its witness left: the heights lost are all of them', async () => {
    const { directory } = await closedStore(4);
    for (const name of ['CURRENT']) await unlink(join(directory, name));
    await expect(BlockStore.open(directory, { readOnly: true })).rejects.toMatchObject({
      code: 'STORE_CORRUPT',
      lostHeights: [{ from: 0, to: 4 }],
    });
    await expect(BlockStore.open(directory)).rejects.toThrow(/there is no LevelDB database there any more/);
    // Without a witness either (a store from before it): LevelDB would start a new database
    // there and delete the tables and logs as obsolete; the store refuses instead.
    await unlink(join(directory, witnessFileName));
    await expect(BlockStore.open(directory)).rejects.toThrow(
      /LevelDB's CURRENT is missing but its tables or logs are there/,
    );
    await expect(BlockStore.open(directory)).rejects.toBeInstanceOf(StoreCorruptError);
  });
});

describe('a store opened to read only', () => {
  it('never changes its files, intact or damaged, and refuses writes', async () => {
    const { directory, chain } = await closedStore(5);
    const before = await fingerprint(directory);
    const store = await BlockStore.open(directory, { readOnly: true });
    expect(store.head?.height).toBe(5);
    let count = 0;
    for await (const _block of store.blocks()) count++;
    expect(count).toBe(6);
    await expect(store.append(chain.build())).rejects.toThrow(StoreReadOnlyError);
    await expect(store.writeReplicaRecords([])).rejects.toThrow(/open to read only/);
    await store.close();
    expect(await fingerprint(directory)).toEqual(before);
    // LevelDB's recovery rewrote a copy, not these files: a writable open changes them (negative control).
    await (await BlockStore.open(directory)).close();
    expect(await fingerprint(directory)).not.toEqual(before);
  });

  it('is refused while another store holds the directory (STORE_LOCKED, as a writable open is)', async () => {
    const { directory } = await closedStore(1);
    const writer = await BlockStore.open(directory);
    try {
      await expect(BlockStore.open(directory, { readOnly: true })).rejects.toThrow(StoreLockedError);
    } finally {
      await writer.close();
    }
    await (await BlockStore.open(directory, { readOnly: true })).close();
  });
});
