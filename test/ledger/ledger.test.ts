// Unit tests of the ledger: one per rule and reason code (the set of codes produced is checked
// at the end), the order of checks of src/ledger/execute.ts, blocks whose header does not match
// their execution, genesis keys, loading stored state, state proofs, and the worker pool.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecodedBlock } from '../../src/codec/block.js';
import { decodeBlock, encodeBlock } from '../../src/codec/block.js';
import type { Genesis } from '../../src/codec/genesis.js';
import type { Operation, Role } from '../../src/codec/operation.js';
import { type ReasonName, reasonCodes, reasonName } from '../../src/codec/receipt.js';
import { encodeTransaction, signTransaction } from '../../src/codec/transaction.js';
import { ed25519CheckPublicKey, ed25519PublicKeyFromSecret } from '../../src/crypto/ed25519.js';
import { BlockMismatchError, GenesisError, StateRootMismatchError } from '../../src/ledger/errors.js';
import { type ExecutedBlock, Ledger, type LedgerOptions, precomputeBlock, stateKeys } from '../../src/ledger/ledger.js';
import { decodeReceivable, encodeReceivable, stateKinds } from '../../src/ledger/records.js';
import type { StateWrite } from '../../src/ledger/state.js';
import { StateTree, verifyStateProof } from '../../src/ledger/state-tree.js';
import { SyntheticConsortium } from '../../src/ledger/synthetic.js';
import { amountMax, receivablePartsMax } from '../../src/limits.js';
import { CryptoPool } from '../../src/pool/crypto-pool.js';

// ---- A small consortium and a harness that signs, proposes and commits ----

const sha256 = (bytes: Uint8Array | string): Uint8Array => new Uint8Array(createHash('sha256').update(bytes).digest());
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

interface Member {
  readonly role: Role;
  readonly name: string;
  readonly balance: number;
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

function keyPair(label: string): { secretKey: Uint8Array; publicKey: Uint8Array } {
  const secretKey = sha256(`consortium-ledger/test/ledger/${label}`);
  return { secretKey, publicKey: ed25519PublicKeyFromSecret(secretKey) };
}

function member(label: string, role: Role, balance: number): Member {
  return { role, name: label, balance, ...keyPair(label) };
}

const chainId = 'unit-chain';
const t0 = 1_700_000_000_000;
const regulator = member('Regulator', 'regulator', 0);
const bankA = member('Bank A', 'bank', 1_000_000);
const bankB = member('Bank B', 'bank', 100);
const supplier1 = member('Supplier 1', 'supplier', 1_000);
const supplier2 = member('Supplier 2', 'supplier', 1_000);
const supplier3 = member('Supplier 3', 'supplier', 0);
const buyer1 = member('Buyer 1', 'buyer', 1_000_000);
const buyer2 = member('Buyer 2', 'buyer', 100);
const logistics = member('Logistics', 'logistics', 0);
const cast = [regulator, bankA, bankB, supplier1, supplier2, supplier3, buyer1, buyer2, logistics];
const newcomer = keyPair('Newcomer');
const supply = cast.reduce((sum, entry) => sum + entry.balance, 0);

const zeroKey = new Uint8Array(32);
/** The identity point (x = 0, y = 1): small order. */
const identityKey = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0));
/** y = 2 is not the y of any curve point. */
const undecodableKey = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 2 : 0));

function genesisOf(members: readonly { role: Role; name: string; publicKey: Uint8Array; balance: number }[]): Genesis {
  return {
    chainId,
    timestampMs: t0,
    members: [...members]
      .sort((a, b) => Buffer.compare(a.publicKey, b.publicKey))
      .map(({ role, name, publicKey, balance }) => ({ role, name, publicKey, balance, validator: true })),
  };
}
const genesis = genesisOf(cast);

/** Every reason some test below saw in a receipt. */
const covered = new Set<ReasonName>();

interface SignOptions {
  readonly nonce?: number;
  readonly chainId?: string;
  /** Sign with this secret key instead of the sender's (a bad signature). */
  readonly signWith?: Uint8Array;
}

class Harness {
  readonly ledger: Ledger;
  timeMs = t0;
  previousHash: Uint8Array = new Uint8Array(32);
  /** Nonces handed out for transactions not yet in a committed block. */
  readonly #reserved = new Map<string, number>();
  last: ExecutedBlock | undefined;
  /** Each committed block's state writes, in order (what a store would have written). */
  readonly writeLog: StateWrite[][] = [];

  constructor(options: LedgerOptions = {}, ledger?: Ledger) {
    this.ledger = ledger ?? Ledger.fromGenesis(genesis, options);
  }

  nonceOf(publicKey: Uint8Array): number {
    return this.ledger.account(publicKey)?.nonce ?? 0;
  }

  /** A signed transaction's bytes; the nonce defaults to the sender's next (counting unsent ones). */
  sign(sender: { publicKey: Uint8Array; secretKey: Uint8Array }, op: Operation, options: SignOptions = {}): Uint8Array {
    const key = hex(sender.publicKey);
    const nonce = options.nonce ?? (this.#reserved.get(key) ?? this.nonceOf(sender.publicKey)) + 1;
    if (options.nonce === undefined) this.#reserved.set(key, nonce);
    const tx = signTransaction(
      { chainId: options.chainId ?? chainId, sender: sender.publicKey, nonce, op },
      options.signWith ?? sender.secretKey,
    );
    return encodeTransaction(tx);
  }

  /** Proposes and commits a block of `txs`; returns each transaction's reason. */
  async block(txs: readonly Uint8Array[]): Promise<ReasonName[]> {
    const proposed = await this.ledger.propose(txs, {
      previousHash: this.previousHash,
      timestampMs: this.timeMs,
      proposer: regulator.publicKey,
    });
    this.ledger.commit(proposed.executed);
    this.previousHash = proposed.block.hash;
    this.last = proposed.executed;
    this.writeLog.push([...proposed.executed.stateWrites]);
    this.#reserved.clear();
    const reasons = proposed.executed.receipts.map((receipt) => reasonName(receipt.code) as ReasonName);
    for (const reason of reasons) covered.add(reason);
    return reasons;
  }

  /** One transaction in a block of its own. */
  async run(
    sender: { publicKey: Uint8Array; secretKey: Uint8Array },
    op: Operation,
    options?: SignOptions,
  ): Promise<ReasonName> {
    const [reason] = await this.block([this.sign(sender, op, options)]);
    return reason as ReasonName;
  }

  /** Issues a receivable from `supplier` to `buyer`; returns its id (the issuing tx's id). */
  async issue(supplier: Member, buyer: Member, amount: number, dueTimeMs = t0): Promise<Uint8Array> {
    const bytes = this.sign(supplier, {
      type: 'issueReceivable',
      buyer: buyer.publicKey,
      amount,
      dueTimeMs,
      invoiceCommitment: sha256(`invoice ${hex(supplier.publicKey)} ${this.nonceOf(supplier.publicKey)} ${amount}`),
    });
    expect(await this.block([bytes])).toEqual(['ok']);
    return sha256(bytes);
  }

  /** Issues and accepts a receivable. */
  async accepted(supplier: Member, buyer: Member, amount: number, dueTimeMs = t0): Promise<Uint8Array> {
    const id = await this.issue(supplier, buyer, amount, dueTimeMs);
    expect(await this.run(buyer, { type: 'acceptReceivable', receivableId: id })).toBe('ok');
    return id;
  }

  /** Splits `amount` of receivable `id` to `to`; returns the part's id. */
  async split(holder: Member, id: Uint8Array, to: Member, amount: number): Promise<Uint8Array> {
    const bytes = this.sign(holder, { type: 'splitReceivable', receivableId: id, to: to.publicKey, amount });
    expect(await this.block([bytes])).toEqual(['ok']);
    return sha256(bytes);
  }

  async freeze(target: 'account' | 'receivable', id: Uint8Array, frozen = true): Promise<void> {
    expect(await this.run(regulator, { type: 'setFrozen', target, id, frozen })).toBe('ok');
  }

  balance(entry: { publicKey: Uint8Array }): number {
    return this.ledger.account(entry.publicKey)?.balance ?? Number.NaN;
  }
}

/** Everything observable about a ledger's state (for "unchanged" checks). */
function snapshotOf(ledger: Ledger): unknown {
  return {
    height: ledger.height,
    stateRoot: hex(ledger.stateRoot),
    stateSize: ledger.stateSize,
    accounts: [...ledger.accounts()].map(([key, row]) => [Buffer.from(key, 'latin1').toString('hex'), { ...row }]),
    receivables: [...ledger.receivables()].map(([key, row]) => [
      Buffer.from(key, 'latin1').toString('hex'),
      hex(encodeReceivable(row)),
    ]),
  };
}

const transfer = (to: Uint8Array, amount: number): Operation => ({ type: 'transfer', to, amount });

// ---- One test per rule ----

describe('transfer', () => {
  it('moves the amount from sender to target (double entry); the whole balance may go', async () => {
    const h = new Harness();
    expect(await h.run(bankA, transfer(supplier3.publicKey, 1_000_000))).toBe('ok');
    expect(h.balance(bankA)).toBe(0);
    expect(h.balance(supplier3)).toBe(1_000_000);
    expect(h.ledger.account(bankA.publicKey)?.nonce).toBe(1);
  });

  it('to oneself leaves the balance and consumes the nonce', async () => {
    const h = new Harness();
    expect(await h.run(supplier1, transfer(supplier1.publicKey, 600))).toBe('ok');
    expect(h.balance(supplier1)).toBe(1_000);
    expect(h.ledger.account(supplier1.publicKey)?.nonce).toBe(1);
  });

  it('refuses an amount of 0 (invalidAmount), above the balance (insufficientFunds), to an unknown account', async () => {
    const h = new Harness();
    expect(await h.run(supplier1, transfer(supplier2.publicKey, 0))).toBe('invalidAmount');
    expect(await h.run(supplier1, transfer(supplier2.publicKey, 1_001))).toBe('insufficientFunds');
    expect(await h.run(supplier1, transfer(newcomer.publicKey, 1))).toBe('unknownAccount');
    expect(h.balance(supplier1)).toBe(1_000);
    expect(h.balance(supplier2)).toBe(1_000);
  });
});

describe('register', () => {
  it('a regulator admits a new key with a role, balance 0 and nonce 0; the newcomer can then sign', async () => {
    const h = new Harness();
    expect(
      await h.run(regulator, { type: 'register', role: 'supplier', name: 'Newcomer', publicKey: newcomer.publicKey }),
    ).toBe('ok');
    expect(h.ledger.account(newcomer.publicKey)).toEqual({
      role: 'supplier',
      name: 'Newcomer',
      balance: 0,
      nonce: 0,
      frozen: false,
    });
    expect(await h.run(bankA, transfer(newcomer.publicKey, 10))).toBe('ok');
    expect(await h.run(newcomer, transfer(supplier1.publicKey, 10))).toBe('ok');
  });

  it('refuses a key already registered (alreadyRegistered) and a non-regulator (notPermitted)', async () => {
    const h = new Harness();
    expect(await h.run(regulator, { type: 'register', role: 'bank', name: 'Again', publicKey: bankB.publicKey })).toBe(
      'alreadyRegistered',
    );
    expect(await h.run(bankA, { type: 'register', role: 'bank', name: 'Mine', publicKey: newcomer.publicKey })).toBe(
      'notPermitted',
    );
    expect(h.ledger.account(bankB.publicKey)?.name).toBe('Bank B');
    expect(h.ledger.account(newcomer.publicKey)).toBeUndefined();
  });

  it('refuses small-order keys (all zeros, the identity) and an undecodable key (invalidKey)', async () => {
    expect(ed25519CheckPublicKey(zeroKey)).toBe('small-order');
    expect(ed25519CheckPublicKey(identityKey)).toBe('small-order');
    expect(ed25519CheckPublicKey(undecodableKey)).toBe('not-on-curve');
    const h = new Harness();
    for (const publicKey of [zeroKey, identityKey, undecodableKey]) {
      expect(await h.run(regulator, { type: 'register', role: 'supplier', name: 'Forger', publicKey })).toBe(
        'invalidKey',
      );
      expect(h.ledger.account(publicKey)).toBeUndefined();
    }
  });
});

describe('issueReceivable', () => {
  it('records the receivable (id = tx id, holder = issuer) and its invoice commitment', async () => {
    const h = new Harness();
    const commitment = sha256('invoice 1');
    const bytes = h.sign(supplier1, {
      type: 'issueReceivable',
      buyer: buyer1.publicKey,
      amount: 5_000,
      dueTimeMs: t0 + 10,
      invoiceCommitment: commitment,
    });
    expect(await h.block([bytes])).toEqual(['ok']);
    const id = sha256(bytes);
    expect(h.ledger.receivable(id)).toEqual({
      rootId: id,
      issuer: supplier1.publicKey,
      buyer: buyer1.publicKey,
      holder: supplier1.publicKey,
      amount: 5_000,
      faceAmount: 5_000,
      dueTimeMs: t0 + 10,
      invoiceCommitment: commitment,
      status: 'issued',
      frozen: false,
      attestations: 0,
      parts: [],
    });
    expect(h.ledger.invoice(commitment)).toEqual({ rootId: id, financedAmount: 0 });
  });

  it('refuses a buyer that is not a registered buyer, an amount of 0, a used commitment, a non-supplier', async () => {
    const h = new Harness();
    const issue = (buyer: Uint8Array, amount: number, commitment: string): Operation => ({
      type: 'issueReceivable',
      buyer,
      amount,
      dueTimeMs: t0,
      invoiceCommitment: sha256(commitment),
    });
    expect(await h.run(supplier1, issue(supplier2.publicKey, 10, 'a'))).toBe('unknownAccount');
    expect(await h.run(supplier1, issue(newcomer.publicKey, 10, 'a'))).toBe('unknownAccount');
    expect(await h.run(supplier1, issue(buyer1.publicKey, 0, 'a'))).toBe('invalidAmount');
    expect(await h.run(supplier1, issue(buyer1.publicKey, 10, 'a'))).toBe('ok');
    // A second receivable backed by the same invoice: another supplier, another buyer, same commitment.
    expect(await h.run(supplier2, issue(buyer2.publicKey, 7, 'a'))).toBe('duplicateCommitment');
    expect(await h.run(buyer1, issue(buyer1.publicKey, 10, 'b'))).toBe('notPermitted');
    expect([...h.ledger.receivables()]).toHaveLength(1);
  });
});

describe('acceptReceivable', () => {
  it('the buyer confirms an issued receivable once', async () => {
    const h = new Harness();
    const id = await h.issue(supplier1, buyer1, 500);
    expect(await h.run(buyer2, { type: 'acceptReceivable', receivableId: id })).toBe('notParty');
    expect(await h.run(buyer1, { type: 'acceptReceivable', receivableId: id })).toBe('ok');
    expect(h.ledger.receivable(id)?.status).toBe('accepted');
    expect(await h.run(buyer1, { type: 'acceptReceivable', receivableId: id })).toBe('badReceivableState');
    expect(await h.run(buyer1, { type: 'acceptReceivable', receivableId: sha256('nothing') })).toBe(
      'unknownReceivable',
    );
  });

  it('refuses a frozen receivable', async () => {
    const h = new Harness();
    const id = await h.issue(supplier1, buyer1, 500);
    await h.freeze('receivable', id);
    expect(await h.run(buyer1, { type: 'acceptReceivable', receivableId: id })).toBe('receivableFrozen');
    await h.freeze('receivable', id, false);
    expect(await h.run(buyer1, { type: 'acceptReceivable', receivableId: id })).toBe('ok');
  });
});

describe('attestShipment', () => {
  const attest = (receivableId: Uint8Array, shipmentId = 'SHP-1'): Operation => ({
    type: 'attestShipment',
    receivableId,
    shipmentId,
    sensorRecordHash: sha256('sensor'),
    shippedTimeMs: t0 + 5,
  });

  it('records the attestation under the tx id and counts it on the receivable', async () => {
    const h = new Harness();
    const id = await h.issue(supplier1, buyer1, 500);
    const bytes = h.sign(logistics, attest(id));
    expect(await h.block([bytes])).toEqual(['ok']);
    expect(h.ledger.attestation(sha256(bytes))).toEqual({
      receivableId: id,
      attester: logistics.publicKey,
      shipmentId: 'SHP-1',
      sensorRecordHash: sha256('sensor'),
      shippedTimeMs: t0 + 5,
    });
    expect(h.ledger.receivable(id)?.attestations).toBe(1);
    expect(await h.run(logistics, attest(sha256('nothing')))).toBe('unknownReceivable');
    expect(await h.run(supplier1, attest(id))).toBe('notPermitted');
  });

  it('refuses a repaid receivable', async () => {
    const h = new Harness();
    const id = await h.accepted(supplier1, buyer1, 500);
    expect(await h.run(buyer1, { type: 'repayReceivable', receivableId: id })).toBe('ok');
    expect(await h.run(logistics, attest(id))).toBe('badReceivableState');
  });

  it('refuses an attestation past the u16 counter instead of wrapping it to 0 in the committed record', async () => {
    // A state whose receivable already has 65,534 attestations, built from stored entries.
    const h = new Harness();
    const id = await h.issue(supplier1, buyer1, 500);
    const entries = await storedEntries(h);
    const key = hex(stateKeys.receivable(id));
    const record = decodeReceivable(entries.get(key) as Uint8Array);
    entries.set(key, encodeReceivable({ ...record, attestations: 0xfffe }));
    const tree = new StateTree();
    tree.update([...entries].map(([k, value]) => ({ key: Buffer.from(k, 'hex'), value })));
    const loaded = new Harness({}, await Ledger.load(genesis, h.ledger.height, tree.root, entryPairs(entries)));

    expect(await loaded.run(logistics, attest(id, 'last'))).toBe('ok');
    expect(loaded.ledger.receivable(id)?.attestations).toBe(0xffff);
    const rootAtCap = hex(loaded.ledger.stateRoot);
    expect(await loaded.run(logistics, attest(id, 'one too many'))).toBe('badReceivableState');
    // Only the nonce moved; the committed count still says 65,535.
    expect(loaded.ledger.receivable(id)?.attestations).toBe(0xffff);
    expect(decodeReceivable(loaded.ledger.getState(stateKeys.receivable(id)) as Uint8Array).attestations).toBe(0xffff);
    expect(hex(loaded.ledger.stateRoot)).not.toBe(rootAtCap);
    expect(loaded.last?.stateWrites.map((write) => hex(write.key))).toEqual([
      hex(stateKeys.account(logistics.publicKey)),
    ]);
  });
});

describe('splitReceivable', () => {
  it('moves a share of the holder’s part to a supplier; the root lists its parts, amounts sum to the face', async () => {
    const h = new Harness();
    const id = await h.accepted(supplier1, buyer1, 1_000);
    const part = await h.split(supplier1, id, supplier2, 300);
    const subPart = await h.split(supplier2, part, supplier3, 100);
    const root = h.ledger.receivable(id);
    expect(root?.amount).toBe(700);
    expect(root?.parts.map(hex)).toEqual([hex(part), hex(subPart)]);
    expect(h.ledger.receivable(part)).toMatchObject({
      rootId: id,
      holder: supplier2.publicKey,
      amount: 200,
      parts: [],
    });
    expect(h.ledger.receivable(subPart)).toMatchObject({ rootId: id, holder: supplier3.publicKey, amount: 100 });
    expect(h.ledger.receivable(subPart)?.status).toBe('accepted');
    expect(h.ledger.receivable(subPart)?.faceAmount).toBe(1_000);
  });

  it('refuses a non-holder, a receivable not accepted, a target that is not a supplier, amounts 0/equal/over', async () => {
    const h = new Harness();
    const issued = await h.issue(supplier1, buyer1, 1_000);
    const split = (receivableId: Uint8Array, to: Uint8Array, amount: number): Operation => ({
      type: 'splitReceivable',
      receivableId,
      to,
      amount,
    });
    expect(await h.run(supplier1, split(issued, supplier2.publicKey, 10))).toBe('badReceivableState');
    expect(await h.run(buyer1, { type: 'acceptReceivable', receivableId: issued })).toBe('ok');
    expect(await h.run(supplier2, split(issued, supplier2.publicKey, 10))).toBe('notParty');
    expect(await h.run(supplier1, split(issued, buyer2.publicKey, 10))).toBe('unknownAccount');
    expect(await h.run(supplier1, split(issued, newcomer.publicKey, 10))).toBe('unknownAccount');
    for (const amount of [0, 1_000, 1_001]) {
      expect(await h.run(supplier1, split(issued, supplier2.publicKey, amount))).toBe('invalidAmount');
    }
    expect(await h.run(supplier1, split(sha256('nothing'), supplier2.publicKey, 10))).toBe('unknownReceivable');
    expect(h.ledger.receivable(issued)).toMatchObject({ amount: 1_000, parts: [] });
  });

  it('refuses a frozen part', async () => {
    const h = new Harness();
    const id = await h.accepted(supplier1, buyer1, 1_000);
    await h.freeze('receivable', id);
    expect(
      await h.run(supplier1, { type: 'splitReceivable', receivableId: id, to: supplier2.publicKey, amount: 1 }),
    ).toBe('receivableFrozen');
  });

  it(`refuses a part beyond ${receivablePartsMax} (tooManyParts)`, async () => {
    const h = new Harness();
    const id = await h.accepted(supplier1, buyer1, 1_000);
    const op: Operation = { type: 'splitReceivable', receivableId: id, to: supplier2.publicKey, amount: 1 };
    const txs = Array.from({ length: receivablePartsMax + 1 }, () => h.sign(supplier1, op));
    const reasons = await h.block(txs);
    expect(reasons.slice(0, receivablePartsMax)).toEqual(Array(receivablePartsMax).fill('ok'));
    expect(reasons[receivablePartsMax]).toBe('tooManyParts');
    expect(h.ledger.receivable(id)).toMatchObject({ amount: 1_000 - receivablePartsMax });
    expect(h.ledger.receivable(id)?.parts).toHaveLength(receivablePartsMax);
  });
});

describe('financeReceivable', () => {
  it('the bank pays the holder the price and becomes the holder; the invoice records the financed amount', async () => {
    const h = new Harness();
    const id = await h.accepted(supplier1, buyer1, 1_000);
    const commitment = h.ledger.receivable(id)?.invoiceCommitment as Uint8Array;
    expect(await h.run(bankA, { type: 'financeReceivable', receivableId: id, price: 970 })).toBe('ok');
    expect(h.balance(supplier1)).toBe(1_970);
    expect(h.balance(bankA)).toBe(1_000_000 - 970);
    expect(h.ledger.receivable(id)).toMatchObject({ holder: bankA.publicKey, status: 'financed' });
    expect(h.ledger.invoice(commitment)?.financedAmount).toBe(1_000);
  });

  it('refuses to finance the same receivable twice, by any bank (alreadyFinanced)', async () => {
    const h = new Harness();
    const id = await h.accepted(supplier1, buyer1, 1_000);
    expect(await h.run(bankA, { type: 'financeReceivable', receivableId: id, price: 900 })).toBe('ok');
    expect(await h.run(bankB, { type: 'financeReceivable', receivableId: id, price: 1 })).toBe('alreadyFinanced');
    expect(await h.run(bankA, { type: 'financeReceivable', receivableId: id, price: 900 })).toBe('alreadyFinanced');
    expect(h.balance(bankB)).toBe(100);
  });

  it('finances each part once: the financed amount reaches the face amount, never more', async () => {
    const h = new Harness();
    const id = await h.accepted(supplier1, buyer1, 1_000);
    const part = await h.split(supplier1, id, supplier2, 400);
    const commitment = h.ledger.receivable(id)?.invoiceCommitment as Uint8Array;
    expect(await h.run(bankA, { type: 'financeReceivable', receivableId: part, price: 390 })).toBe('ok');
    expect(h.ledger.invoice(commitment)?.financedAmount).toBe(400);
    expect(await h.run(bankA, { type: 'financeReceivable', receivableId: id, price: 590 })).toBe('ok');
    expect(h.ledger.invoice(commitment)?.financedAmount).toBe(1_000);
    expect(await h.run(bankA, { type: 'financeReceivable', receivableId: part, price: 1 })).toBe('alreadyFinanced');
    // A financed part can no longer be split (its holder is a bank, and it is not 'accepted').
    expect(
      await h.run(bankA, { type: 'splitReceivable', receivableId: part, to: supplier3.publicKey, amount: 1 }),
    ).toBe('notPermitted');
  });

  it('refuses an issued receivable, prices 0 and above the amount, a poor bank, a frozen receivable', async () => {
    const h = new Harness();
    const id = await h.issue(supplier1, buyer1, 1_000);
    const finance = (price: number): Operation => ({ type: 'financeReceivable', receivableId: id, price });
    expect(await h.run(bankA, finance(10))).toBe('badReceivableState');
    expect(await h.run(buyer1, { type: 'acceptReceivable', receivableId: id })).toBe('ok');
    expect(await h.run(bankA, finance(0))).toBe('invalidAmount');
    expect(await h.run(bankA, finance(1_001))).toBe('invalidAmount');
    expect(await h.run(bankB, finance(101))).toBe('insufficientFunds');
    expect(await h.run(supplier2, finance(10))).toBe('notPermitted');
    expect(await h.run(bankA, { type: 'financeReceivable', receivableId: sha256('x'), price: 1 })).toBe(
      'unknownReceivable',
    );
    await h.freeze('receivable', id);
    expect(await h.run(bankA, finance(10))).toBe('receivableFrozen');
    await h.freeze('receivable', id, false);
    expect(await h.run(bankB, finance(100))).toBe('ok');
  });
});

describe('repayReceivable', () => {
  it('at maturity the buyer pays every holder its part, and every part is repaid', async () => {
    const h = new Harness();
    const id = await h.accepted(supplier1, buyer1, 1_000, t0 + 1_000);
    const part = await h.split(supplier1, id, supplier2, 300);
    expect(await h.run(bankA, { type: 'financeReceivable', receivableId: id, price: 650 })).toBe('ok');
    expect(await h.run(buyer1, { type: 'repayReceivable', receivableId: id })).toBe('notMature');
    h.timeMs = t0 + 1_000;
    const before = { bankA: h.balance(bankA), supplier2: h.balance(supplier2), buyer1: h.balance(buyer1) };
    expect(await h.run(buyer1, { type: 'repayReceivable', receivableId: id })).toBe('ok');
    expect(h.balance(bankA)).toBe(before.bankA + 700);
    expect(h.balance(supplier2)).toBe(before.supplier2 + 300);
    expect(h.balance(buyer1)).toBe(before.buyer1 - 1_000);
    expect(h.ledger.receivable(id)?.status).toBe('repaid');
    expect(h.ledger.receivable(part)?.status).toBe('repaid');
    expect(await h.run(buyer1, { type: 'repayReceivable', receivableId: id })).toBe('badReceivableState');
  });

  it('refuses another buyer, a part instead of the root, an issued receivable, a frozen part, a poor buyer', async () => {
    const h = new Harness();
    const issued = await h.issue(supplier1, buyer2, 1_000);
    const repay = (receivableId: Uint8Array): Operation => ({ type: 'repayReceivable', receivableId });
    expect(await h.run(buyer2, repay(issued))).toBe('badReceivableState');
    expect(await h.run(buyer2, { type: 'acceptReceivable', receivableId: issued })).toBe('ok');
    const part = await h.split(supplier1, issued, supplier2, 10);
    expect(await h.run(buyer1, repay(issued))).toBe('notParty');
    expect(await h.run(buyer2, repay(part))).toBe('badReceivableState');
    expect(await h.run(buyer2, repay(issued))).toBe('insufficientFunds');
    expect(await h.run(buyer2, repay(sha256('x')))).toBe('unknownReceivable');
    await h.freeze('receivable', part);
    expect(await h.run(buyer2, repay(issued))).toBe('receivableFrozen');
    expect(h.ledger.receivable(issued)?.status).toBe('accepted');
    expect(h.balance(buyer2)).toBe(100);
  });
});

describe('setFrozen', () => {
  it('a frozen account cannot move funds out but still receives; unfreezing restores it', async () => {
    const h = new Harness();
    await h.freeze('account', supplier1.publicKey);
    expect(h.ledger.account(supplier1.publicKey)?.frozen).toBe(true);
    expect(await h.run(supplier1, transfer(supplier2.publicKey, 1))).toBe('accountFrozen');
    expect(await h.run(bankA, transfer(supplier1.publicKey, 5))).toBe('ok');
    expect(h.balance(supplier1)).toBe(1_005);
    await h.freeze('account', supplier1.publicKey, false);
    expect(await h.run(supplier1, transfer(supplier2.publicKey, 1))).toBe('ok');
  });

  it('a frozen bank cannot finance, a frozen buyer cannot repay', async () => {
    const h = new Harness();
    const id = await h.accepted(supplier1, buyer1, 1_000);
    await h.freeze('account', bankA.publicKey);
    await h.freeze('account', buyer1.publicKey);
    expect(await h.run(bankA, { type: 'financeReceivable', receivableId: id, price: 10 })).toBe('accountFrozen');
    expect(await h.run(buyer1, { type: 'repayReceivable', receivableId: id })).toBe('accountFrozen');
    expect(h.balance(bankA)).toBe(1_000_000);
    expect(h.balance(buyer1)).toBe(1_000_000);
  });

  it('freezing a root receivable freezes its parts: no split, financing or repayment of any part', async () => {
    const h = new Harness();
    const id = await h.accepted(supplier1, buyer1, 1_000);
    const part = await h.split(supplier1, id, supplier2, 400);
    await h.freeze('receivable', id);
    expect(h.ledger.receivable(part)?.frozen).toBe(false);
    expect(await h.run(bankA, { type: 'financeReceivable', receivableId: part, price: 300 })).toBe('receivableFrozen');
    expect(
      await h.run(supplier2, { type: 'splitReceivable', receivableId: part, to: supplier3.publicKey, amount: 100 }),
    ).toBe('receivableFrozen');
    expect(await h.run(buyer1, { type: 'repayReceivable', receivableId: id })).toBe('receivableFrozen');
    await h.freeze('receivable', id, false);
    expect(await h.run(bankA, { type: 'financeReceivable', receivableId: part, price: 300 })).toBe('ok');
  });

  it("a bank cannot finance a receivable out of a frozen holder's hands (accountFrozen)", async () => {
    const h = new Harness();
    const id = await h.accepted(supplier1, buyer1, 1_000);
    await h.freeze('account', supplier1.publicKey);
    expect(await h.run(bankA, { type: 'financeReceivable', receivableId: id, price: 900 })).toBe('accountFrozen');
    expect(h.ledger.receivable(id)?.holder).toEqual(supplier1.publicKey);
    expect(h.balance(bankA)).toBe(1_000_000);
  });

  it('a regulator cannot freeze its own account (it could never unfreeze it)', async () => {
    const h = new Harness();
    expect(
      await h.run(regulator, { type: 'setFrozen', target: 'account', id: regulator.publicKey, frozen: true }),
    ).toBe('notPermitted');
    expect(h.ledger.account(regulator.publicKey)?.frozen).toBe(false);
  });

  it('refuses an unknown account or receivable, and anyone but a regulator', async () => {
    const h = new Harness();
    expect(await h.run(regulator, { type: 'setFrozen', target: 'account', id: newcomer.publicKey, frozen: true })).toBe(
      'unknownAccount',
    );
    expect(await h.run(regulator, { type: 'setFrozen', target: 'receivable', id: sha256('x'), frozen: true })).toBe(
      'unknownReceivable',
    );
    expect(await h.run(bankA, { type: 'setFrozen', target: 'account', id: bankB.publicKey, frozen: true })).toBe(
      'notPermitted',
    );
  });
});

describe('the envelope: chain, signature, sender, nonce', () => {
  it('refuses another chain, a bad signature, an unknown sender, a stale nonce, a nonce gap', async () => {
    const h = new Harness();
    const op = transfer(supplier2.publicKey, 1);
    expect(await h.run(supplier1, op, { chainId: 'another-chain' })).toBe('wrongChain');
    expect(await h.run(supplier1, op, { signWith: supplier2.secretKey })).toBe('badSignature');
    expect(await h.run(newcomer, op)).toBe('unknownSender');
    expect(await h.run(supplier1, op)).toBe('ok');
    expect(await h.run(supplier1, op, { nonce: 1 })).toBe('staleNonce');
    expect(await h.run(supplier1, op, { nonce: 0 })).toBe('staleNonce');
    expect(await h.run(supplier1, op, { nonce: 3 })).toBe('nonceGap');
    expect(await h.run(supplier1, op, { nonce: 2 })).toBe('ok');
  });

  it('a byte-identical replay of an applied transaction is stale, in the same block or a later one', async () => {
    const h = new Harness();
    const bytes = h.sign(bankA, transfer(supplier3.publicKey, 7));
    expect(await h.block([bytes, bytes])).toEqual(['ok', 'staleNonce']);
    expect(await h.block([bytes])).toEqual(['staleNonce']);
    expect(h.balance(supplier3)).toBe(7);
  });
});

// ---- The order of checks (src/ledger/execute.ts header) ----

describe('order of checks', () => {
  it('wrong chain, bad signature, unknown sender, stale nonce and nonce gap change nothing at all', async () => {
    const h = new Harness();
    const before = snapshotOf(h.ledger);
    const op = transfer(supplier2.publicKey, 1);
    const nonce = 1;
    const reasons = await h.block([
      h.sign(supplier1, op, { nonce, chainId: 'another-chain' }),
      h.sign(supplier1, op, { nonce, signWith: bankA.secretKey }),
      h.sign(newcomer, op, { nonce }),
      h.sign(supplier1, op, { nonce: 0 }),
      h.sign(supplier1, op, { nonce: 2 }),
    ]);
    expect(reasons).toEqual(['wrongChain', 'badSignature', 'unknownSender', 'staleNonce', 'nonceGap']);
    expect(h.last?.stateWrites).toEqual([]);
    expect(snapshotOf(h.ledger)).toEqual({ ...(before as object), height: 1 });
    expect(await h.run(supplier1, op, { nonce: 1 })).toBe('ok');
  });

  it('checks the chain before the signature, the signature before the sender, the sender before the nonce', async () => {
    const h = new Harness();
    const op = transfer(supplier2.publicKey, 1);
    expect(await h.run(supplier1, op, { chainId: 'another-chain', signWith: bankA.secretKey })).toBe('wrongChain');
    expect(await h.run(newcomer, op, { signWith: bankA.secretKey })).toBe('badSignature');
    expect(await h.run(newcomer, op, { nonce: 0 })).toBe('unknownSender');
    expect(await h.run(newcomer, op, { nonce: 9 })).toBe('unknownSender');
    expect(await h.run(supplier1, op, { nonce: 0, signWith: bankA.secretKey })).toBe('badSignature');
  });

  it('role, frozen sender and operation refusals consume the nonce and write only the sender’s account', async () => {
    const h = new Harness();
    await h.freeze('account', bankB.publicKey);
    const cases: [Member, Operation, ReasonName][] = [
      [bankA, { type: 'acceptReceivable', receivableId: sha256('x') }, 'notPermitted'],
      [bankB, transfer(bankA.publicKey, 1), 'accountFrozen'],
      [supplier1, transfer(bankA.publicKey, 5_000), 'insufficientFunds'],
    ];
    for (const [sender, op, reason] of cases) {
      const nonce = h.nonceOf(sender.publicKey);
      const rootBefore = hex(h.ledger.stateRoot);
      expect(await h.run(sender, op)).toBe(reason);
      expect(h.nonceOf(sender.publicKey)).toBe(nonce + 1);
      expect(h.last?.stateWrites.map((write) => hex(write.key))).toEqual([hex(stateKeys.account(sender.publicKey))]);
      expect(hex(h.ledger.stateRoot)).not.toBe(rootBefore);
    }
  });

  it('checks the role before the frozen flag (a frozen bank issuing gets notPermitted)', async () => {
    const h = new Harness();
    await h.freeze('account', bankA.publicKey);
    const op: Operation = {
      type: 'issueReceivable',
      buyer: buyer1.publicKey,
      amount: 1,
      dueTimeMs: t0,
      invoiceCommitment: sha256('i'),
    };
    expect(await h.run(bankA, op)).toBe('notPermitted');
  });

  it('a refused transaction cannot be replayed once its rule would hold: the nonce was consumed', async () => {
    const h = new Harness();
    await h.freeze('account', supplier1.publicKey);
    const bytes = h.sign(supplier1, transfer(supplier2.publicKey, 10));
    expect(await h.block([bytes])).toEqual(['accountFrozen']);
    await h.freeze('account', supplier1.publicKey, false);
    expect(await h.block([bytes])).toEqual(['staleNonce']);
    expect(h.balance(supplier2)).toBe(1_000);
    // The next nonce works, in the same block as a consumed refusal too.
    expect(
      await h.block([
        h.sign(supplier1, transfer(supplier2.publicKey, 5_000)),
        h.sign(supplier1, transfer(supplier2.publicKey, 10)),
      ]),
    ).toEqual(['insufficientFunds', 'ok']);
  });

  it('amountOverflow cannot happen: a genesis whose balances sum past amountMax is refused', () => {
    const rich = [member('Rich 1', 'bank', amountMax), member('Rich 2', 'bank', 1)];
    expect(() => Ledger.fromGenesis(genesisOf(rich))).toThrow(RangeError);
    // Every balance is at most the supply, so no credit can pass amountMax.
    expect(supply).toBeLessThanOrEqual(amountMax);
  });
});

// ---- Blocks ----

/** A block proposed by one ledger, to be applied to another. */
async function proposedBlock(): Promise<{ block: DecodedBlock; bytes: Uint8Array }> {
  const proposer = new Harness();
  const txs = [
    proposer.sign(bankA, transfer(supplier1.publicKey, 10)),
    proposer.sign(supplier1, {
      type: 'issueReceivable',
      buyer: buyer1.publicKey,
      amount: 100,
      dueTimeMs: t0,
      invoiceCommitment: sha256('block invoice'),
    }),
    proposer.sign(newcomer, transfer(supplier1.publicKey, 10)),
  ];
  const proposed = await proposer.ledger.propose(txs, {
    previousHash: new Uint8Array(32),
    timestampMs: t0,
    proposer: regulator.publicKey,
  });
  proposer.ledger.discard(proposed.executed);
  return { block: proposed.block, bytes: proposed.bytes };
}

/** The proposed test block with another timestamp (its roots do not depend on the time). */
async function proposedBlockAt(timestampMs: number): Promise<DecodedBlock> {
  const { block } = await proposedBlock();
  return decodeBlock(encodeBlock({ ...block.header, timestampMs }, block.previousCertificateBytes, block.txBytes));
}

describe('applyBlock and execute', () => {
  let good: { block: DecodedBlock; bytes: Uint8Array };
  beforeAll(async () => {
    good = await proposedBlock();
  });

  it('applies a matching block: same roots as its proposer', async () => {
    const ledger = Ledger.fromGenesis(genesis);
    const executed = await ledger.applyBlock(decodeBlock(good.bytes));
    expect(executed.receipts.map((receipt) => reasonName(receipt.code))).toEqual(['ok', 'ok', 'unknownSender']);
    expect(hex(executed.stateRoot)).toBe(hex(good.block.header.stateRoot));
    ledger.commit(executed);
    expect(ledger.height).toBe(1);
  });

  for (const field of ['stateRoot', 'txRoot', 'receiptsRoot', 'txCount'] as const) {
    it(`refuses a header with a wrong ${field} (BlockMismatchError naming it) and leaves the state as it was`, async () => {
      const ledger = Ledger.fromGenesis(genesis);
      const before = snapshotOf(ledger);
      const header = good.block.header;
      const tampered: DecodedBlock = {
        ...good.block,
        header: {
          ...header,
          ...(field === 'txCount' ? { txCount: header.txCount + 1 } : { [field]: sha256(`wrong ${field}`) }),
        },
      };
      const error = await ledger.applyBlock(tampered).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BlockMismatchError);
      expect((error as BlockMismatchError).field).toBe(field);
      expect((error as BlockMismatchError).height).toBe(1);
      expect((error as BlockMismatchError).code).toBe('BLOCK_MISMATCH');
      expect(snapshotOf(ledger)).toEqual(before);
      expect(ledger.account(supplier1.publicKey)?.balance).toBe(1_000);
      // Nothing is left tentative: the right block applies next.
      const executed = await ledger.applyBlock(decodeBlock(good.bytes));
      ledger.commit(executed);
      expect(hex(ledger.stateRoot)).toBe(hex(header.stateRoot));
    });
  }

  it('names the first mismatching field when several are wrong (txCount, then txRoot, …)', async () => {
    const ledger = Ledger.fromGenesis(genesis);
    const header = good.block.header;
    const wrong = sha256('wrong');
    const allWrong = { ...header, txCount: 9, txRoot: wrong, receiptsRoot: wrong, stateRoot: wrong };
    const noCount = { ...allWrong, txCount: header.txCount };
    for (const [candidate, field] of [
      [allWrong, 'txCount'],
      [noCount, 'txRoot'],
      [{ ...noCount, txRoot: header.txRoot }, 'receiptsRoot'],
    ] as const) {
      const error = await ledger.applyBlock({ ...good.block, header: candidate }).catch((caught: unknown) => caught);
      expect((error as BlockMismatchError).field).toBe(field);
    }
  });

  it('refuses a block whose bytes carry a wrong state root (re-encoded header)', async () => {
    const ledger = Ledger.fromGenesis(genesis);
    const header = { ...good.block.header, stateRoot: sha256('forged') };
    const bytes = encodeBlock(header, good.block.previousCertificateBytes, good.block.txBytes);
    await expect(ledger.applyBlock(decodeBlock(bytes))).rejects.toMatchObject({ field: 'stateRoot' });
    expect(ledger.height).toBe(0);
  });

  it('execute refuses a block older than its predecessor (timestampMs), before and after a reload', async () => {
    const ledger = Ledger.fromGenesis(genesis);
    const older = { ...good.block, header: { ...good.block.header, timestampMs: t0 - 1 } };
    await expect(ledger.execute(older)).rejects.toMatchObject({ code: 'BLOCK_MISMATCH', field: 'timestampMs' });
    const later = await proposedBlockAt(t0 + 5_000);
    ledger.commit(await ledger.applyBlock(later));
    expect(ledger.height).toBe(1);
    // A loaded ledger knows its head block's time: the next block may not be older.
    const fresh = Ledger.fromGenesis(genesis);
    const entries = (await fresh.genesisBlock()).executed.stateWrites.map(
      (write) => [write.key, write.value as Uint8Array] as const,
    );
    const loaded = await Ledger.load(genesis, 0, fresh.stateRoot, entries, { headTimestampMs: t0 + 5_000 });
    await expect(loaded.execute(good.block)).rejects.toMatchObject({ field: 'timestampMs' });
    loaded.commit(await loaded.applyBlock(later));
    expect(loaded.height).toBe(1);
  });

  it('execute refuses a block that is not the next height', async () => {
    const ledger = Ledger.fromGenesis(genesis);
    const before = snapshotOf(ledger);
    for (const height of [0, 2, 7]) {
      const block = { ...good.block, header: { ...good.block.header, height } };
      const error = await ledger.execute(block).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BlockMismatchError);
      expect((error as BlockMismatchError).field).toBe('height');
    }
    expect(snapshotOf(ledger)).toEqual(before);
    ledger.commit(await ledger.execute(good.block));
    expect(ledger.height).toBe(1);
  });

  it('discard restores every record and the state root exactly (inserts, updates, new accounts)', async () => {
    const h = new Harness();
    const id = await h.accepted(supplier1, buyer1, 1_000);
    const before = snapshotOf(h.ledger);
    const txs = [
      h.sign(regulator, { type: 'register', role: 'logistics', name: 'New', publicKey: newcomer.publicKey }),
      h.sign(supplier1, { type: 'splitReceivable', receivableId: id, to: supplier2.publicKey, amount: 100 }),
      h.sign(bankA, { type: 'financeReceivable', receivableId: id, price: 800 }),
      h.sign(logistics, {
        type: 'attestShipment',
        receivableId: id,
        shipmentId: 'S',
        sensorRecordHash: sha256('s'),
        shippedTimeMs: 1,
      }),
      h.sign(supplier2, {
        type: 'issueReceivable',
        buyer: buyer2.publicKey,
        amount: 5,
        dueTimeMs: t0,
        invoiceCommitment: sha256('discarded'),
      }),
    ];
    const proposed = await h.ledger.propose(txs, {
      previousHash: h.previousHash,
      timestampMs: t0,
      proposer: regulator.publicKey,
    });
    expect(proposed.executed.receipts.every((receipt) => receipt.code === reasonCodes.ok)).toBe(true);
    expect(snapshotOf(h.ledger)).not.toEqual(before);
    h.ledger.discard(proposed.executed);
    expect(snapshotOf(h.ledger)).toEqual(before);
    expect(h.ledger.invoice(sha256('discarded'))).toBeUndefined();
    expect(h.ledger.account(newcomer.publicKey)).toBeUndefined();
  });

  it('an empty block changes nothing but the height', async () => {
    const h = new Harness();
    const root = hex(h.ledger.stateRoot);
    expect(await h.block([])).toEqual([]);
    expect(h.ledger.height).toBe(1);
    expect(hex(h.ledger.stateRoot)).toBe(root);
  });
});

describe('genesis', () => {
  it('refuses a member key of small order or that does not decode (GenesisError)', () => {
    for (const publicKey of [zeroKey, identityKey, undecodableKey]) {
      const members = [...cast.slice(0, 3), { role: 'supplier' as const, name: 'Forger', publicKey, balance: 0 }];
      expect(() => Ledger.fromGenesis(genesisOf(members))).toThrow(GenesisError);
    }
  });

  it('block 0 commits to the genesis state; its writes are every account', async () => {
    const ledger = Ledger.fromGenesis(genesis);
    const { block, executed } = await ledger.genesisBlock();
    expect(block.header.height).toBe(0);
    expect(hex(block.header.stateRoot)).toBe(hex(ledger.stateRoot));
    expect(executed.stateWrites).toHaveLength(cast.length);
    expect([...ledger.accounts()].reduce((sum, [, account]) => sum + account.balance, 0)).toBe(supply);
  });
});

// ---- Stored state: load, proofs, getState ----

/** What a store would hold after `h`'s blocks: block 0's writes, then each block's, in order. */
async function storedEntries(h: Harness): Promise<Map<string, Uint8Array>> {
  const entries = new Map<string, Uint8Array>();
  const genesisWrites = (await Ledger.fromGenesis(genesis).genesisBlock()).executed.stateWrites;
  for (const writes of [genesisWrites, ...h.writeLog]) {
    for (const { key, value } of writes) {
      if (value === undefined) entries.delete(hex(key));
      else entries.set(hex(key), value);
    }
  }
  return entries;
}

function entryPairs(entries: Map<string, Uint8Array>): [Uint8Array, Uint8Array][] {
  return [...entries].map(([key, value]) => [new Uint8Array(Buffer.from(key, 'hex')), value]);
}

describe('Ledger.load', () => {
  it('reproduces the state root from stored entries and continues exactly as the original', async () => {
    const h = new Harness();
    const id = await h.accepted(supplier1, buyer1, 1_000);
    await h.split(supplier1, id, supplier2, 100);
    const entries = await storedEntries(h);
    expect(entries.size).toBe(h.ledger.stateSize);
    const loaded = await Ledger.load(genesis, h.ledger.height, h.ledger.stateRoot, entryPairs(entries));
    expect(loaded.height).toBe(h.ledger.height);
    expect(snapshotOf(loaded)).toEqual(snapshotOf(h.ledger));
    // The same next block on both.
    const next = [h.sign(bankA, { type: 'financeReceivable', receivableId: id, price: 850 })];
    const copy = new Harness({}, loaded);
    copy.previousHash = h.previousHash;
    expect(await copy.block(next)).toEqual(await h.block(next));
    expect(hex(loaded.stateRoot)).toBe(hex(h.ledger.stateRoot));
  });

  it('refuses a tampered value or a key of unknown kind (StateRootMismatchError)', async () => {
    const h = new Harness();
    await h.run(bankA, transfer(supplier1.publicKey, 10));
    const entries = await storedEntries(h);
    const key = hex(stateKeys.account(supplier1.publicKey));
    const tampered = new Map(entries);
    const value = (entries.get(key) as Uint8Array).slice();
    value[value.length - 17] = (value[value.length - 17] as number) ^ 1; // the balance's low byte: still decodes
    tampered.set(key, value);
    await expect(Ledger.load(genesis, 1, h.ledger.stateRoot, entryPairs(tampered))).rejects.toBeInstanceOf(
      StateRootMismatchError,
    );
    const unknownKind = new Map(entries);
    unknownKind.set(`09${'00'.repeat(32)}`, new Uint8Array(1));
    await expect(Ledger.load(genesis, 1, h.ledger.stateRoot, entryPairs(unknownKind))).rejects.toBeInstanceOf(
      StateRootMismatchError,
    );
    await expect(Ledger.load(genesis, 1, sha256('other root'), entryPairs(entries))).rejects.toBeInstanceOf(
      StateRootMismatchError,
    );
  });
});

describe('proveState and getState', () => {
  it('presence proofs of an account, a receivable, an invoice and an attestation verify against stateRoot', async () => {
    const h = new Harness();
    const id = await h.accepted(supplier1, buyer1, 1_000);
    const attestBytes = h.sign(logistics, {
      type: 'attestShipment',
      receivableId: id,
      shipmentId: 'S',
      sensorRecordHash: sha256('s'),
      shippedTimeMs: 1,
    });
    expect(await h.block([attestBytes])).toEqual(['ok']);
    const commitment = h.ledger.receivable(id)?.invoiceCommitment as Uint8Array;
    const keys = [
      stateKeys.account(supplier1.publicKey),
      stateKeys.receivable(id),
      stateKeys.invoice(commitment),
      stateKeys.attestation(sha256(attestBytes)),
    ];
    for (const key of keys) {
      const proven = h.ledger.proveState(key);
      expect(proven.value).toBeDefined();
      expect(hex(proven.stateRoot)).toBe(hex(h.ledger.stateRoot));
      expect(verifyStateProof(h.ledger.stateRoot, key, proven.value, proven.proof)).toBe(true);
      // The same proof does not prove another value, nor absence.
      expect(verifyStateProof(h.ledger.stateRoot, key, new Uint8Array([1, 2, 3]), proven.proof)).toBe(false);
      expect(verifyStateProof(h.ledger.stateRoot, key, undefined, proven.proof)).toBe(false);
    }
    const account = h.ledger.getState(stateKeys.account(supplier1.publicKey)) as Uint8Array;
    expect(account[0]).toBe(3); // role code of a supplier
  });

  it('absence proofs verify for keys never written, of every kind', async () => {
    const h = new Harness();
    await h.accepted(supplier1, buyer1, 1_000);
    for (const key of [
      stateKeys.account(newcomer.publicKey),
      stateKeys.receivable(sha256('none')),
      stateKeys.invoice(sha256('none')),
      stateKeys.attestation(sha256('none')),
    ]) {
      const proven = h.ledger.proveState(key);
      expect(proven.value).toBeUndefined();
      expect(verifyStateProof(h.ledger.stateRoot, key, undefined, proven.proof)).toBe(true);
      expect(verifyStateProof(h.ledger.stateRoot, key, new Uint8Array(1), proven.proof)).toBe(false);
    }
  });

  it('a proof stops verifying once the value changes', async () => {
    const h = new Harness();
    const key = stateKeys.account(supplier1.publicKey);
    const old = h.ledger.proveState(key);
    await h.run(bankA, transfer(supplier1.publicKey, 1));
    expect(verifyStateProof(h.ledger.stateRoot, key, old.value, old.proof)).toBe(false);
    expect(verifyStateProof(old.stateRoot, key, old.value, old.proof)).toBe(true);
  });

  it('getState returns undefined for malformed keys', () => {
    const ledger = Ledger.fromGenesis(genesis);
    const id = supplier1.publicKey;
    const withKind = (kind: number, body: Uint8Array): Uint8Array => Uint8Array.of(kind, ...body);
    for (const key of [
      new Uint8Array(0),
      Uint8Array.of(stateKinds.account),
      id,
      withKind(stateKinds.account, id.subarray(0, 31)),
      withKind(stateKinds.account, Uint8Array.of(...id, 0)),
      withKind(0, id),
      withKind(5, id),
      withKind(0xff, id),
    ]) {
      expect(ledger.getState(key)).toBeUndefined();
    }
    expect(ledger.getState(withKind(stateKinds.account, id))).toBeDefined();
  });
});

// ---- The worker pool as the crypto backend ----

describe('Ledger with a CryptoPool', () => {
  let pool: CryptoPool;
  beforeAll(() => {
    pool = new CryptoPool({ threads: 2 });
  });
  afterAll(async () => {
    await pool.close();
  });

  it('executes a block to the same receipts and state root as the inline backend', async () => {
    const consortium = new SyntheticConsortium(7, chainId);
    const txs = consortium.nextTransactions(200);
    const fields = { previousHash: new Uint8Array(32), timestampMs: t0 + 1, proposer: regulator.publicKey };
    const inline = Ledger.fromGenesis(consortium.genesis);
    const pooled = Ledger.fromGenesis(consortium.genesis, { crypto: pool });
    const [a, b] = [await inline.propose(txs, fields), await pooled.propose(txs, fields)];
    expect(b.executed.receipts).toEqual(a.executed.receipts);
    expect(a.executed.receipts.every((receipt) => receipt.code === reasonCodes.ok)).toBe(true);
    expect(hex(b.executed.stateRoot)).toBe(hex(a.executed.stateRoot));
    expect(hex(b.block.hash)).toBe(hex(a.block.hash));
    pooled.commit(b.executed);
    // And a block proposed inline applies on the pooled ledger's twin, with its signatures
    // verified ahead of time on the pool (a verifier's pipeline).
    const block = decodeBlock(a.bytes);
    const twin = Ledger.fromGenesis(consortium.genesis);
    twin.commit(await twin.applyBlock(block, await precomputeBlock(block, pool)));
    expect(hex(twin.stateRoot)).toBe(hex(pooled.stateRoot));
  });
});

// ---- Coverage of the reason codes (keep last: it reads what the tests above saw) ----

describe('reason codes', () => {
  it('every code the ledger can produce was produced by a test above (amountOverflow cannot be)', () => {
    const producible = (Object.keys(reasonCodes) as ReasonName[]).filter((name) => name !== 'amountOverflow');
    expect([...covered].sort()).toEqual(producible.sort());
  });
});
