/**
 * The demo's story in the suite (a smaller load): the consortium's n, f and q are shown, the
 * second financing is refused with its reason, the balances after repayment are right, every
 * node has the same head, the proof and the regulator's audit verify, verify-chain passes on
 * every store, and a second run continues.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { printDemoReport, runDemo } from '../../src/cli/demo.js';

const dataDir = join(mkdtempSync(join(tmpdir(), 'consortium-demo-test-')), 'data');
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('consortium-ledger demo', () => {
  it('tells the story, refuses the double financing, and every node agrees', async () => {
    const lines: string[] = [];
    const report = await runDemo({ dataDir, txs: 300, progress: false, threads: 1, log: (line) => lines.push(line) });
    expect(report.fresh).toBe(true);
    expect(report.story.map((step) => step.status)).toEqual([
      'applied',
      'applied',
      'applied',
      'applied',
      'applied',
      'refused: alreadyFinanced',
      'applied',
    ]);
    expect(report.balances).toEqual({ bankA: 700_000, tier2: 300_000, buyer: -1_000_000 });
    expect(new Set(report.nodes.map((node) => node.headHash)).size).toBe(1);
    expect(report.nodes.every((node) => node.height === report.blocks)).toBe(true);
    expect(report.audit).toBe('ok');
    expect(report.proof.verified).toBe(true);
    expect(report.verifyChain.map((check) => check.ok)).toEqual([true, true, true, true]);
    expect(lines.join('\n')).toContain('a new 4-member consortium');
    expect(report.consortium).toEqual({ validators: 4, faultsTolerated: 1, quorum: 3 });
    expect(lines).toContain('  n = 4 validators, f = 1 Byzantine tolerated, q = 3 votes');
    const printed: string[] = [];
    printDemoReport(report, (line) => printed.push(line));
    expect(printed).toContain('  consortium: n = 4 validators, f = 1 Byzantine tolerated, q = 3 votes');
  }, 120_000);

  it('a second run continues the same consortium and says so', async () => {
    const lines: string[] = [];
    const report = await runDemo({ dataDir, txs: 100, progress: false, threads: 1, log: (line) => lines.push(line) });
    expect(report.fresh).toBe(false);
    expect(lines.join('\n')).toMatch(/continuing the consortium .* from height \d+/);
    expect(report.story[5]?.status).toBe('refused: alreadyFinanced');
    expect(report.verifyChain.every((check) => check.ok)).toBe(true);
  }, 120_000);
});
