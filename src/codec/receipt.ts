/**
 * Receipts: what applying each transaction of a block did. Every transaction a block holds
 * gets one — applied, or refused with a reason code — so a refused transaction is recorded,
 * never silently dropped. A block header commits to its receipts through `receiptsRoot`:
 * the RFC 9162 root whose leaf data are the receipts' canonical bytes in block order.
 *
 * ```
 * receipt   txId[32] | u8 code      (code 0 = applied; any other = the refusal reason)
 * ```
 */
import { ByteReader } from '../bytes.js';
import { merkleRoot } from '../crypto/merkle.js';
import { DecodeError } from '../errors.js';
import { describeValue, requireBytes, requireBytesOfLength } from '../validate.js';

/**
 * Why a transaction was refused (or `ok`). The numeric codes are on the wire and in stored
 * receipts: never renumber, only append.
 */
export const reasonCodes = {
  /** Applied: the operation took effect. */
  ok: 0,
  /** The signature does not verify (ZIP-215) for the sender's key. */
  badSignature: 1,
  /** The transaction names another chain. */
  wrongChain: 2,
  /** The sender is not a registered participant. */
  unknownSender: 3,
  /** The nonce is not above the sender's last one (a replay or a duplicate). */
  staleNonce: 4,
  /** The nonce skips ahead of the sender's next one. */
  nonceGap: 5,
  /** The sender's role may not sign this operation. */
  notPermitted: 6,
  /** The sender's account, or an account the operation moves funds out of, is frozen. */
  accountFrozen: 7,
  /** The paying account holds less than the amount. */
  insufficientFunds: 8,
  /** The receivable (or this invoice's value) has already been financed. */
  alreadyFinanced: 9,
  /** No receivable with that id. */
  unknownReceivable: 10,
  /** The receivable is not in a state that allows this operation. */
  badReceivableState: 11,
  /** An amount or price of zero, above the receivable's amount, or otherwise out of range. */
  invalidAmount: 12,
  /** The invoice commitment was already used by another receivable. */
  duplicateCommitment: 13,
  /** The public key is already registered. */
  alreadyRegistered: 14,
  /** The operation names an account that is not registered (or has the wrong role). */
  unknownAccount: 15,
  /** The public key does not decode, or is of small order (ZIP-215 would accept forgeries). */
  invalidKey: 16,
  /** Repayment before the receivable's due time. */
  notMature: 17,
  /** The receivable is frozen by the regulator. */
  receivableFrozen: 18,
  /** The sender is not the party the operation requires (the holder, the buyer). */
  notParty: 19,
  /** The receivable already has the most parts allowed. */
  tooManyParts: 20,
  /** A balance would exceed the amount limit. */
  amountOverflow: 21,
} as const;

/** A reason's name (`'insufficientFunds'`). */
export type ReasonName = keyof typeof reasonCodes;
/** A reason's wire code. */
export type ReasonCode = (typeof reasonCodes)[ReasonName];

/**
 * True iff a transaction with this receipt code consumed its sender's nonce: it was the
 * sender's next transaction, correctly signed, on this chain — applied or refused by a rule.
 * The other refusals (bad signature, wrong chain, unknown sender, stale nonce, nonce gap)
 * change nothing, so the same transaction bytes may appear again later; a consuming one can
 * appear only once in a chain's history.
 */
export function consumesNonce(code: number): boolean {
  return code === reasonCodes.ok || code > reasonCodes.nonceGap;
}

const reasonNames: ReasonName[] = [];
for (const [name, code] of Object.entries(reasonCodes)) reasonNames[code] = name as ReasonName;

/** The name of a reason code, or undefined for a code this release does not know. */
export function reasonName(code: number): ReasonName | undefined {
  return reasonNames[code];
}

/** Bytes of one canonical receipt. */
export const receiptBytes = 33;

/** The outcome of one transaction in a block. */
export interface Receipt {
  /** The transaction's id: SHA-256 of its canonical bytes. */
  readonly txId: Uint8Array;
  /** `reasonCodes.ok` (0) if applied, else why it was refused. */
  readonly code: ReasonCode;
}

// A 33-byte txId would overwrite the code and a code of 256 would wrap to 0 (`ok`): check
// both, so a receipt is written as given or not at all.
function checkReceipt(receipt: unknown, name: string, where: string): asserts receipt is Receipt {
  if (typeof receipt !== 'object' || receipt === null) {
    throw new TypeError(`${where}: expected ${name} to be an object, got ${describeValue(receipt)}`);
  }
  const { txId, code } = receipt as Record<string, unknown>;
  requireBytesOfLength(txId, 32, `${name}.txId`, where);
  if (typeof code !== 'number' || reasonNames[code] === undefined) {
    throw new RangeError(`${where}: ${name}.code must be a known reason code, got ${String(code)}`);
  }
}

/** Canonical bytes of a receipt. @throws TypeError/RangeError naming the field. */
export function encodeReceipt(receipt: Receipt): Uint8Array {
  checkReceipt(receipt, 'receipt', 'encodeReceipt');
  const out = new Uint8Array(receiptBytes);
  out.set(receipt.txId, 0);
  out[32] = receipt.code;
  return out;
}

/** Canonical bytes of a block's receipts, back to back. @throws TypeError/RangeError naming the receipt. */
export function encodeReceipts(receipts: readonly Receipt[]): Uint8Array {
  const where = 'encodeReceipts';
  if (!Array.isArray(receipts)) {
    throw new TypeError(`${where}: expected receipts to be an array, got ${describeValue(receipts)}`);
  }
  for (let i = 0; i < receipts.length; i++) checkReceipt(receipts[i], `receipts[${i}]`, where);
  const out = new Uint8Array(receipts.length * receiptBytes);
  for (let i = 0; i < receipts.length; i++) {
    const receipt = receipts[i] as Receipt;
    out.set(receipt.txId, i * receiptBytes);
    out[i * receiptBytes + 32] = receipt.code;
  }
  return out;
}

const receiptsEncodings = new WeakMap<readonly Receipt[], { bytes: Uint8Array; root: Uint8Array }>();

/**
 * A block's receipts as canonical bytes (back to back) and their RFC 9162 root (what
 * `header.receiptsRoot` must be), computed once per receipts array: the ledger computes them
 * when it executes a block and the store checks and writes the same array. Shared values:
 * callers must not modify the array or the results.
 */
export function receiptsEncoding(receipts: readonly Receipt[]): { bytes: Uint8Array; root: Uint8Array } {
  let encoding = receiptsEncodings.get(receipts);
  if (encoding === undefined) {
    const bytes = encodeReceipts(receipts);
    const leaves = new Array<Uint8Array>(receipts.length);
    for (let i = 0; i < leaves.length; i++) leaves[i] = bytes.subarray(i * receiptBytes, (i + 1) * receiptBytes);
    encoding = { bytes, root: merkleRoot(leaves) };
    receiptsEncodings.set(receipts, encoding);
  }
  return encoding;
}

/** Decodes receipts written by {@link encodeReceipts}; refuses unknown codes. */
export function decodeReceipts(bytes: Uint8Array): Receipt[] {
  requireBytes(bytes, 'bytes', 'decodeReceipts');
  const reader = new ByteReader(bytes);
  if (bytes.length % receiptBytes !== 0) {
    reader.fail('receipts', `length ${bytes.length} is not a multiple of ${receiptBytes}`);
  }
  const out: Receipt[] = [];
  for (let i = 0; reader.remaining > 0; i++) {
    const txId = reader.fixed(32, `receipts[${i}].txId`);
    const at = reader.offset;
    const code = reader.u8(`receipts[${i}].code`);
    if (reasonNames[code] === undefined)
      throw new DecodeError(`receipts[${i}].code`, at, `unknown reason code ${code}`);
    out.push({ txId, code: code as ReasonCode });
  }
  return out;
}
