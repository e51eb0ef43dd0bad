/**
 * A plain in-memory model of the supply-chain-finance ledger, for model-based tests. It is
 * written from the rules as documented — docs/architecture.md ("Ledger: the supply-chain-finance model"), the
 * role table (src/ledger/rules.ts header), the reason codes (src/codec/receipt.ts) and the
 * order of checks (src/ledger/execute.ts header) — and never calls src/ledger. Keys and ids
 * are lowercase hex; records are plain objects; a block is tentative by cloning the model.
 *
 * Within one operation the model checks its rules in this order (the first broken rule is the
 * reason): existence of what the operation names, the sender's party, frozen flags, the
 * receivable's state, the amounts, and the paying balance last — so a transaction that breaks
 * several rules gets one deterministic code.
 *
 * Whether a key may be registered is decided by @noble/ed25519 (ZIP-215 decoding, small-order
 * test), not by the engine's wasm: an independent oracle for `invalidKey`.
 */
import * as noble from '@noble/ed25519';
import type { Operation, OperationType, Role } from '../../src/codec/operation.js';
import type { ReasonName } from '../../src/codec/receipt.js';
import type { Transaction } from '../../src/codec/transaction.js';

/** Lowercase hex of bytes: the model's key and id type. */
export type Hex = string;

export const hexOf = (bytes: Uint8Array): Hex => Buffer.from(bytes).toString('hex');

/** Which roles may sign each operation (docs/architecture.md; rules.ts's table, transcribed). */
export const modelOperationRoles: Readonly<Record<OperationType, readonly Role[]>> = {
  register: ['regulator'],
  transfer: ['regulator', 'bank', 'supplier', 'buyer', 'logistics'],
  issueReceivable: ['supplier'],
  acceptReceivable: ['buyer'],
  attestShipment: ['logistics'],
  splitReceivable: ['supplier'],
  financeReceivable: ['bank'],
  repayReceivable: ['buyer'],
  setFrozen: ['regulator'],
};

/** Refusals that leave the state untouched (the nonce is not consumed): execute.ts, step 1. */
export const nonceKeepingReasons: ReadonlySet<ReasonName> = new Set<ReasonName>([
  'wrongChain',
  'badSignature',
  'unknownSender',
  'staleNonce',
  'nonceGap',
]);

/** Most parts a receivable may be split into (limits.ts `receivablePartsMax`). */
export const modelPartsMax = 64;
/** Most attestations one receivable records (its u16 counter in the state record). */
export const modelAttestationsMax = 0xffff;

export interface ModelAccount {
  role: Role;
  name: string;
  balance: number;
  nonce: number;
  frozen: boolean;
}

export type ModelStatus = 'issued' | 'accepted' | 'financed' | 'repaid';

export interface ModelReceivable {
  rootId: Hex;
  issuer: Hex;
  buyer: Hex;
  holder: Hex;
  amount: number;
  faceAmount: number;
  dueTimeMs: number;
  invoiceCommitment: Hex;
  status: ModelStatus;
  frozen: boolean;
  attestations: number;
  parts: Hex[];
}

export interface ModelInvoice {
  rootId: Hex;
  financedAmount: number;
}

export interface ModelAttestation {
  receivableId: Hex;
  attester: Hex;
  shipmentId: string;
  sensorRecordHash: Hex;
  shippedTimeMs: number;
}

/** A founding member as the model needs it. */
export interface ModelMember {
  readonly role: Role;
  readonly name: string;
  readonly publicKey: Uint8Array;
  readonly balance: number;
}

/** True iff `publicKey` decodes (ZIP-215) to a point not of small order (@noble/ed25519). */
export function modelKeyRegistrable(publicKey: Uint8Array): boolean {
  try {
    return !noble.Point.fromBytes(publicKey, true).isSmallOrder();
  } catch {
    return false;
  }
}

/** The chain and block time a transaction is applied in. */
export interface ModelContext {
  readonly chainId: string;
  readonly timestampMs: number;
}

/** The ledger as plain maps. */
export class LedgerModel {
  readonly accounts = new Map<Hex, ModelAccount>();
  /** Every receivable and part, in creation order. */
  readonly receivables = new Map<Hex, ModelReceivable>();
  readonly invoices = new Map<Hex, ModelInvoice>();
  readonly attestations = new Map<Hex, ModelAttestation>();

  static fromMembers(members: readonly ModelMember[]): LedgerModel {
    const model = new LedgerModel();
    for (const member of members) {
      model.accounts.set(hexOf(member.publicKey), {
        role: member.role,
        name: member.name,
        balance: member.balance,
        nonce: 0,
        frozen: false,
      });
    }
    return model;
  }

  /** A deep copy (a block's tentative state). */
  clone(): LedgerModel {
    const copy = new LedgerModel();
    for (const [id, row] of this.accounts) copy.accounts.set(id, { ...row });
    for (const [id, row] of this.receivables) copy.receivables.set(id, { ...row, parts: [...row.parts] });
    for (const [id, row] of this.invoices) copy.invoices.set(id, { ...row });
    for (const [id, row] of this.attestations) copy.attestations.set(id, { ...row });
    return copy;
  }

  /** Number of state records (what the state map holds). */
  get size(): number {
    return this.accounts.size + this.receivables.size + this.invoices.size + this.attestations.size;
  }

  /** Sum of all balances. */
  get supply(): number {
    let total = 0;
    for (const account of this.accounts.values()) total += account.balance;
    return total;
  }

  /**
   * Applies one transaction (id `txId`, signature verdict `signatureValid`) and returns the
   * reason: `ok` or why it was refused.
   */
  apply(tx: Transaction, txId: Uint8Array, signatureValid: boolean, context: ModelContext): ReasonName {
    // Step 1: not the sender's next transaction, or not the sender's — no state change.
    if (tx.chainId !== context.chainId) return 'wrongChain';
    if (!signatureValid) return 'badSignature';
    const senderId = hexOf(tx.sender);
    const sender = this.accounts.get(senderId);
    if (sender === undefined) return 'unknownSender';
    if (tx.nonce <= sender.nonce) return 'staleNonce';
    if (tx.nonce !== sender.nonce + 1) return 'nonceGap';
    // Step 2: the nonce is consumed whatever follows.
    sender.nonce = tx.nonce;
    if (!modelOperationRoles[tx.op.type].includes(sender.role)) return 'notPermitted';
    if (sender.frozen) return 'accountFrozen';
    return this.#operation(tx.op, senderId, sender, hexOf(txId), context);
  }

  /** A part is frozen when it is, or when its root is (freezing an invoice freezes every part). */
  #frozen(receivable: ModelReceivable): boolean {
    return receivable.frozen || (this.receivables.get(receivable.rootId) as ModelReceivable).frozen;
  }

  #operation(op: Operation, senderId: Hex, sender: ModelAccount, txId: Hex, context: ModelContext): ReasonName {
    switch (op.type) {
      case 'register': {
        const id = hexOf(op.publicKey);
        if (this.accounts.has(id)) return 'alreadyRegistered';
        if (!modelKeyRegistrable(op.publicKey)) return 'invalidKey';
        this.accounts.set(id, { role: op.role, name: op.name, balance: 0, nonce: 0, frozen: false });
        return 'ok';
      }
      case 'transfer': {
        const target = this.accounts.get(hexOf(op.to));
        if (target === undefined) return 'unknownAccount';
        if (op.amount === 0) return 'invalidAmount';
        if (sender.balance < op.amount) return 'insufficientFunds';
        sender.balance -= op.amount;
        target.balance += op.amount;
        return 'ok';
      }
      case 'issueReceivable': {
        const buyerId = hexOf(op.buyer);
        if (this.accounts.get(buyerId)?.role !== 'buyer') return 'unknownAccount';
        if (op.amount === 0) return 'invalidAmount';
        const commitment = hexOf(op.invoiceCommitment);
        if (this.invoices.has(commitment)) return 'duplicateCommitment';
        this.receivables.set(txId, {
          rootId: txId,
          issuer: senderId,
          buyer: buyerId,
          holder: senderId,
          amount: op.amount,
          faceAmount: op.amount,
          dueTimeMs: op.dueTimeMs,
          invoiceCommitment: commitment,
          status: 'issued',
          frozen: false,
          attestations: 0,
          parts: [],
        });
        this.invoices.set(commitment, { rootId: txId, financedAmount: 0 });
        return 'ok';
      }
      case 'acceptReceivable': {
        const id = hexOf(op.receivableId);
        const receivable = this.receivables.get(id);
        if (receivable === undefined) return 'unknownReceivable';
        if (receivable.buyer !== senderId) return 'notParty';
        if (this.#frozen(receivable)) return 'receivableFrozen';
        // Only a root is accepted (its parts are born accepted), and only once.
        if (receivable.rootId !== id || receivable.status !== 'issued') return 'badReceivableState';
        receivable.status = 'accepted';
        return 'ok';
      }
      case 'attestShipment': {
        const id = hexOf(op.receivableId);
        const receivable = this.receivables.get(id);
        if (receivable === undefined) return 'unknownReceivable';
        if (receivable.status === 'repaid' || receivable.attestations >= modelAttestationsMax) {
          return 'badReceivableState';
        }
        receivable.attestations += 1;
        this.attestations.set(txId, {
          receivableId: id,
          attester: senderId,
          shipmentId: op.shipmentId,
          sensorRecordHash: hexOf(op.sensorRecordHash),
          shippedTimeMs: op.shippedTimeMs,
        });
        return 'ok';
      }
      case 'splitReceivable': {
        const id = hexOf(op.receivableId);
        const receivable = this.receivables.get(id);
        if (receivable === undefined) return 'unknownReceivable';
        if (receivable.holder !== senderId) return 'notParty';
        if (this.#frozen(receivable)) return 'receivableFrozen';
        if (receivable.status !== 'accepted') return 'badReceivableState';
        const targetId = hexOf(op.to);
        if (this.accounts.get(targetId)?.role !== 'supplier') return 'unknownAccount';
        // A part is a strict share: neither nothing nor the whole.
        if (op.amount === 0 || op.amount >= receivable.amount) return 'invalidAmount';
        const root = this.receivables.get(receivable.rootId) as ModelReceivable;
        if (root.parts.length >= modelPartsMax) return 'tooManyParts';
        receivable.amount -= op.amount;
        root.parts.push(txId);
        this.receivables.set(txId, {
          ...receivable,
          holder: targetId,
          amount: op.amount,
          status: 'accepted',
          frozen: false,
          attestations: 0,
          parts: [],
        });
        return 'ok';
      }
      case 'financeReceivable': {
        const receivable = this.receivables.get(hexOf(op.receivableId));
        if (receivable === undefined) return 'unknownReceivable';
        if (this.#frozen(receivable)) return 'receivableFrozen';
        if ((this.accounts.get(receivable.holder) as ModelAccount).frozen) return 'accountFrozen';
        if (receivable.status === 'financed') return 'alreadyFinanced';
        if (receivable.status !== 'accepted') return 'badReceivableState';
        if (op.price === 0 || op.price > receivable.amount) return 'invalidAmount';
        const invoice = this.invoices.get(receivable.invoiceCommitment) as ModelInvoice;
        if (invoice.financedAmount + receivable.amount > receivable.faceAmount) return 'alreadyFinanced';
        if (sender.balance < op.price) return 'insufficientFunds';
        sender.balance -= op.price;
        (this.accounts.get(receivable.holder) as ModelAccount).balance += op.price;
        receivable.holder = senderId;
        receivable.status = 'financed';
        invoice.financedAmount += receivable.amount;
        return 'ok';
      }
      case 'repayReceivable': {
        const id = hexOf(op.receivableId);
        const root = this.receivables.get(id);
        if (root === undefined) return 'unknownReceivable';
        if (root.buyer !== senderId) return 'notParty';
        if (root.rootId !== id) return 'badReceivableState';
        if (context.timestampMs < root.dueTimeMs) return 'notMature';
        const all = [root, ...root.parts.map((part) => this.receivables.get(part) as ModelReceivable)];
        for (const part of all) {
          if (part.frozen) return 'receivableFrozen';
          if (part.status !== 'accepted' && part.status !== 'financed') return 'badReceivableState';
        }
        const total = all.reduce((sum, part) => sum + part.amount, 0);
        if (sender.balance < total) return 'insufficientFunds';
        for (const part of all) {
          sender.balance -= part.amount;
          (this.accounts.get(part.holder) as ModelAccount).balance += part.amount;
          part.status = 'repaid';
        }
        return 'ok';
      }
      case 'setFrozen': {
        if (op.target === 'account' && hexOf(op.id) === senderId) return 'notPermitted';
        const target = op.target === 'account' ? this.accounts.get(hexOf(op.id)) : this.receivables.get(hexOf(op.id));
        if (target === undefined) return op.target === 'account' ? 'unknownAccount' : 'unknownReceivable';
        target.frozen = op.frozen;
        return 'ok';
      }
    }
  }
}
