/**
 * The supply-chain-finance state as key → value records: the bytes the state root commits to
 * and the store keeps. One record per account, receivable, invoice commitment and shipment
 * attestation. Keys are a one-byte kind then a 32-byte id; values are fixed layouts written
 * with the project's one byte writer (little-endian, `u53` = u64 ≤ 2^53 − 1).
 *
 * ```
 * 0x01 ‖ publicKey       account      u8 role | utf8 name | u53 balance | u53 nonce | u8 frozen
 * 0x02 ‖ receivableId    receivable   rootId[32] | issuer[32] | buyer[32] | holder[32] | u53 amount
 *                                     | u53 faceAmount | u53 dueTimeMs | invoiceCommitment[32]
 *                                     | u8 status | u8 frozen | u16 attestations
 *                                     | u8 partCount | partCount × partId[32]
 * 0x03 ‖ commitment      invoice      rootId[32] | u53 financedAmount
 * 0x04 ‖ attestationId   attestation  receivableId[32] | attester[32] | utf8 shipmentId
 *                                     | sensorRecordHash[32] | u53 shippedTimeMs
 * ```
 * A receivable's id is the id of the transaction that created it (an issue or a split); its
 * `rootId` is the issued receivable it was split from (its own id for the root). Only a root
 * lists its parts; `faceAmount` is the invoice's amount, `amount` the part's current share.
 * An attestation's id is the id of the attesting transaction.
 */
import { ByteReader, ByteWriter } from '../bytes.js';
import { type Role, roleCodes, roles } from '../codec/operation.js';
import { participantNameBytesMax, receivablePartsMax, shipmentIdBytesMax } from '../limits.js';

/** Kind bytes of state keys. */
export const stateKinds = { account: 1, receivable: 2, invoice: 3, attestation: 4 } as const;

/** A receivable's life cycle. */
export type ReceivableStatus = 'issued' | 'accepted' | 'financed' | 'repaid';
const statuses: readonly ReceivableStatus[] = ['issued', 'accepted', 'financed', 'repaid'];

/** A participant's account. */
export interface Account {
  /** Which operations the account may sign (see {@link rolePermits}). */
  role: Role;
  /** Display name given at registration or in the genesis. */
  name: string;
  /** Settlement tokens held. */
  balance: number;
  /** The nonce of the sender's last accepted transaction (0 before the first). */
  nonce: number;
  /** Frozen by the regulator: it signs nothing that takes effect and nothing leaves it. */
  frozen: boolean;
}

/** A receivable (or a part split from one). */
export interface Receivable {
  /** Id of the issued receivable this one was split from; its own id on a root. */
  rootId: Uint8Array;
  /** The supplier that issued the root. */
  issuer: Uint8Array;
  /** The account that owes the money and repays it at maturity. */
  buyer: Uint8Array;
  /** Who is paid at repayment: the issuer, a supplier it was split to, or the bank that financed it. */
  holder: Uint8Array;
  /** This receivable's current share of the debt (a split moves part of it to the new part). */
  amount: number;
  /** The invoice's whole amount, the same on the root and every part. */
  faceAmount: number;
  /** Maturity, ms since the Unix epoch: the buyer may repay from the first block timed at or after it. */
  dueTimeMs: number;
  /** The root's salted SHA-256 commitment to the off-chain invoice. */
  invoiceCommitment: Uint8Array;
  /** Where it is in its life cycle; a split part starts `accepted`. */
  status: ReceivableStatus;
  /** Frozen by the regulator; a part is also blocked while its root is frozen. */
  frozen: boolean;
  /** Number of shipment attestations recorded against it (at most 65,535). */
  attestations: number;
  /** On a root: the ids of the parts split from it, in order. Empty on a part. */
  parts: Uint8Array[];
}

/** The record of an invoice commitment: which receivable it backs, how much of it is financed. */
export interface InvoiceRecord {
  /** Id of the root receivable the commitment backs (one receivable per commitment). */
  rootId: Uint8Array;
  /** Sum of the amounts of its financed parts; never above the face amount. */
  financedAmount: number;
}

/** A logistics attestation that the goods behind a receivable moved. */
export interface Attestation {
  /** Id of the receivable the shipment delivers. */
  receivableId: Uint8Array;
  /** Public key of the logistics member that signed the attestation. */
  attester: Uint8Array;
  /** The carrier's shipment reference. */
  shipmentId: string;
  /** SHA-256 of the IoT sensor record (the record stays off-chain). */
  sensorRecordHash: Uint8Array;
  /** When the goods shipped, ms since the Unix epoch, as attested. */
  shippedTimeMs: number;
}

/** The state key of a record: kind byte ‖ 32-byte id. */
export function stateKey(kind: number, id: Uint8Array): Uint8Array {
  const key = new Uint8Array(33);
  key[0] = kind;
  key.set(id, 1);
  return key;
}

export function encodeAccount(account: Account): Uint8Array {
  return new ByteWriter(96)
    .u8(roleCodes[account.role])
    .utf8(account.name)
    .u53(account.balance)
    .u53(account.nonce)
    .bool(account.frozen)
    .finish();
}

export function decodeAccount(bytes: Uint8Array): Account {
  const reader: ByteReader = new ByteReader(bytes);
  const roleCode = reader.u8('account.role');
  const role = roles[roleCode - 1];
  if (role === undefined) reader.fail('account.role', `unknown role code ${roleCode}`);
  const account: Account = {
    role,
    name: reader.utf8(1, participantNameBytesMax, 'account.name'),
    balance: reader.u53('account.balance'),
    nonce: reader.u53('account.nonce'),
    frozen: reader.bool('account.frozen'),
  };
  reader.end('account');
  return account;
}

export function encodeReceivable(receivable: Receivable): Uint8Array {
  const writer = new ByteWriter(256 + 32 * receivable.parts.length)
    .fixed(receivable.rootId)
    .fixed(receivable.issuer)
    .fixed(receivable.buyer)
    .fixed(receivable.holder)
    .u53(receivable.amount)
    .u53(receivable.faceAmount)
    .u53(receivable.dueTimeMs)
    .fixed(receivable.invoiceCommitment)
    .u8(statuses.indexOf(receivable.status) + 1)
    .bool(receivable.frozen)
    .u16(receivable.attestations)
    .u8(receivable.parts.length);
  for (const part of receivable.parts) writer.fixed(part);
  return writer.finish();
}

export function decodeReceivable(bytes: Uint8Array): Receivable {
  const reader: ByteReader = new ByteReader(bytes);
  const rootId = reader.fixed(32, 'receivable.rootId');
  const issuer = reader.fixed(32, 'receivable.issuer');
  const buyer = reader.fixed(32, 'receivable.buyer');
  const holder = reader.fixed(32, 'receivable.holder');
  const amount = reader.u53('receivable.amount');
  const faceAmount = reader.u53('receivable.faceAmount');
  const dueTimeMs = reader.u53('receivable.dueTimeMs');
  const invoiceCommitment = reader.fixed(32, 'receivable.invoiceCommitment');
  const statusCode = reader.u8('receivable.status');
  const status = statuses[statusCode - 1];
  if (status === undefined) reader.fail('receivable.status', `unknown status ${statusCode}`);
  const frozen = reader.bool('receivable.frozen');
  const attestations = reader.u16('receivable.attestations');
  const partCount = reader.u8('receivable.partCount');
  if (partCount > receivablePartsMax) reader.fail('receivable.partCount', `${partCount} exceeds ${receivablePartsMax}`);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < partCount; i++) parts.push(reader.fixed(32, `receivable.parts[${i}]`));
  reader.end('receivable');
  return {
    rootId,
    issuer,
    buyer,
    holder,
    amount,
    faceAmount,
    dueTimeMs,
    invoiceCommitment,
    status,
    frozen,
    attestations,
    parts,
  };
}

export function encodeInvoice(invoice: InvoiceRecord): Uint8Array {
  return new ByteWriter(40).fixed(invoice.rootId).u53(invoice.financedAmount).finish();
}

export function decodeInvoice(bytes: Uint8Array): InvoiceRecord {
  const reader: ByteReader = new ByteReader(bytes);
  const invoice = { rootId: reader.fixed(32, 'invoice.rootId'), financedAmount: reader.u53('invoice.financedAmount') };
  reader.end('invoice');
  return invoice;
}

export function encodeAttestation(attestation: Attestation): Uint8Array {
  return new ByteWriter(160)
    .fixed(attestation.receivableId)
    .fixed(attestation.attester)
    .utf8(attestation.shipmentId)
    .fixed(attestation.sensorRecordHash)
    .u53(attestation.shippedTimeMs)
    .finish();
}

export function decodeAttestation(bytes: Uint8Array): Attestation {
  const reader: ByteReader = new ByteReader(bytes);
  const attestation = {
    receivableId: reader.fixed(32, 'attestation.receivableId'),
    attester: reader.fixed(32, 'attestation.attester'),
    shipmentId: reader.utf8(1, shipmentIdBytesMax, 'attestation.shipmentId'),
    sensorRecordHash: reader.fixed(32, 'attestation.sensorRecordHash'),
    shippedTimeMs: reader.u53('attestation.shippedTimeMs'),
  };
  reader.end('attestation');
  return attestation;
}

/** State keys of the records, for `Ledger.proveState` and the CLI. */
export const stateKeys = {
  /** Key of the account of `publicKey`. */
  account: (publicKey: Uint8Array): Uint8Array => stateKey(stateKinds.account, publicKey),
  /** Key of a receivable or part, by the id of the transaction that created it. */
  receivable: (receivableId: Uint8Array): Uint8Array => stateKey(stateKinds.receivable, receivableId),
  /** Key of the record of an invoice commitment. */
  invoice: (commitment: Uint8Array): Uint8Array => stateKey(stateKinds.invoice, commitment),
  /** Key of a shipment attestation, by the id of the attesting transaction. */
  attestation: (attestationId: Uint8Array): Uint8Array => stateKey(stateKinds.attestation, attestationId),
};
