import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { merkleRootOneCallPerNode } from '../../bench/merkle-reference.js';
import { UsageError } from '../../src/cli/args.js';
import { isUsageError } from '../../src/cli/program.js';
import { ConsortiumLedgerError } from '../../src/errors.js';
import { merkleRoot } from '../../src/index.js';
import { batchBytesMax, messageBytesMax } from '../../src/limits.js';
import { Prng } from '../../src/prng.js';
import { builtCli, captureCliOutput, captured, runBuiltCli, runCli } from '../support/cli.js';

captureCliOutput();
const run = runCli;

const dir = mkdtempSync(join(tmpdir(), 'cl-cli-'));
const files = ['a', 'bb', 'ccc', 'dddd', 'eeeee'].map((content, i) => {
  const path = join(dir, `leaf${i}`);
  writeFileSync(path, content);
  return path;
});

describe('cli', () => {
  it('hash prints sha256sum-style lines', async () => {
    expect(await run('hash', files[0] as string)).toBe(0);
    expect(captured.out).toEqual([`${createHash('sha256').update('a').digest('hex')}  ${files[0]}`]);
  });

  it('merkle root equals merkleRoot over the files', async () => {
    expect(await run('merkle', 'root', ...files)).toBe(0);
    const expected = Buffer.from(merkleRoot(['a', 'bb', 'ccc', 'dddd', 'eeeee'].map((s) => Buffer.from(s)))).toString(
      'hex',
    );
    expect(captured.out).toEqual([expected]);
  });

  it('merkle prove then verify round-trips; a wrong root is NOT verified with exit code 1', async () => {
    expect(await run('merkle', 'prove', '-i', '3', ...files)).toBe(0);
    const proof = JSON.parse(captured.out.join('\n')) as { root: string };
    const proofPath = join(dir, 'proof.json');
    writeFileSync(proofPath, captured.out.join('\n'));
    captured.out = [];
    expect(
      await run('merkle', 'verify', '--leaf', files[3] as string, '--proof', proofPath, '--root', proof.root),
    ).toBe(0);
    expect(captured.out).toEqual(['verified']);
    captured.out = [];
    const wrongRoot = proof.root.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    expect(await run('merkle', 'verify', '--leaf', files[3] as string, '--proof', proofPath, '--root', wrongRoot)).toBe(
      1,
    );
    expect(captured.out).toEqual(['NOT verified']);
    captured.out = [];
    expect(
      await run('merkle', 'verify', '--leaf', files[2] as string, '--proof', proofPath, '--root', proof.root),
    ).toBe(1);
  });

  it('bad input exits 2 with a message naming what was wrong', async () => {
    expect(await run('hash', join(dir, 'missing'))).toBe(2);
    expect(captured.err.join('')).toMatch(/cannot read .*missing/);
    captured.err = [];
    expect(await run('merkle', 'prove', '-i', '9', ...files)).toBe(2);
    expect(captured.err.join('')).toMatch(/--index 9 is outside a tree of 5 leaves/);
    captured.err = [];
    expect(await run('merkle', 'prove', '-i', 'x', ...files)).toBe(2);
    expect(captured.err.join('')).toMatch(/--index must be an integer/);
    captured.err = [];
    expect(
      await run('merkle', 'verify', '--leaf', files[0] as string, '--proof', files[0] as string, '--root', 'ab'),
    ).toBe(2);
    expect(captured.err.join('')).toMatch(/not JSON|64 hex digits/);
    captured.err = [];
    const negative = join(dir, 'negative-proof.json');
    writeFileSync(negative, JSON.stringify({ leafIndex: -1, treeSize: 5, path: [] }));
    expect(
      await run('merkle', 'verify', '--leaf', files[0] as string, '--proof', negative, '--root', '0'.repeat(64)),
    ).toBe(2);
    expect(captured.err.join('')).toMatch(/leafIndex and treeSize must be integers ≥ 0/);
    captured.err = [];
    expect(await run('start', '--rounds', '0')).toBe(2);
    expect(captured.err.join('')).toMatch(/--rounds must be an integer in \[1, 1000\]/);
    captured.err = [];
    expect(await run('no-such-command')).toBe(2);
  });

  it('start runs the throughput job end to end (small tree) and prints the RFC 9162 root of its leaves', async () => {
    expect(
      await run('start', '--leaves-log2', '8', '--rounds', '2', '--proofs', '20', '--seed', '7', '--no-progress'),
    ).toBe(0);
    // The leaves of round 2 are the second 8 KiB of the seed's stream; their root, computed
    // here with node:crypto one call per node, is what the job must print.
    const stream = new Prng(7).bytes(2 * 32 * 256).subarray(32 * 256);
    const leaves = Array.from({ length: 256 }, (_, i) => stream.subarray(32 * i, 32 * i + 32));
    const expected = Buffer.from(merkleRootOneCallPerNode(leaves)).toString('hex');
    const out = captured.out.join('\n');
    expect(out).toMatch(new RegExp(`root of the last tree\\s+${expected}$`, 'm'));
    expect(out).toMatch(/inclusion proofs verified\s+40/);
  });
});

describe('cli hash: sha256sum’s output, streamed input', () => {
  const names = ['a\nb', 'c\\d', 'e\rf', 'plain name'];
  const paths = names.map((name) => {
    const path = join(dir, name);
    writeFileSync(path, name);
    return path;
  });
  const digest = (text: string) => createHash('sha256').update(text).digest('hex');

  it('escapes a name with a backslash, newline or carriage return, and marks its line with a leading backslash', async () => {
    expect(await run('hash', ...paths)).toBe(0);
    // One line per file: a newline in a name can no longer forge a second output line.
    expect(captured.out).toEqual([
      `\\${digest(names[0] as string)}  ${dir}/a\\nb`,
      `\\${digest(names[1] as string)}  ${dir}/c\\\\d`,
      `\\${digest(names[2] as string)}  ${dir}/e\\rf`,
      `${digest(names[3] as string)}  ${dir}/plain name`,
    ]);
  });

  it.runIf(sha256sumAvailable())('prints what GNU sha256sum prints for names with a newline or backslash', async () => {
    const chosen = [paths[0] as string, paths[1] as string, paths[3] as string];
    expect(await run('hash', ...chosen)).toBe(0);
    const reference = execFileSync('sha256sum', chosen, { encoding: 'utf8' });
    expect(`${captured.out.join('\n')}\n`).toBe(reference);
  });

  it('streams stdin: 600 MiB piped in hashes correctly with flat memory', { timeout: 120_000 }, async () => {
    const chunk = Buffer.alloc(1 << 20, 0x5a);
    const chunks = 600;
    const expected = createHash('sha256');
    for (let i = 0; i < chunks; i++) expected.update(chunk);
    const { stdout, maxRssBytes } = await runBuiltCli(['hash'], async (stdin) => {
      for (let i = 0; i < chunks; i++) {
        if (!stdin.write(chunk)) await once(stdin, 'drain');
      }
      stdin.end();
    });
    expect(stdout).toBe(`${expected.digest('hex')}  -\n`);
    // Reading it all first took more than the input itself (1.5 GB piped in peaked at 3.2 GB).
    expect(maxRssBytes).toBeLessThan(250 * 1024 * 1024);
  });

  it.runIf(existsSync('/dev/zero'))(
    'hash /dev/zero runs in flat memory until stopped',
    { timeout: 60_000 },
    async () => {
      const child = spawn(process.execPath, [builtCli, 'hash', '/dev/zero'], { stdio: 'ignore' });
      try {
        await sleep(1500);
        const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]);
        expect(rssKb).toBeGreaterThan(0);
        expect(rssKb * 1024).toBeLessThan(250 * 1024 * 1024);
      } finally {
        child.kill('SIGKILL');
      }
    },
  );
});

describe('cli: input limits and what counts as a usage error', () => {
  it('merkle commands refuse a leaf file over the message limit, and leaves over the total limit, before reading them', async () => {
    // Sparse files: their size is what stat reports, and no byte of them is ever read.
    const huge = join(dir, 'huge.bin');
    writeFileSync(huge, '');
    truncateSync(huge, messageBytesMax + 1);
    expect(await run('merkle', 'root', files[0] as string, huge)).toBe(2);
    expect(captured.err.join('')).toMatch(
      new RegExp(`${huge} has ${messageBytesMax + 1} bytes, more than a leaf may hold \\(${messageBytesMax}\\)`),
    );
    captured.err = [];
    const half = join(dir, 'half.bin');
    writeFileSync(half, '');
    truncateSync(half, batchBytesMax / 2 + 1);
    expect(await run('merkle', 'prove', '-i', '0', half, half)).toBe(2);
    expect(captured.err.join('')).toMatch(
      new RegExp(`leaves hold ${batchBytesMax + 2} bytes in all, limit ${batchBytesMax}`),
    );
  });

  it('only validation errors are usage errors: a TypeError or RangeError from a bug is not', () => {
    expect(isUsageError(new UsageError('bad file'))).toBe(true);
    expect(isUsageError(new ConsortiumLedgerError('STORE_LOCKED', 'locked'))).toBe(true);
    expect(isUsageError(new ConsortiumLedgerError('DECODE', 'bad bytes'))).toBe(true);
    expect(isUsageError(new TypeError("Cannot read properties of undefined (reading 'length')"))).toBe(false);
    expect(isUsageError(new RangeError('Invalid array length'))).toBe(false);
    expect(isUsageError(new RangeError('merkleRoot: leaves hold 2 bytes in all, limit 1'))).toBe(false);
    expect(isUsageError(new ConsortiumLedgerError('POOL_WORKER_CRASHED', 'crashed'))).toBe(false);
  });
});

function sha256sumAvailable(): boolean {
  try {
    execFileSync('sha256sum', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
