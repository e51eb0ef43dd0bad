/**
 * Applying one transaction to the state: the supply-chain-finance rules. Every transaction in
 * a block gets a reason code (src/codec/receipt.ts); `ok` means its operation took effect.
 *
 * Order of checks, and what a refusal costs the sender:
 * 1. wrong chain, bad signature, unknown sender, stale nonce, nonce gap — refused with no
 *    state change at all (the transaction is not the sender's next one, or not the sender's);
 * 2. from here the nonce is consumed even if the operation is refused (role not permitted,
 *    sender frozen, any operation rule): a refused transaction can never be replayed later,
 *    when the rule it broke might no longer hold.
 * Nothing here throws for a peer's input: every outcome is a code.
 */

import type { Operation } from '../codec/operation.js';
import { type ReasonCode, reasonCodes } from '../codec/receipt.js';
import type { Transaction } from '../codec/transaction.js';
import { ed25519CheckPublicKey } from '../crypto/ed25519.js';
import { receivableAttestationsMax, receivablePartsMax } from '../limits.js';
import type { Account, Receivable } from './records.js';
import { rolePermits } from './rules.js';
import { idKey, type LedgerState } from './state.js';

/** What a transaction is applied in: the chain and the block's time. */
export interface ExecutionContext {
  readonly chainId: string;
  /** The block's timestamp (repayment at maturity compares against it). */
  readonly timestampMs: number;
}

/**
 * Applies `tx` (id `txId`, signature verdict `signatureValid`) to `state` and returns its
 * reason code. The state changes only for `ok` and for the nonce of a refused, correctly
 * signed, in-sequence transaction.
 */
export function applyTransaction(
  state: LedgerState,
  tx: Transaction,
  txId: Uint8Array,
  signatureValid: boolean,
  context: ExecutionContext,
): ReasonCode {
  if (tx.chainId !== context.chainId) return reasonCodes.wrongChain;
  if (!signatureValid) return reasonCodes.badSignature;
  const senderId = idKey(tx.sender);
  const current = state.accounts.get(senderId);
  if (current === undefined) return reasonCodes.unknownSender;
  if (tx.nonce <= current.nonce) return reasonCodes.staleNonce;
  if (tx.nonce > current.nonce + 1) return reasonCodes.nonceGap;
  const sender = state.accounts.write(senderId) as Account;
  sender.nonce = tx.nonce;
  if (!rolePermits(sender.role, tx.op.type)) return reasonCodes.notPermitted;
  if (sender.frozen) return reasonCodes.accountFrozen;
  return applyOperation(state, tx.op, senderId, sender, txId, context);
}

function applyOperation(
  state: LedgerState,
  op: Operation,
  senderId: string,
  sender: Account,
  txId: Uint8Array,
  context: ExecutionContext,
): ReasonCode {
  switch (op.type) {
    case 'register': {
      const id = idKey(op.publicKey);
      if (state.accounts.get(id) !== undefined) return reasonCodes.alreadyRegistered;
      if (ed25519CheckPublicKey(op.publicKey) !== 'ok') return reasonCodes.invalidKey;
      state.accounts.insert(id, { role: op.role, name: op.name, balance: 0, nonce: 0, frozen: false });
      return reasonCodes.ok;
    }
    case 'transfer': {
      const targetId = idKey(op.to);
      if (state.accounts.get(targetId) === undefined) return reasonCodes.unknownAccount;
      if (op.amount === 0) return reasonCodes.invalidAmount;
      if (sender.balance < op.amount) return reasonCodes.insufficientFunds;
      move(state, sender, targetId, op.amount);
      return reasonCodes.ok;
    }
    case 'issueReceivable': {
      const buyer = state.accounts.get(idKey(op.buyer));
      if (buyer === undefined || buyer.role !== 'buyer') return reasonCodes.unknownAccount;
      if (op.amount === 0) return reasonCodes.invalidAmount;
      const commitmentId = idKey(op.invoiceCommitment);
      if (state.invoices.get(commitmentId) !== undefined) return reasonCodes.duplicateCommitment;
      const id = idKey(txId);
      state.receivables.insert(id, {
        rootId: txId,
        issuer: idBytes(senderId),
        buyer: op.buyer,
        holder: idBytes(senderId),
        amount: op.amount,
        faceAmount: op.amount,
        dueTimeMs: op.dueTimeMs,
        invoiceCommitment: op.invoiceCommitment,
        status: 'issued',
        frozen: false,
        attestations: 0,
        parts: [],
      });
      state.invoices.insert(commitmentId, { rootId: txId, financedAmount: 0 });
      return reasonCodes.ok;
    }
    case 'acceptReceivable': {
      const id = idKey(op.receivableId);
      const found = state.receivables.get(id);
      if (found === undefined) return reasonCodes.unknownReceivable;
      if (idKey(found.buyer) !== senderId) return reasonCodes.notParty;
      if (isFrozen(state, found)) return reasonCodes.receivableFrozen;
      if (found.status !== 'issued' || idKey(found.rootId) !== id) return reasonCodes.badReceivableState;
      (state.receivables.write(id) as Receivable).status = 'accepted';
      return reasonCodes.ok;
    }
    case 'attestShipment': {
      const id = idKey(op.receivableId);
      const found = state.receivables.get(id);
      if (found === undefined) return reasonCodes.unknownReceivable;
      // At the counter's limit a further attestation is refused: counting on would wrap the
      // committed count to 0, so a proof would show an attested receivable as never attested.
      if (found.status === 'repaid' || found.attestations >= receivableAttestationsMax)
        return reasonCodes.badReceivableState;
      (state.receivables.write(id) as Receivable).attestations += 1;
      state.attestations.insert(idKey(txId), {
        receivableId: op.receivableId,
        attester: idBytes(senderId),
        shipmentId: op.shipmentId,
        sensorRecordHash: op.sensorRecordHash,
        shippedTimeMs: op.shippedTimeMs,
      });
      return reasonCodes.ok;
    }
    case 'splitReceivable':
      return split(state, op, senderId, txId);
    case 'financeReceivable':
      return finance(state, op, senderId, sender);
    case 'repayReceivable':
      return repay(state, op, senderId, sender, context);
    case 'setFrozen': {
      const id = idKey(op.id);
      // A regulator that froze itself could never sign again, nor unfreeze itself.
      if (op.target === 'account' && id === senderId) return reasonCodes.notPermitted;
      if (op.target === 'account') {
        const target = state.accounts.write(id);
        if (target === undefined) return reasonCodes.unknownAccount;
        target.frozen = op.frozen;
      } else {
        const target = state.receivables.write(id);
        if (target === undefined) return reasonCodes.unknownReceivable;
        target.frozen = op.frozen;
      }
      return reasonCodes.ok;
    }
  }
}

/** A part is frozen when it is, or when the receivable it was split from is (the regulator freezes an invoice whole). */
function isFrozen(state: LedgerState, receivable: Receivable): boolean {
  return receivable.frozen || (state.receivables.get(idKey(receivable.rootId)) as Receivable).frozen;
}

function idBytes(id: string): Uint8Array {
  return new Uint8Array(Buffer.from(id, 'latin1'));
}

/** Moves `amount` from `source` (already checked to hold it) to the account `targetId`: double entry. */
function move(state: LedgerState, source: Account, targetId: string, amount: number): void {
  source.balance -= amount;
  (state.accounts.write(targetId) as Account).balance += amount;
}

function split(
  state: LedgerState,
  op: Extract<Operation, { type: 'splitReceivable' }>,
  senderId: string,
  txId: Uint8Array,
): ReasonCode {
  const id = idKey(op.receivableId);
  const found = state.receivables.get(id);
  if (found === undefined) return reasonCodes.unknownReceivable;
  if (idKey(found.holder) !== senderId) return reasonCodes.notParty;
  if (isFrozen(state, found)) return reasonCodes.receivableFrozen;
  if (found.status !== 'accepted') return reasonCodes.badReceivableState;
  const target = state.accounts.get(idKey(op.to));
  if (target === undefined || target.role !== 'supplier') return reasonCodes.unknownAccount;
  if (op.amount === 0 || op.amount >= found.amount) return reasonCodes.invalidAmount;
  const rootId = idKey(found.rootId);
  const root = state.receivables.get(rootId) as Receivable;
  if (root.parts.length >= receivablePartsMax) return reasonCodes.tooManyParts;
  const parent = state.receivables.write(id) as Receivable;
  parent.amount -= op.amount;
  (state.receivables.write(rootId) as Receivable).parts.push(txId);
  state.receivables.insert(idKey(txId), {
    rootId: found.rootId,
    issuer: found.issuer,
    buyer: found.buyer,
    holder: op.to,
    amount: op.amount,
    faceAmount: found.faceAmount,
    dueTimeMs: found.dueTimeMs,
    invoiceCommitment: found.invoiceCommitment,
    status: 'accepted',
    frozen: false,
    attestations: 0,
    parts: [],
  });
  return reasonCodes.ok;
}

function finance(
  state: LedgerState,
  op: Extract<Operation, { type: 'financeReceivable' }>,
  senderId: string,
  sender: Account,
): ReasonCode {
  const id = idKey(op.receivableId);
  const found = state.receivables.get(id);
  if (found === undefined) return reasonCodes.unknownReceivable;
  if (isFrozen(state, found)) return reasonCodes.receivableFrozen;
  // Financing moves the receivable out of its holder's hands: not out of a frozen account.
  if ((state.accounts.get(idKey(found.holder)) as Account).frozen) return reasonCodes.accountFrozen;
  if (found.status === 'financed') return reasonCodes.alreadyFinanced;
  if (found.status !== 'accepted') return reasonCodes.badReceivableState;
  if (op.price === 0 || op.price > found.amount) return reasonCodes.invalidAmount;
  const invoiceId = idKey(found.invoiceCommitment);
  const invoice = state.invoices.get(invoiceId);
  // Each part is financed at most once and parts sum to the face amount, so this cannot
  // trip unless the state is corrupt; it is the double-financing rule stated directly.
  if (invoice === undefined || invoice.financedAmount + found.amount > found.faceAmount)
    return reasonCodes.alreadyFinanced;
  if (sender.balance < op.price) return reasonCodes.insufficientFunds;
  move(state, sender, idKey(found.holder), op.price);
  const part = state.receivables.write(id) as Receivable;
  part.holder = idBytes(senderId);
  part.status = 'financed';
  (state.invoices.write(invoiceId) as { financedAmount: number }).financedAmount += found.amount;
  return reasonCodes.ok;
}

function repay(
  state: LedgerState,
  op: Extract<Operation, { type: 'repayReceivable' }>,
  senderId: string,
  sender: Account,
  context: ExecutionContext,
): ReasonCode {
  const id = idKey(op.receivableId);
  const root = state.receivables.get(id);
  if (root === undefined) return reasonCodes.unknownReceivable;
  if (idKey(root.buyer) !== senderId) return reasonCodes.notParty;
  if (idKey(root.rootId) !== id) return reasonCodes.badReceivableState;
  if (context.timestampMs < root.dueTimeMs) return reasonCodes.notMature;
  const partIds = [id, ...root.parts.map(idKey)];
  let total = 0;
  for (const partId of partIds) {
    const part = state.receivables.get(partId) as Receivable;
    if (part.frozen) return reasonCodes.receivableFrozen;
    if (part.status !== 'accepted' && part.status !== 'financed') return reasonCodes.badReceivableState;
    total += part.amount;
  }
  if (sender.balance < total) return reasonCodes.insufficientFunds;
  for (const partId of partIds) {
    const part = state.receivables.write(partId) as Receivable;
    move(state, sender, idKey(part.holder), part.amount);
    part.status = 'repaid';
  }
  return reasonCodes.ok;
}
