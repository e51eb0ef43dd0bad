/**
 * The chain subcommands end to end over a real LevelDB store: generate, verify-chain, block,
 * tx and state. The `--json` outputs are checked the way a third party would use them:
 * every hash and root recomputed from the raw bytes with node:crypto alone.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeStateProof, verifyStateProof } from '../../src/ledger/state-tree.js';
import { SyntheticConsortium } from '../../src/ledger/synthetic.js';
import { captureCliOutput, captured, runCli } from '../support/cli.js';

const sha = (...parts: Buffer[]): Buffer => createHash('sha256').update(Buffer.concat(parts)).digest();
/** RFC 9162 §2.1.1, written out independently of the library. */
function rfc9162Root(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return sha();
  if (leaves.length === 1) return sha(Buffer.of(0), leaves[0] as Buffer);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha(Buffer.of(1), rfc9162Root(leaves.slice(0, k)), rfc9162Root(leaves.slice(k)));
}

captureCliOutput();
const run = runCli;
const jsonOut = (): Record<string, unknown> => JSON.parse(captured.out.join('\n')) as Record<string, unknown>;

const root = mkdtempSync(join(tmpdir(), 'cl-chain-cli-'));
const data = join(root, 'store');
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('chain commands', () => {
  it('generate builds a store and continues from its head; --log-commits prints each durable commit', async () => {
    expect(
      await run('generate', '--data', data, '--blocks', '3', '--txs-per-block', '40', '--seed', '9', '--log-commits'),
    ).toBe(0);
    expect(captured.out.filter((line) => /^committed \d+ [0-9a-f]{64}$/.test(line))).toHaveLength(4);
    // The synthetic consortium has 4 validators among its 9 members.
    expect(captured.err.join('')).toContain('consortium: n = 4 validators, f = 1 Byzantine tolerated, q = 3 votes\n');
    captured.out = [];
    expect(
      await run('generate', '--data', data, '--blocks', '2', '--txs-per-block', '40', '--seed', '9', '--log-commits'),
    ).toBe(0);
    expect(captured.out.map((line) => line.split(' ')[1])).toEqual(['4', '5']);
  });

  it('generate refuses to continue a store made from another seed (exit 2)', async () => {
    expect(await run('generate', '--data', data, '--blocks', '1', '--txs-per-block', '1', '--seed', '10')).toBe(2);
    expect(captured.err.join('')).toMatch(/not generated with --seed 10/);
  });

  it("verify-chain passes an intact store with the documented JSON fields, the consortium's n, f and q among them", async () => {
    expect(await run('verify-chain', data, '--json', '--threads', '2')).toBe(0);
    const report = jsonOut();
    expect(report).toMatchObject({ ok: true, height: 5, txs: 200 });
    expect(report.headHash).toMatch(/^[0-9a-f]{64}$/);
    expect(report.consortium).toEqual({ validators: 4, faultsTolerated: 1, quorum: 3 });
    captured.out = [];
    expect(await run('verify-chain', data, '--threads', '1')).toBe(0);
    expect(captured.out).toEqual([
      expect.stringMatching(/^chain intact: height 5, /),
      '  consortium: n = 4 validators, f = 1 Byzantine tolerated, q = 3 votes',
      expect.stringMatching(
        /^ {2}checked: hash links .*stored state against the head state root.*; head witness \(acknowledged head 5, /,
      ),
    ]);
  });

  it('block --json carries bytes from which a third party recomputes every hash and root', async () => {
    expect(await run('block', '3', '--data', data, '--json')).toBe(0);
    const block = jsonOut() as {
      hash: string;
      header: string;
      txRoot: string;
      previousHash: string;
      txs: { id: string; raw: string; status: string }[];
    };
    expect(sha(Buffer.from(block.header, 'hex')).toString('hex')).toBe(block.hash);
    const ids = block.txs.map((tx) => sha(Buffer.from(tx.raw, 'hex')));
    expect(ids.map((id) => id.toString('hex'))).toEqual(block.txs.map((tx) => tx.id));
    expect(rfc9162Root(ids).toString('hex')).toBe(block.txRoot);
    // The header's txRoot field (offset 85) and previousHash (offset 9) are the ones printed.
    expect(block.header.slice(85 * 2, 117 * 2)).toBe(block.txRoot);
    expect(block.header.slice(9 * 2, 41 * 2)).toBe(block.previousHash);
    expect(block.txs.every((tx) => tx.status === 'applied')).toBe(true);
    captured.out = [];
    expect(await run('block', '2', '--data', data, '--json')).toBe(0);
    expect((jsonOut() as { hash: string }).hash).toBe(block.previousHash);
  });

  it('tx --json gives an RFC 9162 inclusion proof that verifies against the header bytes', async () => {
    await run('block', '4', '--data', data, '--json');
    const txId = (jsonOut() as { txs: { id: string }[] }).txs[17]?.id as string;
    captured.out = [];
    expect(await run('tx', txId, '--data', data, '--json')).toBe(0);
    const tx = jsonOut() as {
      header: string;
      raw: string;
      proof: { leafIndex: number; treeSize: number; path: string[] };
      verified: boolean;
    };
    expect(tx.verified).toBe(true);
    // Walk the RFC 9162 §2.1.3.2 verification by hand.
    let index = tx.proof.leafIndex;
    let last = tx.proof.treeSize - 1;
    let node = sha(Buffer.of(0), sha(Buffer.from(tx.raw, 'hex')));
    for (const siblingHex of tx.proof.path) {
      const sibling = Buffer.from(siblingHex, 'hex');
      if (index % 2 === 1 || index === last) {
        node = sha(Buffer.of(1), sibling, node);
        if (index % 2 === 0)
          while (index % 2 === 0 && index !== 0) {
            index >>= 1;
            last >>= 1;
          }
      } else node = sha(Buffer.of(1), node, sibling);
      index >>= 1;
      last >>= 1;
    }
    expect(node.toString('hex')).toBe(tx.header.slice(85 * 2, 117 * 2));
  });

  it('state --prove proves presence of an account and absence of an unknown key against the head state root', async () => {
    const member = new SyntheticConsortium(9).members[0];
    const key = `account:${Buffer.from(member?.publicKey as Uint8Array).toString('hex')}`;
    expect(await run('state', key, '--data', data, '--prove', '--json')).toBe(0);
    const present = jsonOut() as { key: string; value: string; stateRoot: string; proof: string; verified: boolean };
    expect(present.verified).toBe(true);
    const keyBytes = new Uint8Array(Buffer.from(present.key, 'hex'));
    const proof = decodeStateProof(new Uint8Array(Buffer.from(present.proof, 'hex')));
    const stateRoot = new Uint8Array(Buffer.from(present.stateRoot, 'hex'));
    expect(verifyStateProof(stateRoot, keyBytes, new Uint8Array(Buffer.from(present.value, 'hex')), proof)).toBe(true);
    expect(verifyStateProof(stateRoot, keyBytes, undefined, proof)).toBe(false);
    captured.out = [];
    expect(await run('state', `receivable:${'ab'.repeat(32)}`, '--data', data, '--prove', '--json')).toBe(0);
    const absent = jsonOut() as { present: boolean; verified: boolean; stateRoot: string };
    expect(absent).toMatchObject({ present: false, verified: true, stateRoot: present.stateRoot });
  });

  it('bad usage and missing things exit 2 or 1 with a message', async () => {
    expect(await run('verify-chain', join(root, 'nothing-here'))).toBe(2);
    expect(captured.err.join('')).toMatch(/no block store/);
    expect(await run('block', '99', '--data', data)).toBe(1);
    expect(await run('tx', 'zz', '--data', data)).toBe(2);
    expect(await run('tx', 'ab'.repeat(32), '--data', data)).toBe(1);
    expect(await run('state', 'bogus', '--data', data)).toBe(2);
    expect(await run('generate', '--data', data, '--blocks', '0', '--txs-per-block', '1')).toBe(2);
  });

  it('verify-chain names the first bad height of a tampered store and exits 1', async () => {
    const db = new Level<Uint8Array, Uint8Array>(data, { keyEncoding: 'view', valueEncoding: 'view' });
    const receipts = db.sublevel<Uint8Array, Uint8Array>('receipt', { keyEncoding: 'view', valueEncoding: 'view' });
    const key = new Uint8Array(8);
    key[7] = 4;
    const stored = (await receipts.get(key)) as Uint8Array;
    const tampered = stored.slice();
    tampered[32] = 8; // first receipt now says insufficientFunds
    await receipts.put(key, tampered);
    await db.close();
    expect(await run('verify-chain', data, '--json', '--threads', '1')).toBe(1);
    expect(jsonOut()).toMatchObject({ ok: false, badHeight: 4 });
  });
});
