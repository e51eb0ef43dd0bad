import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { merkleRoot } from '../../src/index.js';
import { captureCliOutput, captured, runCli } from '../support/cli.js';

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
    expect(await run('start', '--rounds', '0')).toBe(2);
    expect(captured.err.join('')).toMatch(/--rounds must be an integer in \[1, 1000\]/);
    captured.err = [];
    expect(await run('no-such-command')).toBe(2);
  });

  it('start runs the throughput job end to end (small tree) and reports identical roots', async () => {
    expect(await run('start', '--leaves-log2', '8', '--rounds', '1', '--proofs', '20', '--no-progress')).toBe(0);
    expect(captured.out.join('\n')).toMatch(/roots identical in every round/);
    expect(captured.out.join('\n')).toMatch(/inclusion proofs verified\s+20/);
  });
});
