/**
 * Crash safety: `generate --log-commits` is killed with SIGKILL at random moments; after each
 * kill the store must open, verify end to end, and hold every block the process had
 * acknowledged ("committed <height> <hash>" is printed only after the synced write), with
 * that hash. Then generating resumes from the head. At least 10 kills; more with FUZZ_RUNS, as
 * many as fit in the fuzz budget when FUZZ_SECONDS is set.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inlineCrypto } from '../../src/crypto/backend.js';
import { Prng } from '../../src/prng.js';
import { BlockStore } from '../../src/store/block-store.js';
import { verifyChain } from '../../src/store/verify-chain.js';
import { fuzzRuns, fuzzTimeLimitMs } from '../support/fuzz.js';
import { fuzzSecondsFromEnv, testTimeoutMsFor } from '../support/fuzz-budget.js';

const cli = new URL('../../dist/src/cli/main.js', import.meta.url).pathname;
const killsMin = 10;
const kills = Math.max(killsMin, Math.floor(fuzzRuns / 20));
// Each round takes about a second and verifies a longer chain than the last: with a fuzz budget,
// rounds stop starting once it is spent (after killsMin), as a property stops its runs.
const budget = fuzzTimeLimitMs === undefined ? '' : ` (or as many as fit in ${fuzzTimeLimitMs / 1000} s)`;
const timeoutMs = Math.max(300_000, testTimeoutMsFor(fuzzSecondsFromEnv()));
const dir = mkdtempSync(join(tmpdir(), 'cl-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs generate until `killAfterMs` after its first acknowledged commit, then SIGKILLs it. */
function runAndKill(killAfterMs: number): Promise<{ acknowledged: Map<number, string>; exitedEarly: boolean }> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(
      process.execPath,
      [cli, 'generate', '--data', dir, '--blocks', '100000', '--txs-per-block', '40', '--seed', '5', '--log-commits'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const acknowledged = new Map<number, string>();
    let buffered = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      buffered += chunk;
      let newline = buffered.indexOf('\n');
      while (newline !== -1) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        const match = /^committed (\d+) ([0-9a-f]{64})$/.exec(line);
        if (match !== null) acknowledged.set(Number(match[1]), match[2] as string);
        newline = buffered.indexOf('\n');
      }
      if (timer === undefined && acknowledged.size > 0) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer !== undefined) clearTimeout(timer);
      if (signal === 'SIGKILL') resolve({ acknowledged, exitedEarly: false });
      else reject(new Error(`generate exited with ${code} before it was killed: ${stderr}`));
    });
  });
}

describe('crash safety of generate', { timeout: timeoutMs }, () => {
  it(`every acknowledged block survives ${kills} SIGKILLs${budget} and the chain verifies after each`, async () => {
    const prng = new Prng(Number(process.env.FUZZ_SEED ?? 20261202));
    const everAcknowledged = new Map<number, string>();
    let lastHead = -1;
    const deadlineMs = performance.now() + (fuzzTimeLimitMs ?? Number.POSITIVE_INFINITY);
    for (let round = 0; round < kills && (round < killsMin || performance.now() < deadlineMs); round++) {
      const killAfterMs = prng.between(0, 400);
      const { acknowledged } = await runAndKill(killAfterMs);
      for (const [height, hash] of acknowledged) everAcknowledged.set(height, hash);
      const store = await BlockStore.open(dir, { create: false });
      try {
        const head = store.head;
        expect(head, `round ${round}: the store has a head`).toBeDefined();
        const headHeight = head?.height ?? -1;
        const highestAcknowledged = Math.max(...everAcknowledged.keys());
        expect(
          headHeight,
          `round ${round} (kill after ${killAfterMs} ms): head below an acknowledged block`,
        ).toBeGreaterThanOrEqual(highestAcknowledged);
        expect(headHeight).toBeGreaterThan(lastHead);
        lastHead = headHeight;
        for (const [height, hash] of everAcknowledged) {
          const block = await store.blockByHeight(height);
          expect(block && Buffer.from(block.hash).toString('hex'), `acknowledged block ${height}`).toBe(hash);
        }
        const report = await verifyChain(store, { crypto: inlineCrypto });
        expect(report.problem).toBeUndefined();
        expect(report.ok).toBe(true);
        expect(report.height).toBe(headHeight);
      } finally {
        await store.close();
      }
    }
  });
});
