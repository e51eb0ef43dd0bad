/**
 * The CLI prints exactly the evidence consortium-ledger/verify takes: `tx <id> --json` (its
 * earlier fields kept, the certificate and receipt proof added), `state <key> --prove --json`
 * and `genesis --json`, over a store made by `generate`. What it prints verifies, and a
 * tampered copy does not.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initVerifier, verifyState, verifyTransaction } from '../../src/verify/index.js';
import { captureCliOutput, captured, runCli } from '../support/cli.js';

captureCliOutput();

const root = mkdtempSync(join(tmpdir(), 'consortium-verify-cli-'));
const data = join(root, 'store');
afterAll(() => rmSync(root, { recursive: true, force: true }));

function jsonOut(): Record<string, unknown> {
  return JSON.parse(captured.out.join('\n')) as Record<string, unknown>;
}

beforeAll(async () => {
  await initVerifier({ wasm: readFileSync(new URL('../../build/release.wasm', import.meta.url)) });
});

describe('the CLI prints the evidence the verifier takes', () => {
  it('genesis --json, tx <id> --json and state <key> --prove --json verify; tampered copies do not', async () => {
    expect(await runCli('generate', '--data', data, '--blocks', '3', '--txs-per-block', '6', '--seed', '4')).toBe(0);

    captured.out = [];
    expect(await runCli('genesis', '--data', data, '--json')).toBe(0);
    const genesis = jsonOut() as { chainId: string; validators: string[]; n: number; f: number; q: number };
    expect(genesis.n).toBe(genesis.validators.length);
    expect(genesis.q).toBeGreaterThan(genesis.f);

    captured.out = [];
    expect(await runCli('block', '2', '--data', data, '--json')).toBe(0);
    const txId = (jsonOut() as { txs: { id: string }[] }).txs[3]?.id as string;

    captured.out = [];
    expect(await runCli('tx', txId, '--data', data, '--json')).toBe(0);
    const tx = jsonOut();
    // The earlier fields are all still there.
    expect(tx).toMatchObject({ id: txId, height: 2, index: 3, status: 'applied', verified: true });
    expect(tx).toHaveProperty('raw', tx.tx);
    expect(verifyTransaction(tx, genesis)).toMatchObject({ ok: true, facts: { txId, height: 2, receiptCode: 0 } });
    const header = tx.header as string;
    const tampered = { ...tx, header: `${header.slice(0, 90)}${header[90] === '0' ? '1' : '0'}${header.slice(91)}` };
    expect(verifyTransaction(tampered, genesis)).toMatchObject({ ok: false, reason: 'header-mismatch' });

    captured.out = [];
    expect(await runCli('state', `account:${genesis.validators[0]}`, '--data', data, '--prove', '--json')).toBe(0);
    const state = jsonOut();
    expect(state).toMatchObject({ present: true, verified: true, kind: 'state' });
    expect(verifyState(state, genesis)).toMatchObject({ ok: true, facts: { height: 3 } });
    expect(verifyState({ ...state, value: null }, genesis)).toMatchObject({ ok: false, reason: 'state-proof-invalid' });

    captured.out = [];
    expect(await runCli('genesis', '--data', data)).toBe(0);
    expect(captured.out.join('\n')).toMatch(/n = \d+ validators, f = \d+ Byzantine tolerated, q = \d+ votes/);
  }, 60_000);
});
