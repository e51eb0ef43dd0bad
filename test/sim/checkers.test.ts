/**
 * The simulator's checkers can fail: each is fed a fabricated input that breaks the property it
 * guards (two commit logs that fork, a state root that differs, a skipped height, a transaction
 * nobody submitted, an applied fraud, a ledger that mints or loses tokens, a receivable whose
 * parts do not add up) and must report it; the same input without the break must pass. A
 * simulation run with no violations means something only because of these tests.
 */
import { describe, expect, it } from 'vitest';
import { type CheckedLedger, Checkers } from '../../sim/checkers.js';
import { simConsortium } from '../../sim/consortium.js';
import type { CommitRecord } from '../../sim/node.js';
import type { WorkloadTx } from '../../sim/workload.js';
import { type ReasonCode, reasonCodes } from '../../src/codec/receipt.js';
import { encodeTransaction, signTransaction, type Transaction, transactionId } from '../../src/codec/transaction.js';
import { Ledger } from '../../src/ledger/ledger.js';
import type { Account, Receivable } from '../../src/ledger/records.js';

const consortium = simConsortium(1, 4);
const genesisLedger = Ledger.fromGenesis(consortium.genesis);
const supply = consortium.genesis.members.reduce((sum, member) => sum + member.balance, 0);
const honest = new Set([0, 1, 2]); // node 3 is Byzantine

/** A 32-byte value that names one fabricated block, root or id. */
function bytes32(label: string): Uint8Array {
  return new Uint8Array(Buffer.from(label.padEnd(32, '.').slice(0, 32)));
}

/** A commit of block `block` (its hash and state root derived from the label) at `height` on `node`. */
function commit(
  node: number,
  height: number,
  block: string,
  txs: readonly Transaction[] = [],
  codes: ReasonCode[] = [],
) {
  const ids = txs.map((tx) => transactionId(encodeTransaction(tx)));
  return {
    node,
    height,
    hash: bytes32(`hash ${block}`),
    stateRoot: bytes32(`root ${block}`),
    txIds: ids,
    receipts: ids.map((txId, i) => ({ txId, code: codes[i] ?? reasonCodes.ok })),
    txs,
    view: 0,
    via: 'consensus',
    timestampMs: consortium.genesis.timestampMs + height,
  } satisfies CommitRecord;
}

/** A transfer signed by node `from`'s member. */
function transfer(from: number, nonce: number): Transaction {
  const sender = consortium.members[from]?.identity;
  const to = consortium.members[(from + 1) % 4]?.identity;
  if (sender === undefined || to === undefined) throw new Error('no such member');
  return signTransaction(
    {
      chainId: consortium.genesis.chainId,
      sender: sender.publicKey,
      nonce,
      op: { type: 'transfer', to: to.publicKey, amount: 1 },
    },
    sender.secretKey,
  );
}

/** The workload's record of submitting `tx`, with the fraud it attempts. */
function submittedAs(tx: Transaction, fraud?: WorkloadTx['fraud']): [string, WorkloadTx] {
  const encoded = encodeTransaction(tx);
  const idHex = Buffer.from(transactionId(encoded)).toString('hex');
  return [idHex, { bytes: encoded, idHex, ...(fraud === undefined ? {} : { fraud }) }];
}

/** Feeds the logs, node by node, height by height interleaved, as the simulation would. */
function feed(checkers: Checkers, logs: readonly CommitRecord[][], ledger: CheckedLedger = genesisLedger): void {
  const heights = Math.max(...logs.map((log) => log.length));
  for (let i = 0; i < heights; i++) {
    for (const log of logs) {
      const record = log[i];
      if (record !== undefined) checkers.commit(record, ledger);
    }
  }
}

describe('agreement: no two honest nodes commit different blocks at one height', () => {
  it('two honest commit logs that fork at height 2 are reported as a fork at height 2', () => {
    const checkers = new Checkers(honest, new Map());
    feed(checkers, [
      [commit(0, 1, 'a'), commit(0, 2, 'b'), commit(0, 3, 'c')],
      [commit(1, 1, 'a'), commit(1, 2, 'b-sibling'), commit(1, 3, 'c-sibling')],
    ]);
    expect(checkers.violations.filter((v) => v.startsWith('agreement'))).toEqual([
      expect.stringMatching(/^agreement: node 1 committed [0-9a-f]{64} at height 2, another honest node [0-9a-f]{64}$/),
      expect.stringMatching(/^agreement: node 1 committed [0-9a-f]{64} at height 3/),
    ]);
  });

  it('the same logs without the fork pass, and a Byzantine node’s fork is not the honest nodes’ fault', () => {
    const checkers = new Checkers(honest, new Map());
    feed(checkers, [
      [commit(0, 1, 'a'), commit(0, 2, 'b')],
      [commit(1, 1, 'a'), commit(1, 2, 'b')],
      [commit(3, 1, 'a'), commit(3, 2, 'b-sibling')],
    ]);
    expect(checkers.violations).toEqual([]);
  });
});

describe('the other commit checks', () => {
  it('state roots: one block with two state roots at one height is reported', () => {
    const checkers = new Checkers(honest, new Map());
    const other = { ...commit(1, 1, 'a'), stateRoot: bytes32('root a, computed otherwise') };
    feed(checkers, [[commit(0, 1, 'a')], [other]]);
    expect(checkers.violations).toEqual(['state roots differ at height 1 (node 1)']);
  });

  it('no gaps: a node that skips a height, or commits one twice, is reported', () => {
    const checkers = new Checkers(honest, new Map());
    feed(checkers, [
      [commit(0, 1, 'a'), commit(0, 3, 'c')],
      [commit(1, 1, 'a'), commit(1, 1, 'a')],
    ]);
    expect(checkers.violations).toEqual(['node 0 committed height 3 after 1', 'node 1 committed height 1 after 1']);
  });

  it('validity: a committed transaction nobody submitted is reported; a submitted one passes', () => {
    const submitted = new Map([submittedAs(transfer(1, 1))]);
    const checkers = new Checkers(honest, submitted);
    checkers.commit(commit(0, 1, 'a', [transfer(1, 1)]), genesisLedger);
    expect(checkers.violations).toEqual([]);
    checkers.commit(commit(0, 2, 'b', [transfer(2, 1)]), genesisLedger);
    expect(checkers.violations).toEqual([
      expect.stringMatching(/^validity: node 0 committed [0-9a-f]{64} at height 2, which nobody submitted$/),
    ]);
  });
});

describe('frauds: an attempt the ledger must refuse is refused at every honest node', () => {
  it('a receivable financed twice is reported, labelled fraud or not; a refused attempt is counted', () => {
    const bank = consortium.members.find((m) => m.identity.role === 'bank')?.identity as {
      publicKey: Uint8Array;
    };
    const finance = (nonce: number, receivableId: Uint8Array): Transaction => ({
      chainId: consortium.genesis.chainId,
      sender: bank.publicKey,
      nonce,
      op: { type: 'financeReceivable', receivableId, price: 100 },
      signature: new Uint8Array(64),
    });
    const receivable = bytes32('receivable');
    const refused = finance(1, receivable);
    const first = finance(2, receivable);
    const second = finance(3, receivable);
    const other = finance(4, bytes32('another receivable'));
    const checkers = new Checkers(
      honest,
      new Map([
        submittedAs(refused, 'double-financing'),
        // Labelled a fraud from a tentative view, but the first financing to commit: legal.
        submittedAs(first, 'double-financing'),
        submittedAs(second),
        submittedAs(other),
      ]),
    );
    checkers.commit(commit(0, 1, 'a', [refused], [reasonCodes.alreadyFinanced]), genesisLedger);
    expect(checkers.fraudsRefused).toBe(1);
    checkers.commit(commit(0, 2, 'b', [first, other]), genesisLedger);
    expect(checkers.violations).toEqual([]);
    checkers.commit(commit(0, 3, 'c', [second]), genesisLedger);
    expect(checkers.violations).toEqual([
      expect.stringMatching(
        /^double financing: receivable [0-9a-f]{64} financed at height 2 and again at 3 on node 0$/,
      ),
    ]);
  });

  it('moving frozen funds applied while the sender is frozen is reported, unless the block itself unfroze it', () => {
    const move = transfer(2, 1);
    const sender = consortium.members[2]?.identity.publicKey as Uint8Array;
    const frozenLedger: CheckedLedger = {
      account: (key) => {
        const account = genesisLedger.account(key);
        return account === undefined
          ? undefined
          : { ...(account as Account), frozen: Buffer.compare(key, sender) === 0 };
      },
      accounts: () => genesisLedger.accounts(),
      receivables: () => genesisLedger.receivables(),
      receivable: (id) => genesisLedger.receivable(id),
    };
    const regulator = consortium.members[0]?.identity;
    if (regulator === undefined) throw new Error('no regulator');
    const unfreeze = signTransaction(
      {
        chainId: 'sim',
        sender: regulator.publicKey,
        nonce: 1,
        op: { type: 'setFrozen', target: 'account', id: sender, frozen: false },
      },
      regulator.secretKey,
    );
    const submitted = new Map([submittedAs(move, 'moving-frozen-funds'), submittedAs(unfreeze)]);

    // The sender is not frozen after the block: the label was stale, nothing was broken.
    const unfrozen = new Checkers(honest, submitted);
    unfrozen.commit(commit(0, 1, 'a', [move]), genesisLedger);
    expect(unfrozen.violations).toEqual([]);
    // The block froze or unfroze the sender itself: the order within the block decides, not a fraud.
    const inBlock = new Checkers(honest, submitted);
    inBlock.commit(commit(0, 1, 'a', [unfreeze, move]), frozenLedger);
    expect(inBlock.violations).toEqual([]);
    // Frozen after the block, and the block did not touch the freeze: funds left a frozen account.
    const broken = new Checkers(honest, submitted);
    broken.commit(commit(0, 1, 'a', [move]), frozenLedger);
    expect(broken.violations).toEqual([
      expect.stringMatching(/^fraud applied: moving-frozen-funds [0-9a-f]{64} at height 1 on node 0$/),
    ]);
  });
});

describe('ledger invariants at the end of a run', () => {
  it('supply: a ledger holding more or less than the genesis issued is reported', () => {
    const checkers = new Checkers(honest, new Map());
    checkers.invariants(0, genesisLedger, supply);
    expect(checkers.violations).toEqual([]);
    checkers.invariants(1, genesisLedger, supply - 1);
    checkers.invariants(2, genesisLedger, supply + 1);
    expect(checkers.violations).toEqual([
      `supply: node 1 holds ${supply}, the genesis issued ${supply - 1}`,
      `supply: node 2 holds ${supply}, the genesis issued ${supply + 1}`,
    ]);
  });

  it("a receivable's parts that do not sum to its face amount are reported", () => {
    const receivable = (label: string, amount: number, parts: Uint8Array[] = []): [string, Receivable] => [
      label,
      {
        rootId: bytes32('root'),
        issuer: bytes32('issuer'),
        buyer: bytes32('buyer'),
        holder: bytes32('holder'),
        amount,
        faceAmount: 1_000,
        dueTimeMs: 0,
        invoiceCommitment: bytes32('invoice'),
        status: 'accepted',
        frozen: false,
        attestations: 0,
        parts,
      },
    ];
    const ledgerWith = (partAmount: number): CheckedLedger => {
      const held = new Map([receivable('root', 700, [bytes32('part')]), receivable('part', partAmount)]);
      return {
        account: (key) => genesisLedger.account(key),
        accounts: () => genesisLedger.accounts(),
        receivables: () => held.entries(),
        receivable: (id) => held.get(Buffer.from(id).toString('utf8').replace(/\.+$/, '')),
      };
    };
    const checkers = new Checkers(honest, new Map());
    checkers.invariants(0, ledgerWith(300), supply);
    expect(checkers.violations).toEqual([]);
    checkers.invariants(1, ledgerWith(301), supply);
    expect(checkers.violations).toEqual(["node 1: a receivable's parts sum to 1001, its face is 1000"]);
  });
});
