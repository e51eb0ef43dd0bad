/**
 * The store's damage through the command line (issue 21, items 1 and 2): `verify-chain` on a
 * store whose last acknowledged block LevelDB would drop says "chain BROKEN" naming the height
 * (exit 1), never "intact" with one block fewer, and leaves the files as they were; a flipped
 * state value or a tx index entry pointing elsewhere fails verify-chain naming the check;
 * `repair` says what it would keep and drop (exit 1, nothing changed) and `repair --yes` does
 * it, printing the plan first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { afterAll, describe, expect, it } from 'vitest';
import { openSublevels, type StoreDatabase } from '../../src/store/database.js';
import { decodeTxEntry, encodeTxEntry } from '../../src/store/keys.js';
import { captureCliOutput, captured, runCli as runOnce } from '../support/cli.js';
import { fileLike, fingerprint, flipByte } from '../support/store-files.js';

captureCliOutput();

const root = mkdtempSync(join(tmpdir(), 'cl-repair-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
/** Runs a command with a fresh exit code (several run in one test here). */
async function runCli(...args: string[]): Promise<number> {
  process.exitCode = undefined;
  return runOnce(...args);
}
const jsonOut = (): Record<string, unknown> => JSON.parse(captured.out.join('\n')) as Record<string, unknown>;

let count = 0;
async function generated(blocks: number): Promise<{ directory: string; acknowledged: number }> {
  const directory = join(root, `store-${count++}`);
  expect(
    await runCli('generate', '--data', directory, '--blocks', String(blocks), '--txs-per-block', '10', '--log-commits'),
  ).toBe(0);
  const acknowledged = Math.max(...captured.out.map((line) => Number(/^committed (\d+) /.exec(line)?.[1] ?? -1)));
  captured.out = [];
  captured.err = [];
  return { directory, acknowledged };
}

describe('verify-chain and repair over a damaged store', () => {
  it('the last acknowledged block lost from the log: BROKEN naming the height, never intact with fewer blocks; files untouched', async () => {
    const { directory, acknowledged } = await generated(20);
    expect(acknowledged).toBe(20);
    await flipByte(await fileLike(directory, /\.log$/), -100);
    const before = await fingerprint(directory);
    expect(await runCli('verify-chain', directory, '--threads', '1')).toBe(1);
    expect(captured.out.join('\n')).toMatch(
      /^chain BROKEN: the store at .* lost acknowledged writes \(heights lost: 20\)/,
    );
    expect(captured.out.join('\n')).not.toMatch(/intact/);
    captured.out = [];
    expect(await runCli('verify-chain', directory, '--json', '--threads', '1')).toBe(1);
    expect(jsonOut()).toMatchObject({ ok: false, code: 'STORE_CORRUPT', lostHeights: [{ from: 20, to: 20 }] });
    captured.out = [];
    // Reading commands refuse too, without rewriting anything.
    expect(await runCli('block', '3', '--data', directory)).toBe(1);
    expect(captured.err.join('')).toMatch(/lost acknowledged writes \(heights lost: 20\)/);
    expect(await fingerprint(directory)).toEqual(before);

    // repair: the plan, exit 1, nothing changed.
    expect(await runCli('repair', directory, '--threads', '1')).toBe(1);
    expect(captured.out).toEqual([
      `repair ${directory} (nothing changed):`,
      '  head witness: block 20 acknowledged (22 batches)',
      '  LevelDB recovers blocks up to 19',
      expect.stringMatching(
        /^ {2}found: LevelDB's recovery drops \d+\.log: \d+ bytes at offset \d+ \(checksum mismatch\)$/,
      ),
      '  keeps: blocks 0..19',
      '  lost: block 20 (no longer held; a node fetches them from its peers)',
      '  carries over 0 replica safety records as they are',
      `run \`consortium-ledger repair ${directory} --yes\` to do it (the damaged directory is kept, renamed)`,
    ]);
    expect(await fingerprint(directory)).toEqual(before);
    captured.out = [];
    // --yes: the plan first, then what was done.
    expect(await runCli('repair', directory, '--yes', '--threads', '1')).toBe(0);
    expect(captured.out[0]).toBe(`repair ${directory}:`);
    expect(captured.out[captured.out.length - 1]).toMatch(
      new RegExp(
        `^repaired: ${directory} now holds blocks 0\\.\\.19; the damaged store is kept at ${directory}\\.damaged-`,
      ),
    );
    captured.out = [];
    expect(await runCli('verify-chain', directory, '--json', '--threads', '1')).toBe(0);
    expect(jsonOut()).toMatchObject({ ok: true, height: 19 });
    captured.out = [];
    expect(await runCli('repair', directory, '--json', '--threads', '1')).toBe(0);
    expect(jsonOut()).toMatchObject({ ok: true, intact: true, keptHeight: 19, applied: false });
  });

  it('the first log record of a 3-block store damaged: every height lost, never an empty store, and generate starts no new chain there', async () => {
    const { directory } = await generated(3);
    await flipByte(await fileLike(directory, /\.log$/), 12);
    expect(await runCli('verify-chain', directory, '--json', '--threads', '1')).toBe(1);
    expect(jsonOut()).toMatchObject({ ok: false, code: 'STORE_CORRUPT', lostHeights: [{ from: 0, to: 3 }] });
    expect(JSON.stringify(jsonOut())).not.toMatch(/empty|no block store/);
    captured.out = [];
    const before = await fingerprint(directory);
    expect(await runCli('generate', '--data', directory, '--blocks', '1', '--txs-per-block', '1')).toBe(1);
    expect(captured.err.join('')).toMatch(/lost acknowledged writes \(heights lost: 0\.\.3\)/);
    expect(await fingerprint(directory)).toEqual(before);
  });

  it('a flipped state value or a tx index entry pointing elsewhere: BROKEN naming the check (exit 1)', async () => {
    const { directory } = await generated(4);
    const tamper = async (change: (db: ReturnType<typeof openSublevels>) => Promise<void>) => {
      const db = new Level<Uint8Array, Uint8Array>(directory, { keyEncoding: 'view', valueEncoding: 'view' });
      await change(openSublevels(db as StoreDatabase));
      await db.close();
    };
    let original: [Uint8Array, Uint8Array] | undefined;
    await tamper(async ({ state }) => {
      const [entry] = await state.iterator({ limit: 1 }).all();
      original = [Uint8Array.from(entry?.[0] as Uint8Array), Uint8Array.from(entry?.[1] as Uint8Array)];
      const value = original[1].slice();
      value[value.length - 1] = (value[value.length - 1] as number) ^ 0x01;
      await state.put(original[0], value);
    });
    expect(await runCli('verify-chain', directory, '--json', '--threads', '1')).toBe(1);
    expect(jsonOut()).toMatchObject({
      ok: false,
      badHeight: 4,
      problem: expect.stringMatching(/^stored state: /),
      checked: expect.arrayContaining(['stored state against the head state root', 'tx index entries']),
    });
    captured.out = [];
    expect(await runCli('state', 'account:'.padEnd(72, 'a'), '--data', directory)).toBe(1);
    expect(captured.err.join('')).toMatch(/stored state hashes to/);
    await tamper(async ({ state, tx }) => {
      await state.put(...(original as [Uint8Array, Uint8Array]));
      const [entry] = await tx.iterator({ limit: 1 }).all();
      const decoded = decodeTxEntry(Uint8Array.from(entry?.[1] as Uint8Array));
      await tx.put(entry?.[0] as Uint8Array, encodeTxEntry({ ...decoded, index: decoded.index + 1 }));
    });
    expect(await runCli('verify-chain', directory, '--json', '--threads', '1')).toBe(1);
    expect(jsonOut()).toMatchObject({
      ok: false,
      problem: expect.stringMatching(
        /^tx index: transaction [0-9a-f]{64} \(block \d+, index \d+\) is indexed at block/,
      ),
    });
  });
});
