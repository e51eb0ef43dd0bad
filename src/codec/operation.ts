/**
 * The supply-chain-finance operations: the payload of a transaction, one fixed layout per
 * operation type (DESIGN: "the supply-chain-finance model"). Integers little-endian; `u53`
 * is a u64 ≤ 2^53 − 1; `utf8` is a u8 length then well-formed UTF-8.
 *
 * ```
 * type 1 register           u8 role | utf8 name (1..64) | publicKey[32]
 * type 2 transfer           to[32] | u53 amount
 * type 3 issueReceivable    buyer[32] | u53 amount | u53 dueTimeMs | invoiceCommitment[32]
 * type 4 acceptReceivable   receivableId[32]
 * type 5 attestShipment     receivableId[32] | utf8 shipmentId (1..64) | sensorRecordHash[32] | u53 shippedTimeMs
 * type 6 splitReceivable    receivableId[32] | to[32] | u53 amount
 * type 7 financeReceivable  receivableId[32] | u53 price
 * type 8 repayReceivable    receivableId[32]
 * type 9 setFrozen          u8 target (1 account, 2 receivable) | id[32] | u8 frozen (0/1)
 * ```
 * Accounts are named by their public key; a receivable by the id of the transaction that
 * created it (issue or split). Whether an operation is *allowed* (roles, balances, states)
 * is the ledger's business, not the codec's: the codec only refuses bytes that are not the
 * canonical encoding of some operation.
 */
import type { ByteReader, ByteWriter } from '../bytes.js';
import { requireUtf8Text } from '../bytes.js';
import { DecodeError } from '../errors.js';
import { amountMax, participantNameBytesMax, shipmentIdBytesMax } from '../limits.js';
import { requireBytesOfLength, requireInteger } from '../validate.js';

/** A participant's role: decides which operations it may sign (roles are data, not code paths). */
export type Role = 'regulator' | 'bank' | 'supplier' | 'buyer' | 'logistics';

/** Wire codes of the roles, in a fixed order. */
export const roleCodes: Readonly<Record<Role, number>> = {
  regulator: 1,
  bank: 2,
  supplier: 3,
  buyer: 4,
  logistics: 5,
};
/** Every role, in wire-code order. */
export const roles: readonly Role[] = ['regulator', 'bank', 'supplier', 'buyer', 'logistics'];

/** What `setFrozen` targets. */
export type FreezeTarget = 'account' | 'receivable';

/** One supply-chain-finance operation (a transaction's payload). */
export type Operation =
  | {
      /** Admits a participant (regulator only). */
      readonly type: 'register';
      /** The role the new account gets. */
      readonly role: Role;
      /** Display name, 1..64 bytes of UTF-8. */
      readonly name: string;
      /** The new account's 32-byte Ed25519 key; undecodable and small-order keys are refused. */
      readonly publicKey: Uint8Array;
    }
  | {
      /** Moves settlement tokens from the sender to another account. */
      readonly type: 'transfer';
      /** The receiving account's public key. */
      readonly to: Uint8Array;
      /** Tokens to move, 1..`limits.amountMax`. */
      readonly amount: number;
    }
  | {
      /** A supplier bills a buyer; the new receivable's id is this transaction's id. */
      readonly type: 'issueReceivable';
      /** The billed account's public key (its role must be `buyer`). */
      readonly buyer: Uint8Array;
      /** The amount owed, 1..`limits.amountMax`: the receivable's face amount. */
      readonly amount: number;
      /** Maturity, ms since the Unix epoch: repayment is refused in blocks timed before it. */
      readonly dueTimeMs: number;
      /** SHA-256(salt ‖ invoice document): the invoice stays off-chain. */
      readonly invoiceCommitment: Uint8Array;
    }
  | {
      /** The buyer confirms the debt of an issued receivable. */
      readonly type: 'acceptReceivable';
      /** Id of the receivable (of its issuing transaction). */
      readonly receivableId: Uint8Array;
    }
  | {
      /** A logistics member records a shipment against a receivable (evidence, not a transfer). */
      readonly type: 'attestShipment';
      /** Id of the receivable the shipment delivers. */
      readonly receivableId: Uint8Array;
      /** The carrier's shipment reference, 1..64 bytes of UTF-8. */
      readonly shipmentId: string;
      /** SHA-256 of the IoT sensor record. */
      readonly sensorRecordHash: Uint8Array;
      /** When the goods shipped, ms since the Unix epoch. */
      readonly shippedTimeMs: number;
    }
  | {
      /** The holder assigns part of an accepted receivable to a lower-tier supplier. */
      readonly type: 'splitReceivable';
      /** Id of the receivable to split (a root or an earlier part). */
      readonly receivableId: Uint8Array;
      /** The supplier that receives the new part. */
      readonly to: Uint8Array;
      /** The new part's amount, less than the split receivable's amount. */
      readonly amount: number;
    }
  | {
      /** A bank pays the holder `price` and becomes the holder. */
      readonly type: 'financeReceivable';
      /** Id of the receivable (root or part) to finance. */
      readonly receivableId: Uint8Array;
      /** What the bank pays, 1..the receivable's amount (the difference is its discount). */
      readonly price: number;
    }
  | {
      /** At maturity the buyer pays every part's holder its amount. */
      readonly type: 'repayReceivable';
      /** Id of the root receivable (the one the supplier issued). */
      readonly receivableId: Uint8Array;
    }
  | {
      /** The regulator freezes or unfreezes an account or a receivable. */
      readonly type: 'setFrozen';
      /** Whether `id` names an account or a receivable. */
      readonly target: FreezeTarget;
      /** The account's public key or the receivable's id. */
      readonly id: Uint8Array;
      /** `true` to freeze, `false` to unfreeze. */
      readonly frozen: boolean;
    };

/** The operation type names. */
export type OperationType = Operation['type'];

/** Wire codes of the operation types (the transaction's `type` byte). */
export const operationCodes: Readonly<Record<OperationType, number>> = {
  register: 1,
  transfer: 2,
  issueReceivable: 3,
  acceptReceivable: 4,
  attestShipment: 5,
  splitReceivable: 6,
  financeReceivable: 7,
  repayReceivable: 8,
  setFrozen: 9,
};
/** Every operation type, in wire-code order (index = code − 1). */
export const operationTypes: readonly OperationType[] = [
  'register',
  'transfer',
  'issueReceivable',
  'acceptReceivable',
  'attestShipment',
  'splitReceivable',
  'financeReceivable',
  'repayReceivable',
  'setFrozen',
];

const where = 'encodeOperation';

function checkKey(value: unknown, name: string): asserts value is Uint8Array {
  requireBytesOfLength(value, 32, `op.${name}`, where);
}

function checkAmount(value: unknown, name: string): asserts value is number {
  requireInteger(value, `op.${name}`, where, 0, amountMax);
}

function checkUtf8(value: unknown, name: string, max: number): void {
  requireUtf8Text(value, `op.${name}`, where, max);
}

/** Writes `op`'s payload (not its type byte); throws TypeError/RangeError on a malformed op. */
export function writeOperation(writer: ByteWriter, op: Operation): void {
  switch (op.type) {
    case 'register':
      // Own keys only: `in` would also accept Object.prototype names such as 'toString'.
      if (!Object.hasOwn(roleCodes, op.role))
        throw new RangeError(`${where}: op.role must be one of ${roles.join(', ')}`);
      checkUtf8(op.name, 'name', participantNameBytesMax);
      checkKey(op.publicKey, 'publicKey');
      writer.u8(roleCodes[op.role]).utf8(op.name).fixed(op.publicKey);
      return;
    case 'transfer':
      checkKey(op.to, 'to');
      checkAmount(op.amount, 'amount');
      writer.fixed(op.to).u53(op.amount);
      return;
    case 'issueReceivable':
      checkKey(op.buyer, 'buyer');
      checkAmount(op.amount, 'amount');
      checkAmount(op.dueTimeMs, 'dueTimeMs');
      checkKey(op.invoiceCommitment, 'invoiceCommitment');
      writer.fixed(op.buyer).u53(op.amount).u53(op.dueTimeMs).fixed(op.invoiceCommitment);
      return;
    case 'acceptReceivable':
    case 'repayReceivable':
      checkKey(op.receivableId, 'receivableId');
      writer.fixed(op.receivableId);
      return;
    case 'attestShipment':
      checkKey(op.receivableId, 'receivableId');
      checkUtf8(op.shipmentId, 'shipmentId', shipmentIdBytesMax);
      checkKey(op.sensorRecordHash, 'sensorRecordHash');
      checkAmount(op.shippedTimeMs, 'shippedTimeMs');
      writer.fixed(op.receivableId).utf8(op.shipmentId).fixed(op.sensorRecordHash).u53(op.shippedTimeMs);
      return;
    case 'splitReceivable':
      checkKey(op.receivableId, 'receivableId');
      checkKey(op.to, 'to');
      checkAmount(op.amount, 'amount');
      writer.fixed(op.receivableId).fixed(op.to).u53(op.amount);
      return;
    case 'financeReceivable':
      checkKey(op.receivableId, 'receivableId');
      checkAmount(op.price, 'price');
      writer.fixed(op.receivableId).u53(op.price);
      return;
    case 'setFrozen':
      if (op.target !== 'account' && op.target !== 'receivable') {
        throw new RangeError(`${where}: op.target must be 'account' or 'receivable'`);
      }
      checkKey(op.id, 'id');
      if (typeof op.frozen !== 'boolean') throw new TypeError(`${where}: expected op.frozen to be a boolean`);
      writer
        .u8(op.target === 'account' ? 1 : 2)
        .fixed(op.id)
        .bool(op.frozen);
      return;
    default:
      throw new RangeError(`${where}: unknown operation type ${JSON.stringify((op as { type: unknown }).type)}`);
  }
}

/** Reads the payload of an operation of wire type `code` (1..9); the caller refuses trailing bytes. */
export function readOperation(reader: ByteReader, code: number, field: string): Operation {
  switch (code) {
    case 1: {
      const roleAt = reader.offset;
      const roleCode = reader.u8(`${field}.role`);
      const role = roles[roleCode - 1];
      if (role === undefined) throw new DecodeError(`${field}.role`, roleAt, `unknown role code ${roleCode}`);
      const name = reader.utf8(1, participantNameBytesMax, `${field}.name`);
      return { type: 'register', role, name, publicKey: reader.fixed(32, `${field}.publicKey`) };
    }
    case 2:
      return { type: 'transfer', to: reader.fixed(32, `${field}.to`), amount: reader.u53(`${field}.amount`) };
    case 3:
      return {
        type: 'issueReceivable',
        buyer: reader.fixed(32, `${field}.buyer`),
        amount: reader.u53(`${field}.amount`),
        dueTimeMs: reader.u53(`${field}.dueTimeMs`),
        invoiceCommitment: reader.fixed(32, `${field}.invoiceCommitment`),
      };
    case 4:
      return { type: 'acceptReceivable', receivableId: reader.fixed(32, `${field}.receivableId`) };
    case 5:
      return {
        type: 'attestShipment',
        receivableId: reader.fixed(32, `${field}.receivableId`),
        shipmentId: reader.utf8(1, shipmentIdBytesMax, `${field}.shipmentId`),
        sensorRecordHash: reader.fixed(32, `${field}.sensorRecordHash`),
        shippedTimeMs: reader.u53(`${field}.shippedTimeMs`),
      };
    case 6:
      return {
        type: 'splitReceivable',
        receivableId: reader.fixed(32, `${field}.receivableId`),
        to: reader.fixed(32, `${field}.to`),
        amount: reader.u53(`${field}.amount`),
      };
    case 7:
      return {
        type: 'financeReceivable',
        receivableId: reader.fixed(32, `${field}.receivableId`),
        price: reader.u53(`${field}.price`),
      };
    case 8:
      return { type: 'repayReceivable', receivableId: reader.fixed(32, `${field}.receivableId`) };
    case 9: {
      const targetAt = reader.offset;
      const targetCode = reader.u8(`${field}.target`);
      if (targetCode !== 1 && targetCode !== 2) {
        throw new DecodeError(`${field}.target`, targetAt, `unknown freeze target ${targetCode}`);
      }
      return {
        type: 'setFrozen',
        target: targetCode === 1 ? 'account' : 'receivable',
        id: reader.fixed(32, `${field}.id`),
        frozen: reader.bool(`${field}.frozen`),
      };
    }
    default:
      return reader.fail(`${field}.type`, `unknown operation type ${code}`);
  }
}
