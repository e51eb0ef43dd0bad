/**
 * The end-to-end benchmark in the suite, small: every transaction gets a receipt, exactly the
 * corrupted ones are refused, the stage breakdown is complete, and `bench e2e --json` prints
 * the report. Nothing here asserts on timing.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { addE2eCommand, e2eStageNames, formatE2eReport, runE2e } from '../../src/cli/e2e.js';

const root = mkdtempSync(join(tmpdir(), 'consortium-e2e-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

describe('bench e2e', () => {
  it('commits the valid transactions, refuses exactly the corrupted ones, and splits the time by stage', async () => {
    const progress: number[] = [];
    const report = await runE2e({
      txs: 600,
      invalidFraction: 0.01,
      blockTxsMax: 256,
      threads: 1,
      warmupTxs: 100,
      onProgress: (done, total) => {
        expect(total).toBe(600);
        progress.push(done);
      },
    });
    expect(report.txs).toBe(600);
    expect(report.committed + report.refused).toBe(600);
    expect(report.refused).toBe(6);
    expect(report.invalidFraction).toBe(0.01);
    expect(report.blocks).toBeGreaterThanOrEqual(3); // at most 256 per block
    expect(progress.at(-1)).toBe(600);
    expect(report.tps).toBeGreaterThan(0);
    expect(report.wallMs).toBeGreaterThan(0);
    expect(Object.keys(report.stages)).toEqual(Object.values(e2eStageNames));
    const shares = Object.values(report.stages).map((stage) => stage.share);
    expect(shares.every((share) => share >= 0 && share <= 1)).toBe(true);
    expect(shares.reduce((sum, share) => sum + share, 0)).toBeCloseTo(1, 6);
    expect(report.stages[e2eStageNames.verify]?.msPerTx).toBeGreaterThan(0);
    expect(report.stages[e2eStageNames.store]?.msPerTx).toBeGreaterThan(0);
    const notes = report.notes.join('\n');
    expect(notes).toContain('skip re-verifying transaction signatures');
    expect(notes).toContain('share this machine');
    expect(notes).toContain('same head hash');
    expect(notes).toMatch(/0 verified by peers themselves/);
    expect(formatE2eReport(report)).toContain('tps');
  }, 60_000);

  it('`bench e2e --json` prints the report; --data must be empty and keeps the stores', async () => {
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      out.push(args.join(' '));
    });
    const program = new Command().exitOverride();
    addE2eCommand(program.command('bench'));
    const data = join(root, 'stores');
    await program.parseAsync(
      [
        'bench',
        'e2e',
        '--json',
        '--txs',
        '300',
        '--invalid',
        '0',
        '--block-txs',
        '128',
        '--threads',
        '1',
        '--data',
        data,
      ],
      { from: 'user' },
    );
    const report = JSON.parse(out.join('\n')) as Record<string, unknown>;
    expect(report).toMatchObject({ txs: 300, invalidFraction: 0, committed: 300, refused: 0 });
    for (const key of ['tps', 'stages', 'blocks', 'wallMs']) expect(report).toHaveProperty(key);
    expect(readdirSync(data)).toHaveLength(4);

    // A second run into the same directory would find the first run's chains (and its nonces): refused.
    await expect(runE2e({ txs: 10, invalidFraction: 0, dataDir: data })).rejects.toBeInstanceOf(UsageError);
  }, 60_000);
});
