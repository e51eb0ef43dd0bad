/**
 * fast-check arbitraries for every codec value (operations of all nine types, transactions,
 * block headers, blocks, commit certificates, genesis, receipts) and for the bytes a decoder
 * must survive (valid encodings mutated, truncated, extended). Shared by the codec tests and
 * by any test that needs well-formed ledger inputs.
 *
 * Edge values are weighted in on purpose: amounts 0 and 2^53 − 1, names of exactly 1 and 64
 * UTF-8 bytes (ASCII and multi-byte), 32-character chain ids, 256-signer certificates.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { toHex } from '../../src/bytes.js';
import { type BlockHeader, encodeBlock } from '../../src/codec/block.js';
import {
  type CommitCertificate,
  type CommitSignature,
  compareKeys,
  encodeCertificate,
} from '../../src/codec/certificate.js';
import type { Genesis, GenesisMember } from '../../src/codec/genesis.js';
import { type Operation, type Role, roles } from '../../src/codec/operation.js';
import { type ReasonCode, type Receipt, reasonCodes } from '../../src/codec/receipt.js';
import {
  encodeTransaction,
  signTransaction,
  type Transaction,
  type UnsignedTransaction,
} from '../../src/codec/transaction.js';
import { ed25519GenerateKeyPair } from '../../src/crypto/ed25519.js';
import { DecodeError } from '../../src/errors.js';
import {
  amountMax,
  blockTxsMax,
  certificateSignaturesMax,
  chainIdBytesMax,
  participantNameBytesMax,
  shipmentIdBytesMax,
} from '../../src/limits.js';
import { fuzzParams } from './fuzz.js';

// ---- Scalars -------------------------------------------------------------------------------

/** Any 32 bytes (keys, hashes, ids: the codec does not look inside them). */
export const arbBytes32: fc.Arbitrary<Uint8Array> = fc.uint8Array({ minLength: 32, maxLength: 32 });

/** Any 64 bytes (a signature the codec carries but does not check). */
export const arbSignatureBytes: fc.Arbitrary<Uint8Array> = fc.uint8Array({ minLength: 64, maxLength: 64 });

/** A u53: 0..2^53 − 1, the boundaries and the u32 edges weighted in. */
export const arbU53: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, 1, 2 ** 32 - 1, 2 ** 32, amountMax - 1, amountMax),
  fc.maxSafeNat(),
);

const chainIdChars = 'abcdefghijklmnopqrstuvwxyz0123456789._-';

/** A valid chain id: 1..32 characters of `[a-z0-9._-]`, the 1- and 32-character lengths weighted in. */
export const arbChainId: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.constantFrom(...chainIdChars), minLength: 1, maxLength: chainIdBytesMax }),
  fc.constantFrom('a', '-', 'z'.repeat(chainIdBytesMax), 'scf.consortium-01_test.chain-id.'),
);

function utf8Length(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

/** The longest prefix of `text` (whole code points) that fits `bytesMax` UTF-8 bytes, or 'x' if empty. */
function fitUtf8(text: string, bytesMax: number): string {
  let out = '';
  let bytes = 0;
  for (const char of text) {
    const length = utf8Length(char.codePointAt(0) as number);
    if (bytes + length > bytesMax) break;
    out += char;
    bytes += length;
  }
  return out === '' ? 'x' : out;
}

/** Texts of exactly 1 and exactly `bytesMax` UTF-8 bytes, with 1- to 4-byte characters. */
function edgeTexts(bytesMax: number): string[] {
  return [
    'a',
    '\u0000',
    '\u00e9', // 2 bytes
    '\u4e2d', // 3 bytes
    '\u{1f600}', // 4 bytes, a surrogate pair in JavaScript
    'n'.repeat(bytesMax),
    '\u00e9'.repeat(bytesMax / 2),
    '\u{1f600}'.repeat(bytesMax / 4),
    `${'\u4e2d'.repeat(Math.floor(bytesMax / 3))}${'a'.repeat(bytesMax % 3)}`,
    `\uFEFF${'b'.repeat(bytesMax - 3)}`, // a leading BOM must survive the round trip
  ];
}

/** Well-formed text of 1..`bytesMax` UTF-8 bytes (any code point but lone surrogates). */
export function arbUtf8Text(bytesMax: number): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(...edgeTexts(bytesMax)),
    fc.string({ unit: 'binary', minLength: 1, maxLength: bytesMax }).map((text) => fitUtf8(text, bytesMax)),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: bytesMax }).map((text) => fitUtf8(text, bytesMax)),
  );
}

export const arbRole: fc.Arbitrary<Role> = fc.constantFrom(...roles);

// ---- Operations and transactions -------------------------------------------------------------

/** Every Operation variant, in wire-code order (tests index it to hit each type on purpose). */
export const arbOperationOfType = {
  register: fc.record({
    type: fc.constant('register' as const),
    role: arbRole,
    name: arbUtf8Text(participantNameBytesMax),
    publicKey: arbBytes32,
  }),
  transfer: fc.record({ type: fc.constant('transfer' as const), to: arbBytes32, amount: arbU53 }),
  issueReceivable: fc.record({
    type: fc.constant('issueReceivable' as const),
    buyer: arbBytes32,
    amount: arbU53,
    dueTimeMs: arbU53,
    invoiceCommitment: arbBytes32,
  }),
  acceptReceivable: fc.record({ type: fc.constant('acceptReceivable' as const), receivableId: arbBytes32 }),
  attestShipment: fc.record({
    type: fc.constant('attestShipment' as const),
    receivableId: arbBytes32,
    shipmentId: arbUtf8Text(shipmentIdBytesMax),
    sensorRecordHash: arbBytes32,
    shippedTimeMs: arbU53,
  }),
  splitReceivable: fc.record({
    type: fc.constant('splitReceivable' as const),
    receivableId: arbBytes32,
    to: arbBytes32,
    amount: arbU53,
  }),
  financeReceivable: fc.record({
    type: fc.constant('financeReceivable' as const),
    receivableId: arbBytes32,
    price: arbU53,
  }),
  repayReceivable: fc.record({ type: fc.constant('repayReceivable' as const), receivableId: arbBytes32 }),
  setFrozen: fc.record({
    type: fc.constant('setFrozen' as const),
    target: fc.constantFrom('account' as const, 'receivable' as const),
    id: arbBytes32,
    frozen: fc.boolean(),
  }),
} satisfies { [K in Operation['type']]: fc.Arbitrary<Extract<Operation, { type: K }>> };

/** Any operation, the nine types equally likely. */
export const arbOperation: fc.Arbitrary<Operation> = fc.oneof(
  ...Object.values(arbOperationOfType),
) as fc.Arbitrary<Operation>;

export const arbUnsignedTransaction: fc.Arbitrary<UnsignedTransaction> = fc.record({
  chainId: arbChainId,
  sender: arbBytes32,
  nonce: arbU53,
  op: arbOperation,
});

/** A transaction with a random 64-byte signature (well-formed, almost surely invalid). */
export const arbTransaction: fc.Arbitrary<Transaction> = fc.record({
  chainId: arbChainId,
  sender: arbBytes32,
  nonce: arbU53,
  op: arbOperation,
  signature: arbSignatureBytes,
});

/** A few key pairs made once per test process: signing with them is all the signed arbitraries do. */
export const signingKeys: readonly { publicKey: Uint8Array; secretKey: Uint8Array }[] = Array.from({ length: 4 }, () =>
  ed25519GenerateKeyPair(),
);

/** A transaction really signed by one of {@link signingKeys} (its `sender`). */
export const arbSignedTransaction: fc.Arbitrary<Transaction> = fc
  .record({ key: fc.constantFrom(...signingKeys), chainId: arbChainId, nonce: arbU53, op: arbOperation })
  .map(({ key, chainId, nonce, op }) => signTransaction({ chainId, sender: key.publicKey, nonce, op }, key.secretKey));

// ---- Blocks and certificates ---------------------------------------------------------------

/** Any header; `txCount` is random here (a block arbitrary sets it to its transaction count). */
export const arbBlockHeader: fc.Arbitrary<BlockHeader> = fc.record({
  height: arbU53,
  previousHash: arbBytes32,
  timestampMs: arbU53,
  proposer: arbBytes32,
  txCount: fc.oneof(fc.constantFrom(0, 1, blockTxsMax), fc.integer({ min: 0, max: blockTxsMax })),
  txRoot: arbBytes32,
  receiptsRoot: arbBytes32,
  stateRoot: arbBytes32,
  previousCertificateHash: arbBytes32,
});

function sortedByKey<T extends { readonly publicKey: Uint8Array }>(entries: readonly T[]): T[] {
  return [...entries].sort((a, b) => compareKeys(a.publicKey, b.publicKey));
}

function arbSigners(size: fc.SizeForArbitrary): fc.Arbitrary<CommitSignature[]> {
  return fc
    .uniqueArray(fc.record({ publicKey: arbBytes32, signature: arbSignatureBytes }), {
      minLength: 1,
      maxLength: certificateSignaturesMax,
      selector: (entry) => toHex(entry.publicKey),
      size,
    })
    .map(sortedByKey);
}

/** A certificate with 1..256 signers, strictly ascending by key (mostly few, now and then many). */
export const arbCertificate: fc.Arbitrary<CommitCertificate> = fc.record({
  height: arbU53,
  blockHash: arbBytes32,
  view: arbU53,
  signatures: fc.oneof({ weight: 9, arbitrary: arbSigners('small') }, { weight: 1, arbitrary: arbSigners('max') }),
});

/** A block's parts: `header.txCount` equals `txs.length`. */
export interface BlockParts {
  readonly header: BlockHeader;
  readonly previousCertificate: CommitCertificate | null;
  readonly txs: readonly Transaction[];
}

/** Blocks of 0..`txsMax` transactions from `arbTx`, with and without a previous certificate. */
export function arbBlock(
  arbTx: fc.Arbitrary<Transaction> = arbTransaction,
  txsMax = 20,
  arbPreviousCertificate: fc.Arbitrary<CommitCertificate> = arbCertificate,
): fc.Arbitrary<BlockParts> {
  return fc
    .record({
      header: arbBlockHeader,
      previousCertificate: fc.option(arbPreviousCertificate, { nil: null }),
      txs: fc.array(arbTx, { maxLength: txsMax }),
    })
    .map(({ header, previousCertificate, txs }) => ({
      header: { ...header, txCount: txs.length },
      previousCertificate,
      txs,
    }));
}

/** Canonical bytes of a block built from its parts. */
export function encodeBlockParts(parts: BlockParts): Uint8Array {
  const certificateBytes =
    parts.previousCertificate === null ? new Uint8Array(0) : encodeCertificate(parts.previousCertificate);
  return encodeBlock(parts.header, certificateBytes, parts.txs.map(encodeTransaction));
}

// ---- Genesis and receipts ------------------------------------------------------------------

/** A genesis: members strictly ascending by key, opening balances summing to at most 2^53 − 1. */
export const arbGenesis: fc.Arbitrary<Genesis> = fc.record({
  chainId: arbChainId,
  timestampMs: arbU53,
  members: fc
    .uniqueArray(
      fc.record({
        role: arbRole,
        name: arbUtf8Text(participantNameBytesMax),
        publicKey: arbBytes32,
        balance: arbU53,
        validator: fc.boolean(),
      }),
      { minLength: 1, maxLength: 40, selector: (member) => toHex(member.publicKey) },
    )
    .map((members): GenesisMember[] => {
      // Cap each balance by what the supply limit leaves, so the sum never passes it (and
      // sometimes meets it exactly).
      let remaining = amountMax;
      return sortedByKey(members).map((member) => {
        const balance = Math.min(member.balance, remaining);
        remaining -= balance;
        return { ...member, balance };
      });
    }),
});

const knownReasonCodes = Object.values(reasonCodes) as ReasonCode[];

export const arbReceipt: fc.Arbitrary<Receipt> = fc.record({
  txId: arbBytes32,
  code: fc.constantFrom(...knownReasonCodes),
});

export const arbReceipts: fc.Arbitrary<Receipt[]> = fc.array(arbReceipt, { maxLength: 40 });

// ---- Bytes a decoder must survive ----------------------------------------------------------

/** One edit of a byte string; positions are taken modulo the length when applied. */
export type Mutation =
  | { readonly kind: 'set'; readonly at: number; readonly value: number }
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'overwrite'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'delete'; readonly at: number; readonly count: number }
  | { readonly kind: 'truncate'; readonly at: number };

// Little-endian values that sit on the codec's limits: lengths and counts at and past their
// maxima, u53 at and past 2^53 − 1, all-ones.
const interestingBytes: Uint8Array[] = [
  [0x00],
  [0xff],
  [0x02],
  [0x00, 0x04], // 1024 = txPayloadBytesMax
  [0x01, 0x04],
  [0x00, 0x01], // 256 = certificateSignaturesMax
  [0x01, 0x01],
  [0xff, 0xff],
  [0x00, 0x40, 0x00, 0x00], // 16384 = blockTxsMax
  [0x01, 0x40, 0x00, 0x00],
  [0xff, 0xff, 0xff, 0xff],
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x00], // 2^53 − 1
  [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00], // 2^53
  [0xc0, 0x80], // overlong NUL
  [0xed, 0xa0, 0x80], // a UTF-16 surrogate in UTF-8
].map((bytes) => Uint8Array.from(bytes));

const arbPatch = fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.constantFrom(...interestingBytes));

export const arbMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.nat(255) }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('overwrite' as const), at: fc.nat(), bytes: arbPatch }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: arbPatch }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

/** `bytes` with `mutation` applied (a new array; `bytes` is not changed). */
export function applyMutation(bytes: Uint8Array, mutation: Mutation): Uint8Array {
  const length = bytes.length;
  switch (mutation.kind) {
    case 'set':
    case 'flip': {
      if (length === 0) return bytes.slice();
      const out = bytes.slice();
      const at = mutation.at % length;
      out[at] = mutation.kind === 'set' ? mutation.value : (out[at] as number) ^ (1 << mutation.bit);
      return out;
    }
    case 'overwrite': {
      if (length === 0) return mutation.bytes.slice();
      const out = bytes.slice();
      const at = mutation.at % length;
      out.set(mutation.bytes.subarray(0, length - at), at);
      return out;
    }
    case 'insert': {
      const at = mutation.at % (length + 1);
      const out = new Uint8Array(length + mutation.bytes.length);
      out.set(bytes.subarray(0, at), 0);
      out.set(mutation.bytes, at);
      out.set(bytes.subarray(at), at + mutation.bytes.length);
      return out;
    }
    case 'delete': {
      if (length === 0) return bytes.slice();
      const at = mutation.at % length;
      const out = new Uint8Array(length - Math.min(mutation.count, length - at));
      out.set(bytes.subarray(0, at), 0);
      out.set(bytes.subarray(at + mutation.count), at);
      return out;
    }
    case 'truncate':
      return bytes.slice(0, mutation.at % (length + 1));
  }
}

const sweepValues = [0x00, 0x01, 0x02, 0x1f, 0x20, 0x7f, 0x80, 0xc0, 0xed, 0xfe, 0xff];

/**
 * Every copy of `bytes` with one byte changed, at every position, to each of a few values
 * that sit on field boundaries (0, 1, 2, the u53 high byte 0x1f/0x20, UTF-8 lead bytes, 0xff)
 * and to its neighbours. Random mutations rarely land on a one-byte field such as a boolean;
 * the sweep lands on all of them.
 */
export function* singleByteVariants(bytes: Uint8Array): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at++) {
    const original = bytes[at] as number;
    const values = new Set([...sweepValues, (original + 1) & 0xff, (original - 1) & 0xff, original ^ 0x80]);
    values.delete(original);
    for (const value of values) {
      const out = bytes.slice();
      out[at] = value;
      yield out;
    }
  }
}

/**
 * fast-check parameters for a sweep over {@link singleByteVariants}: a twentieth of the
 * usual runs, at most 25 — each run already decodes thousands of variants, and the sweep's
 * reach comes from covering every position, not from many inputs.
 */
export function sweepParams<T>(): fc.Parameters<T> {
  const params = fuzzParams<T>(0.05);
  return { ...params, numRuns: Math.min(25, params.numRuns ?? 1) };
}

/** Valid encodings with one to four mutations applied. */
export function arbMutated(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(valid, fc.array(arbMutation, { minLength: 1, maxLength: 4 }))
    .map(([bytes, mutations]) => mutations.reduce(applyMutation, bytes));
}

/** Strict prefixes of valid encodings. */
export function arbTruncated(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(valid, fc.nat())
    .filter(([bytes]) => bytes.length > 0)
    .map(([bytes, cut]) => bytes.slice(0, cut % bytes.length));
}

/** What a decoder is fed from the wire: random bytes, mutated and truncated valid encodings. */
export function arbDecoderInput(valid: fc.Arbitrary<Uint8Array>, randomBytesMax = 600): fc.Arbitrary<Uint8Array> {
  return fc.oneof(fc.uint8Array({ maxLength: randomBytesMax }), arbMutated(valid), arbTruncated(valid));
}

/**
 * Runs `decode(bytes)`: returns the value, or undefined when it threw a `DecodeError`. Any
 * other exception fails the property, so a property over this proves "only DecodeError".
 */
export function decodeOrRefuse<T>(decode: (bytes: Uint8Array) => T, bytes: Uint8Array): T | undefined {
  try {
    return decode(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeError);
    return undefined;
  }
}

/** Runs `decode(bytes)` and returns the `DecodeError` it must throw. */
export function decodeError(decode: (bytes: Uint8Array) => unknown, bytes: Uint8Array): DecodeError {
  try {
    decode(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeError);
    return error as DecodeError;
  }
  throw new Error(`decode accepted ${bytes.length} bytes that it must refuse`);
}

/**
 * `value` with every Uint8Array replaced by `bytes:<hex>`, so deep equality compares bytes
 * (not views, offsets or classes) and a failure shows readable hex.
 */
export function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return `bytes:${toHex(value)}`;
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, plain(entry)]));
  }
  return value;
}
