// SyntheticConsortium: a deterministic workload from a seed whose blocks apply without a
// single refusal, cover every operation type, and can be resumed from a ledger's nonces.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeBlock } from '../../src/codec/block.js';
import { encodeGenesis } from '../../src/codec/genesis.js';
import { type OperationType, operationTypes } from '../../src/codec/operation.js';
import { reasonName } from '../../src/codec/receipt.js';
import { decodeTransaction } from '../../src/codec/transaction.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { SyntheticConsortium } from '../../src/ledger/synthetic.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const digestOf = (chunks: readonly Uint8Array[]): string => {
  const hash = createHash('sha256');
  for (const chunk of chunks) hash.update(chunk);
  return hash.digest('hex');
};

const blockTxs = 200;

/** A ledger for `consortium`, a replica fed its blocks through applyBlock, and a block counter. */
class Chain {
  readonly ledger: Ledger;
  readonly replica: Ledger;
  readonly types = new Set<OperationType>();
  readonly commitments = new Set<string>();
  readonly registered = new Set<string>();
  #previousHash: Uint8Array = new Uint8Array(32);

  constructor(readonly consortium: SyntheticConsortium) {
    this.ledger = Ledger.fromGenesis(consortium.genesis);
    this.replica = Ledger.fromGenesis(consortium.genesis);
  }

  /** Proposes, commits and replays one block of the consortium's next `count` transactions; returns the refusals. */
  async block(source: SyntheticConsortium, count = blockTxs): Promise<string[]> {
    const txs = source.nextTransactions(count);
    const proposed = await this.ledger.propose(txs, {
      previousHash: this.#previousHash,
      timestampMs: this.consortium.genesis.timestampMs + 1_000 * (this.ledger.height + 1),
      proposer: (this.consortium.validators[0] as { publicKey: Uint8Array }).publicKey,
    });
    this.ledger.commit(proposed.executed);
    const replayed = await this.replica.applyBlock(decodeBlock(proposed.bytes));
    this.replica.commit(replayed);
    expect(hex(this.replica.stateRoot)).toBe(hex(this.ledger.stateRoot));
    this.#previousHash = proposed.block.hash;
    for (const bytes of txs) {
      const { op } = decodeTransaction(bytes);
      this.types.add(op.type);
      if (op.type === 'issueReceivable') {
        expect(this.commitments.has(hex(op.invoiceCommitment))).toBe(false);
        this.commitments.add(hex(op.invoiceCommitment));
      }
      if (op.type === 'register') {
        expect(this.registered.has(hex(op.publicKey))).toBe(false);
        this.registered.add(hex(op.publicKey));
      }
    }
    return proposed.executed.receipts
      .map((receipt, i) => ({ i, reason: reasonName(receipt.code) }))
      .filter(({ reason }) => reason !== 'ok')
      .map(({ i, reason }) => `tx ${i} (${decodeTransaction(txs[i] as Uint8Array).op.type}): ${reason}`);
  }

  get supply(): number {
    let total = 0;
    for (const [, account] of this.ledger.accounts()) total += account.balance;
    return total;
  }
}

describe('SyntheticConsortium', () => {
  it('is deterministic from its seed: same seed, byte-identical genesis and transactions', () => {
    const a = new SyntheticConsortium(42);
    const b = new SyntheticConsortium(42);
    expect(hex(encodeGenesis(a.genesis))).toBe(hex(encodeGenesis(b.genesis)));
    expect(a.members.map((member) => hex(member.secretKey))).toEqual(b.members.map((member) => hex(member.secretKey)));
    // In unequal chunks: the stream does not depend on how it is asked for.
    const streamA = [...a.nextTransactions(7), ...a.nextTransactions(293)];
    const streamB = b.nextTransactions(300);
    expect(streamA.map(hex)).toEqual(streamB.map(hex));
  });

  it('differs for another seed: genesis keys and the transaction stream', () => {
    const a = new SyntheticConsortium(42);
    const c = new SyntheticConsortium(43);
    expect(hex(encodeGenesis(a.genesis))).not.toBe(hex(encodeGenesis(c.genesis)));
    const keysA = new Set(a.members.map((member) => hex(member.publicKey)));
    expect(c.members.some((member) => keysA.has(hex(member.publicKey)))).toBe(false);
    const streamA = a.nextTransactions(50);
    const streamC = c.nextTransactions(50);
    expect(digestOf(streamA)).not.toBe(digestOf(streamC));
    const idsA = new Set(streamA.map(hex));
    expect(streamC.some((bytes) => idsA.has(hex(bytes)))).toBe(false);
  });

  it('has the documented cast, in genesis order', () => {
    const consortium = new SyntheticConsortium(1);
    const roles = consortium.members.map((member) => member.role).sort();
    expect(roles).toEqual([
      'bank',
      'bank',
      'buyer',
      'buyer',
      'logistics',
      'regulator',
      'supplier',
      'supplier',
      'supplier',
    ]);
    const keys = consortium.members.map((member) => hex(member.publicKey));
    expect(keys).toEqual([...keys].sort());
    expect(consortium.genesis.members.map((member) => hex(member.publicKey))).toEqual(keys);
    expect(consortium.validators.length).toBeGreaterThan(0);
  });

  it('3 blocks of 200 transactions apply with no refusal and cover every operation type', async () => {
    const consortium = new SyntheticConsortium(2024);
    const chain = new Chain(consortium);
    const supply = chain.supply;
    for (let i = 0; i < 3; i++) {
      expect(await chain.block(consortium)).toEqual([]);
      expect(chain.supply).toBe(supply);
    }
    expect([...chain.types].sort()).toEqual([...operationTypes].sort());
    expect(chain.ledger.height).toBe(3);
  });

  it('resume(ledger) from a re-created consortium continues without refusals', async () => {
    const seed = 99;
    const first = new SyntheticConsortium(seed);
    const chain = new Chain(first);
    expect(await chain.block(first)).toEqual([]);
    // Stop in the middle of a receivable's life cycle.
    expect(await chain.block(first, 203)).toEqual([]);
    expect(await chain.block(first, 397)).toEqual([]);

    const second = new SyntheticConsortium(seed);
    expect(hex(encodeGenesis(second.genesis))).toBe(hex(encodeGenesis(first.genesis)));
    second.resume(chain.ledger);
    for (let i = 0; i < 3; i++) expect(await chain.block(second)).toEqual([]);

    // Resuming the same consortium object again (its own stream state kept) also continues.
    second.resume(chain.ledger);
    expect(await chain.block(second, 50)).toEqual([]);
    expect([...chain.types].sort()).toEqual([...operationTypes].sort());
    for (const member of second.members) {
      expect(chain.ledger.account(member.publicKey)?.nonce).toBeGreaterThan(0);
    }
  });

  it('resume from a fresh ledger starts every nonce at 1 again', async () => {
    const consortium = new SyntheticConsortium(5);
    consortium.nextTransactions(30);
    const chain = new Chain(consortium);
    consortium.resume(chain.ledger);
    const [first] = consortium.nextTransactions(1);
    expect(decodeTransaction(first as Uint8Array).nonce).toBe(1);
  });
});
