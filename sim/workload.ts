/**
 * What each role submits, at a rate drawn per node from the seed. Every transaction is built
 * from the submitting node's own committed ledger state, signed by the member it acts for:
 *
 * - a supplier issues receivables to its core-enterprise buyer, has the buyer accept them,
 *   splits accepted ones to another supplier, and has the buyer repay at maturity;
 * - logistics attests shipments against receivables;
 * - a bank finances accepted receivables;
 * - the regulator freezes a supplier's account now and then, and unfreezes it later.
 *
 * Some honest members also try the frauds the ledger refuses — a bank financing a receivable
 * that is already financed (double financing), a frozen supplier moving funds — and the run
 * checks that every honest node refuses each of them.
 *
 * Nonces: each signing member has a window of transactions in flight above its committed
 * nonce; if its committed nonce stops moving for a while (a transaction lost with a crashed
 * node), it starts again from the committed nonce. Transactions that then arrive late are
 * refused as stale, which is the ledger's rule, not a failure. Signing is deterministic, so a
 * rebuilt transaction for a nonce can be byte for byte one that already committed (refused for
 * a nonce gap, which does not consume the nonce); replicas drop such a replay, and the sender
 * would be stuck at that nonce for good. The workload is told what committed, and signs a
 * settlement transfer of a fresh amount in its place (any transaction in sequence consumes the
 * nonce, even a refused one).
 */
import { bytesEqual, toHex } from '../src/bytes.js';
import type { Operation } from '../src/codec/operation.js';
import { encodeTransaction, signTransaction, transactionId } from '../src/codec/transaction.js';
import { ed25519PublicKeyFromSecret } from '../src/crypto/ed25519.js';
import type { Receivable } from '../src/ledger/records.js';
import type { Prng } from '../src/prng.js';
import type { SimIdentity, SimMember } from './consortium.js';
import type { SimNode } from './node.js';

/** A transaction the workload made. */
export interface WorkloadTx {
  readonly bytes: Uint8Array;
  readonly idHex: string;
  /** The fraud it attempts (the ledger must refuse it), if any. */
  readonly fraud?: 'double-financing' | 'moving-frozen-funds';
}

const inFlightMax = 4;
const resyncAfterMs = 3_000;

interface NonceState {
  assigned: number;
  committed: number;
  progressMs: number;
}

/** The workload of one run. */
export class Workload {
  readonly #prng: Prng;
  readonly #chainId: string;
  readonly #members: readonly SimMember[];
  readonly #fraudRate: number;
  readonly #nonces = new Map<string, NonceState>();
  /** Ids (hex) of transactions some node committed. */
  readonly #committed = new Set<string>();

  constructor(prng: Prng, chainId: string, members: readonly SimMember[], fraudRate: number) {
    this.#prng = prng;
    this.#chainId = chainId;
    this.#members = members;
    this.#fraudRate = fraudRate;
  }

  /** The next transaction node `node` submits at `nowMs`, or undefined when it has nothing to do now. */
  next(node: SimNode, nowMs: number): WorkloadTx | undefined {
    const member = node.member;
    const role = member.identity.role;
    const fraud = this.#prng.nextFloat() < this.#fraudRate;
    switch (role) {
      case 'supplier':
        return this.#supplier(node, member, nowMs, fraud);
      case 'bank':
        return this.#bank(node, nowMs, fraud);
      case 'logistics':
        return this.#logistics(node, nowMs);
      case 'regulator':
        return this.#regulator(node, nowMs);
      default:
        return undefined;
    }
  }

  #supplier(node: SimNode, member: SimMember, nowMs: number, fraud: boolean): WorkloadTx | undefined {
    const me = member.identity;
    const buyer = member.buyer;
    if (buyer === undefined) return undefined;
    const ledger = node.ledger;
    if (ledger.account(me.publicKey)?.frozen === true) {
      // A frozen supplier tries to move funds anyway: the ledger must refuse it.
      const other = this.#pick(this.#members.filter((m) => m !== member));
      if (other === undefined) return undefined;
      return this.#sign(
        node,
        me,
        { type: 'transfer', to: other.identity.publicKey, amount: 1 },
        nowMs,
        'moving-frozen-funds',
      );
    }
    const mine = this.#receivables(node, (r) => bytesEqual(r.issuer, me.publicKey));
    const issued = mine.find(([, r]) => r.status === 'issued' && !r.frozen);
    if (issued !== undefined)
      return this.#sign(node, buyer, { type: 'acceptReceivable', receivableId: issued[0] }, nowMs);
    const blockTime = node.ledger.genesis.timestampMs + Math.floor(nowMs);
    const due = mine.find(
      ([id, r]) =>
        bytesEqual(id, r.rootId) && r.status !== 'repaid' && r.status !== 'issued' && r.dueTimeMs <= blockTime - 1000,
    );
    if (due !== undefined) return this.#sign(node, buyer, { type: 'repayReceivable', receivableId: due[0] }, nowMs);
    const splittable = mine.find(
      ([id, r]) =>
        bytesEqual(id, r.rootId) &&
        r.status === 'accepted' &&
        r.parts.length === 0 &&
        r.amount > 1 &&
        bytesEqual(r.holder, me.publicKey),
    );
    const tier2 = this.#pick(this.#members.filter((m) => m.identity.role === 'supplier' && m !== member));
    if (splittable !== undefined && tier2 !== undefined && !fraud) {
      const amount = Math.max(1, Math.floor(splittable[1].amount / 3));
      return this.#sign(
        node,
        me,
        { type: 'splitReceivable', receivableId: splittable[0], to: tier2.identity.publicKey, amount },
        nowMs,
      );
    }
    const commitment = this.#prng.bytes(32);
    return this.#sign(
      node,
      me,
      {
        type: 'issueReceivable',
        buyer: buyer.publicKey,
        amount: 10_000 + this.#prng.below(90_000),
        dueTimeMs: blockTime + 5_000 + this.#prng.below(10_000),
        invoiceCommitment: commitment,
      },
      nowMs,
    );
  }

  #bank(node: SimNode, nowMs: number, fraud: boolean): WorkloadTx | undefined {
    const me = node.member.identity;
    if (fraud) {
      // Double financing: a receivable (or part) someone has already financed.
      const financed = this.#pick(this.#receivables(node, (r) => r.status === 'financed'));
      if (financed !== undefined) {
        return this.#sign(
          node,
          me,
          { type: 'financeReceivable', receivableId: financed[0], price: financed[1].amount },
          nowMs,
          'double-financing',
        );
      }
    }
    const candidate = this.#pick(this.#receivables(node, (r) => r.status === 'accepted' && !r.frozen));
    if (candidate === undefined) {
      // A consortium without a supplier (1 or 2 members) has no receivables to finance: the
      // bank settles with another member instead, so every membership size carries load.
      if (this.#members.some((m) => m.identity.role === 'supplier')) return undefined;
      const other = this.#pick(this.#members.filter((m) => m !== node.member));
      const payee = other?.identity.publicKey ?? me.publicKey;
      return this.#sign(node, me, { type: 'transfer', to: payee, amount: 1 + this.#prng.below(1_000) }, nowMs);
    }
    const price = Math.max(1, Math.floor(candidate[1].amount * 0.97));
    return this.#sign(node, me, { type: 'financeReceivable', receivableId: candidate[0], price }, nowMs);
  }

  #logistics(node: SimNode, nowMs: number): WorkloadTx | undefined {
    const target = this.#pick(this.#receivables(node, (r) => r.status !== 'repaid' && r.attestations < 3));
    if (target === undefined) return undefined;
    return this.#sign(
      node,
      node.member.identity,
      {
        type: 'attestShipment',
        receivableId: target[0],
        shipmentId: `SHP-${node.id}-${this.#prng.below(1_000_000)}`,
        sensorRecordHash: this.#prng.bytes(32),
        shippedTimeMs: node.ledger.genesis.timestampMs + Math.floor(nowMs),
      },
      nowMs,
    );
  }

  #regulator(node: SimNode, nowMs: number): WorkloadTx | undefined {
    if (this.#prng.nextFloat() > 0.1) return undefined; // the regulator acts rarely
    const suppliers = this.#members.filter((m) => m.identity.role === 'supplier');
    const frozen = suppliers.find((m) => node.ledger.account(m.identity.publicKey)?.frozen === true);
    const target = frozen ?? this.#pick(suppliers);
    if (target === undefined) {
      // A consortium of the regulator alone: it admits new (non-validator) participants.
      const publicKey = ed25519PublicKeyFromSecret(this.#prng.bytes(32));
      const name = `Logistics ${toHex(publicKey).slice(0, 8)}`;
      return this.#sign(node, node.member.identity, { type: 'register', role: 'logistics', name, publicKey }, nowMs);
    }
    return this.#sign(
      node,
      node.member.identity,
      { type: 'setFrozen', target: 'account', id: target.identity.publicKey, frozen: frozen === undefined },
      nowMs,
    );
  }

  #receivables(node: SimNode, keep: (r: Readonly<Receivable>) => boolean): [Uint8Array, Readonly<Receivable>][] {
    const out: [Uint8Array, Readonly<Receivable>][] = [];
    // The ledger keys its tables by the id's bytes as a latin1 string.
    for (const [idKey, receivable] of node.ledger.receivables()) {
      if (keep(receivable)) out.push([new Uint8Array(Buffer.from(idKey, 'latin1')), receivable]);
    }
    return out;
  }

  #pick<T>(items: readonly T[]): T | undefined {
    return items.length === 0 ? undefined : items[this.#prng.below(items.length)];
  }

  /** Notes transactions that committed (at any node): a rebuilt one with the same bytes would be a replay. */
  committed(txIds: readonly Uint8Array[]): void {
    for (const id of txIds) this.#committed.add(toHex(id));
  }

  #sign(
    node: SimNode,
    who: SimIdentity,
    op: Operation,
    nowMs: number,
    fraud?: WorkloadTx['fraud'],
  ): WorkloadTx | undefined {
    const nonce = this.#nonce(node, who, nowMs);
    if (nonce === undefined) return undefined;
    const signed = (operation: Operation) =>
      encodeTransaction(
        signTransaction({ chainId: this.#chainId, sender: who.publicKey, nonce, op: operation }, who.secretKey),
      );
    let bytes = signed(op);
    let idHex = toHex(transactionId(bytes));
    let label = fraud;
    for (let attempt = 0; this.#committed.has(idHex) && attempt < 4; attempt++) {
      // Already in a block (refused there without consuming the nonce): replicas would drop it.
      const payee = this.#pick(this.#members.filter((m) => m.identity !== who)) ?? this.#members[0];
      const to = payee?.identity.publicKey ?? who.publicKey;
      bytes = signed({ type: 'transfer', to, amount: 1 + this.#prng.below(1_000_000) });
      idHex = toHex(transactionId(bytes));
      label = undefined;
    }
    return { bytes, idHex, ...(label === undefined ? {} : { fraud: label }) };
  }

  #nonce(node: SimNode, who: SimIdentity, nowMs: number): number | undefined {
    const key = toHex(who.publicKey);
    const committed = node.ledger.account(who.publicKey)?.nonce ?? 0;
    let state = this.#nonces.get(key);
    if (state === undefined) {
      state = { assigned: committed, committed, progressMs: nowMs };
      this.#nonces.set(key, state);
    }
    if (committed > state.committed) {
      state.committed = committed;
      state.progressMs = nowMs;
    }
    if (state.assigned < committed) state.assigned = committed;
    if (state.assigned > committed && nowMs - state.progressMs > resyncAfterMs) {
      state.assigned = committed; // lost in flight: start again from what committed
      state.progressMs = nowMs;
    }
    if (state.assigned - committed >= inFlightMax) return undefined;
    state.assigned++;
    return state.assigned;
  }
}
