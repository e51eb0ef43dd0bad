/**
 * Every command's failure is one line naming its cause, with the README's exit code, and JSON
 * under `--json` (issue 21, items 3 and 4): LevelDB open failures (a broken MANIFEST or CURRENT,
 * a regular file where the store's directory belongs or on its path, a full disk at open), a
 * full disk during `generate`, flags past what the code accepts, `--data` naming a file,
 * `sim`'s argument checks. The full-disk cases run the built command in a process of its own
 * under `ulimit -f` (writes past the limit fail with EFBIG, as on a full disk).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { exitCodeOf } from '../../src/cli/program.js';
import { ConsortiumLedgerError } from '../../src/errors.js';
import { builtCli, captureCliOutput, captured, runCli } from '../support/cli.js';
import { fileLike, flipByte } from '../support/store-files.js';

captureCliOutput();

const root = mkdtempSync(join(tmpdir(), 'cl-failures-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const file = join(root, 'a-file');
writeFileSync(file, 'not a directory\n');

const jsonOut = (): { ok: boolean; error?: { code: string; message: string }; code?: string; problem?: string } =>
  JSON.parse(captured.out.join('\n'));
/** Exactly one line on stderr, starting `consortium-ledger: `. */
function oneLine(): string {
  const text = captured.err.join('');
  expect(text.split('\n').filter((line) => line !== '')).toHaveLength(1);
  expect(text).toMatch(/^consortium-ledger: /);
  return text;
}

let stores = 0;
async function generatedStore(): Promise<string> {
  const directory = join(root, `store-${stores++}`);
  for (const blocks of ['3', '2']) {
    expect(await runCli('generate', '--data', directory, '--blocks', blocks, '--txs-per-block', '5')).toBe(0);
  }
  captured.out = [];
  captured.err = [];
  return directory;
}

describe('cli failures: one line, the table exit code, JSON under --json', () => {
  it('the exit-code table: 2 for what the user pointed at, 1 for checks that fail, damage, the machine refusing and bugs', () => {
    expect(exitCodeOf(new UsageError('bad flag'))).toBe(2);
    for (const code of ['STORE_NOT_A_STORE', 'STORE_LOCKED', 'DECODE']) {
      expect(exitCodeOf(new ConsortiumLedgerError(code, 'x')), code).toBe(2);
    }
    for (const code of ['STORE_CORRUPT', 'STATE_ROOT_MISMATCH', 'STORE_WRITE', 'STORE_IO', 'POOL_WORKER_CRASHED']) {
      expect(exitCodeOf(new ConsortiumLedgerError(code, 'x')), code).toBe(1);
    }
    expect(exitCodeOf(new TypeError('a bug'))).toBe(1);
  });

  it('a regular file where the store belongs, or on its path: not a store (exit 2), with JSON when asked', async () => {
    expect(await runCli('verify-chain', file, '--json')).toBe(2);
    expect(jsonOut()).toEqual({
      ok: false,
      error: {
        code: 'STORE_NOT_A_STORE',
        name: 'StoreNotFoundError',
        message: `there is no block store at ${file} (it is a regular file)`,
      },
    });
    expect(oneLine()).toContain('it is a regular file');
    for (const args of [
      ['block', '1', '--data', join(file, 'sub')],
      ['generate', '--data', file, '--blocks', '1', '--txs-per-block', '1'],
      ['generate', '--data', join(file, 'sub'), '--blocks', '1', '--txs-per-block', '1'],
    ]) {
      captured.err = [];
      expect(await runCli(...args), args.join(' ')).toBe(2);
      expect(oneLine()).toMatch(
        /there is no block store at .*(a regular file is where a directory belongs|no LevelDB database there)/,
      );
    }
  });

  it('a broken MANIFEST or CURRENT: STORE_CORRUPT with LevelDB’s reason, exit 1, for every command that reads', async () => {
    const manifest = await generatedStore();
    await flipByte(await fileLike(manifest, /^MANIFEST-/), 12, 0x40);
    const current = await generatedStore();
    writeFileSync(join(current, 'CURRENT'), 'garbage');
    for (const directory of [manifest, current]) {
      expect(await runCli('verify-chain', directory, '--json', '--threads', '1')).toBe(1);
      expect(jsonOut()).toMatchObject({
        ok: false,
        code: 'STORE_CORRUPT',
        problem: expect.stringMatching(/does not open: Corruption: /),
      });
      captured.out = [];
      for (const args of [
        ['block', '1', '--data', directory],
        ['state', 'account:'.padEnd(72, 'a'), '--data', directory],
      ]) {
        captured.err = [];
        expect(await runCli(...args)).toBe(1);
        expect(oneLine()).toMatch(new RegExp(`the database at ${directory} does not open: Corruption: `));
      }
      expect(await runCli('genesis', '--data', directory, '--json')).toBe(1);
      expect(jsonOut().error).toMatchObject({ code: 'STORE_CORRUPT' });
      captured.out = [];
    }
  });

  it('flags and arguments past what the code accepts are usage errors with a message (exit 2)', async () => {
    const cases: [string[], RegExp][] = [
      [['bench', 'e2e', '--threads', '300'], /--threads must be an integer in \[1, 256\], got "300"/],
      [['demo', '--data', file, '--txs', '1'], /--data .*a-file is not a directory: a regular file is in the way/],
      [
        ['bench', 'e2e', '--data', file, '--txs', '1'],
        /--data .*a-file is not a directory: a regular file is in the way/,
      ],
      [['bench', 'e2e', '--data', join(file, 'sub'), '--txs', '1'], /is not a directory: a regular file is in the way/],
      [['sim', '--nodes', '4', '--byzantine', '5'], /--byzantine 5 cannot exceed --nodes 4/],
      [['sim', '--seeds', '4294967290..4294967296'], /--seeds must be A\.\.B with A ≤ B ≤ 4294967295/],
    ];
    for (const [args, message] of cases) {
      captured.err = [];
      expect(await runCli(...args), args.join(' ')).toBe(2);
      expect(captured.err.join(''), args.join(' ')).toMatch(message);
      expect(captured.err.join('')).not.toMatch(/\n\s+at /);
    }
    // With --json a usage error is JSON too.
    captured.out = [];
    expect(await runCli('sim', '--nodes', '4', '--byzantine', '5', '--json')).toBe(2);
    expect(jsonOut()).toMatchObject({
      ok: false,
      error: { code: 'USAGE', message: '--byzantine 5 cannot exceed --nodes 4' },
    });
  });
});

const run = promisify(execFile);

/** Runs the built command under `ulimit -f blocks` (512-byte blocks); its exit code and output. */
async function underFileSizeLimit(
  blocks: number,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const command = `ulimit -f ${blocks}; exec "${process.execPath}" "${builtCli}" "$@"`;
  try {
    const { stdout, stderr } = await run('bash', ['-c', command, 'consortium-ledger', ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('cli failures on a full disk (ulimit -f, the built command)', { timeout: 60_000 }, () => {
  it('generate stops with one line and exit 1 (STORE_WRITE); every acknowledged block is there', async () => {
    const directory = join(root, 'full-disk');
    const result = await underFileSizeLimit(200, [
      'generate',
      '--data',
      directory,
      '--blocks',
      '200',
      '--txs-per-block',
      '50',
      '--log-commits',
    ]);
    expect(result.code).toBe(1);
    const lines = result.stderr.split('\n').filter((line) => line.startsWith('consortium-ledger: '));
    expect(lines).toEqual([
      expect.stringMatching(/^consortium-ledger: the store at .* failed to write a batch \(.*File too large\)/),
    ]);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const acknowledged = [...result.stdout.matchAll(/^committed (\d+) /gm)].map((match) => Number(match[1]));
    expect(acknowledged.length).toBeGreaterThan(1);
    expect(await runCli('verify-chain', directory, '--json', '--threads', '1')).toBe(0);
    expect(jsonOut()).toMatchObject({ ok: true, height: Math.max(...acknowledged) });
  });

  it('a store that cannot be created (no room for a byte): one line, exit 1, STORE_IO with the system’s reason', async () => {
    const result = await underFileSizeLimit(0, [
      'generate',
      '--data',
      join(root, 'no-room'),
      '--blocks',
      '1',
      '--txs-per-block',
      '1',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^consortium-ledger: .*(does not open|failed to write|cannot).*File too large/m);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
