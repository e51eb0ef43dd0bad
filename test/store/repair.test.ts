/**
 * Repair is explicit and says what it will drop before it drops it (issue 21, item 1): over
 * stores written by `generate` and then damaged — a log record lost at the tail or in the
 * middle, a broken MANIFEST or CURRENT, a stored state value flipped — `repairStore` without
 * `apply` changes nothing and reports what it would keep, drop and what is lost; with `apply`
 * the store holds exactly the blocks that verify, re-verifies intact, and the damaged
 * directory is kept beside it unchanged. The first test is the negative control.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { afterAll, describe, expect, it } from 'vitest';
import { inlineCrypto } from '../../src/crypto/backend.js';
import { openSublevels, type StoreDatabase } from '../../src/store/database.js';
import { BlockStore, repairStore, StoreCorruptError, StoreLockedError, StoreLossError } from '../../src/store/index.js';
import { verifyChain } from '../../src/store/verify-chain.js';
import { captureCliOutput, runCli } from '../support/cli.js';
import { fileLike, fingerprint, flipByte } from '../support/store-files.js';

captureCliOutput();

const directories: string[] = [];
afterAll(() => Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true }))));

/**
 * A store of blocks 0..`first + second` written by two `generate` runs (the second one's open
 * turns the first one's log into a table, so the store has tables, a log, a MANIFEST, CURRENT).
 */
async function generated(first = 8, second = 4): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'consortium-ledger-repair-'));
  directories.push(root);
  const directory = join(root, 'store');
  for (const blocks of [first, second].filter((count) => count > 0)) {
    expect(
      await runCli('generate', '--data', directory, '--blocks', String(blocks), '--txs-per-block', '12', '--seed', '4'),
    ).toBe(0);
  }
  return directory;
}

async function verified(directory: string): Promise<{ ok: boolean; height: number; problem?: string }> {
  const store = await BlockStore.open(directory, { readOnly: true });
  try {
    return await verifyChain(store, { crypto: inlineCrypto });
  } finally {
    await store.close();
  }
}

describe('repairStore', () => {
  it('finds an intact store intact and would drop nothing (negative control)', async () => {
    const directory = await generated();
    const before = await fingerprint(directory);
    const report = await repairStore(directory, { crypto: inlineCrypto });
    expect(report).toMatchObject({
      intact: true,
      keptHeight: 12,
      recoveredHeight: 12,
      dropped: [],
      lost: [],
      applied: false,
    });
    expect(await fingerprint(directory)).toEqual(before);
  });

  it('a block lost at the tail: says so without changing anything, then keeps the rest and verifies', async () => {
    const directory = await generated();
    await flipByte(await fileLike(directory, /\.log$/), -30);
    await expect(BlockStore.open(directory)).rejects.toMatchObject({ lostHeights: [{ from: 12, to: 12 }] });
    const before = await fingerprint(directory);
    const plan = await repairStore(directory, { crypto: inlineCrypto });
    expect(plan).toMatchObject({
      intact: false,
      applied: false,
      keptHeight: 11,
      dropped: [],
      lost: [{ from: 12, to: 12 }],
    });
    expect(plan.findings.join('\n')).toMatch(
      /LevelDB's recovery drops \d+\.log: \d+ bytes at offset \d+ \(checksum mismatch\)/,
    );
    expect(await fingerprint(directory)).toEqual(before);

    let announced: unknown;
    const done = await repairStore(directory, {
      crypto: inlineCrypto,
      apply: true,
      onPlan: (p) => {
        announced = p;
      },
    });
    expect(announced).toMatchObject({ keptHeight: 11, lost: [{ from: 12, to: 12 }], applied: false });
    expect(done).toMatchObject({ applied: true, keptHeight: 11 });
    expect(await verified(directory)).toMatchObject({ ok: true, height: 11 });
    // The damaged store is kept, as it was.
    expect(await fingerprint(done.movedTo as string)).toEqual(before);
    // And generate continues the repaired chain.
    expect(await runCli('generate', '--data', directory, '--blocks', '2', '--txs-per-block', '12', '--seed', '4')).toBe(
      0,
    );
    expect(await verified(directory)).toMatchObject({ ok: true, height: 13 });
  });

  it('records lost in the middle of the log: keeps the blocks below the first gap, drops the ones held above it', async () => {
    // One generate run: its one log holds every block.
    const directory = await generated(30, 0);
    await flipByte(await fileLike(directory, /\.log$/), 40_000);
    const lost = (await BlockStore.open(directory).catch((caught: unknown) => caught)) as StoreLossError;
    expect(lost).toBeInstanceOf(StoreLossError);
    expect(lost.lostHeights).toHaveLength(1);
    const gap = lost.lostHeights[0] as { from: number; to: number };
    const report = await repairStore(directory, { crypto: inlineCrypto, apply: true });
    expect(report.keptHeight).toBe(gap.from - 1);
    expect(report.lost).toEqual([gap]);
    expect(report.dropped).toEqual([{ from: gap.to + 1, to: 30 }]);
    expect(await verified(directory)).toMatchObject({ ok: true, height: report.keptHeight });
  });

  it('a broken MANIFEST or CURRENT: open says LevelDB cannot open it (STORE_CORRUPT, with its reason); repair rebuilds it and loses nothing', async () => {
    for (const damage of ['MANIFEST', 'CURRENT'] as const) {
      const directory = await generated();
      if (damage === 'MANIFEST') await flipByte(await fileLike(directory, /^MANIFEST-/), 12, 0x40);
      else await writeFile(join(directory, 'CURRENT'), 'garbage');
      const opening = BlockStore.open(directory, { readOnly: true });
      await expect(opening).rejects.toThrow(StoreCorruptError);
      await expect(BlockStore.open(directory)).rejects.toThrow(
        new RegExp(`the database at ${directory} does not open: Corruption: `),
      );
      const report = await repairStore(directory, { crypto: inlineCrypto, apply: true });
      expect(report.findings.join('\n')).toMatch(/LevelDB's RepairDB rebuilt its MANIFEST/);
      expect(report).toMatchObject({ keptHeight: 12, dropped: [], lost: [] });
      expect(await verified(directory)).toMatchObject({ ok: true, height: 12 });
    }
  });

  it('a flipped state value: verify-chain says which check failed, and a repair derives the state again', async () => {
    const directory = await generated();
    const db = new Level<Uint8Array, Uint8Array>(directory, { keyEncoding: 'view', valueEncoding: 'view' });
    const { state } = openSublevels(db as StoreDatabase);
    const [entry] = await state.iterator({ limit: 1 }).all();
    const value = Uint8Array.from(entry?.[1] as Uint8Array);
    value[value.length - 1] = (value[value.length - 1] as number) ^ 1;
    await state.put(entry?.[0] as Uint8Array, value);
    await db.close();
    expect(await verified(directory)).toMatchObject({
      ok: false,
      height: 12,
      problem: expect.stringMatching(/^stored state: stored state hashes to [0-9a-f]{64}, but block 12 says/),
    });
    // Repair re-derives what the blocks imply; it reports the blocks intact.
    const report = await repairStore(directory, { crypto: inlineCrypto, apply: true });
    expect(report).toMatchObject({ keptHeight: 12, dropped: [], lost: [] });
    expect(await verified(directory)).toMatchObject({ ok: true, height: 12 });
  });

  it('refuses a store another process or store has open', async () => {
    const directory = await generated(2, 1);
    const store = await BlockStore.open(directory);
    try {
      await expect(repairStore(directory, { crypto: inlineCrypto })).rejects.toThrow(StoreLockedError);
    } finally {
      await store.close();
    }
    expect((await readdir(join(directory, '..'))).filter((name) => name.includes('damaged'))).toEqual([]);
  });
});
