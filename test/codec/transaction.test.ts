// Transactions and their operations (src/codec/transaction.ts, operation.ts): canonical bytes
// both ways, the signing message and the id, what the encoder refuses and where the decoder
// says it stopped.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes.js';
import { operationCodes, operationTypes } from '../../src/codec/operation.js';
import {
  decodeTransaction,
  encodeTransaction,
  encodeUnsignedTransaction,
  signTransaction,
  type Transaction,
  transactionId,
  transactionSigningMessage,
} from '../../src/codec/transaction.js';
import { ed25519PublicKeyFromSecret, ed25519Verify } from '../../src/crypto/ed25519.js';
import { txBytesMax, txPayloadBytesMax } from '../../src/limits.js';
import {
  arbChainId,
  arbDecoderInput,
  arbOperationOfType,
  arbSignedTransaction,
  arbTransaction,
  decodeError,
  decodeOrRefuse,
  plain,
  singleByteVariants,
  sweepParams,
} from '../support/codec-arbitraries.js';
import { fuzzParams, fuzzRuns } from '../support/fuzz.js';

const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const filled = (byte: number, length = 32): Uint8Array => new Uint8Array(length).fill(byte);
const hexOf = (byte: number, length = 32): string => toHex(filled(byte, length));
const ascii = (text: string): string => Buffer.from(text, 'utf8').toString('hex');
/** Little-endian hex of an integer of `width` bytes, written from the diagram, not the writer. */
function le(value: number, width: number): string {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value), true);
  return toHex(out.subarray(0, width));
}

const arbEncodedTx = arbTransaction.map(encodeTransaction);

/** A transfer on chain `chainId`: sender 0xaa…, to 0xbb…, signature 0xcc…. */
function transfer(chainId = 'scf', overrides: Partial<Transaction> = {}): Transaction {
  return {
    chainId,
    sender: filled(0xaa),
    nonce: 5,
    op: { type: 'transfer', to: filled(0xbb), amount: 1000 },
    signature: filled(0xcc, 64),
    ...overrides,
  };
}

describe('transaction round trips', () => {
  it.each(operationTypes)('decode(encode(tx)) equals tx for %s', (type) => {
    const arbTx = fc.record({
      chainId: arbChainId,
      sender: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      nonce: fc.maxSafeNat(),
      op: arbOperationOfType[type],
      signature: fc.uint8Array({ minLength: 64, maxLength: 64 }),
    });
    fc.assert(
      fc.property(arbTx, (tx) => {
        const bytes = encodeTransaction(tx);
        expect(bytes[1]).toBe(operationCodes[type]);
        expect(plain(decodeTransaction(bytes))).toEqual(plain(tx));
      }),
      fuzzParams(0.5),
    );
  });

  it('encode(decode(b)) equals b for every accepted b (random, mutated, truncated and extended bytes)', () => {
    let accepted = 0;
    fc.assert(
      fc.property(arbDecoderInput(arbEncodedTx), (bytes) => {
        const tx = decodeOrRefuse(decodeTransaction, bytes);
        if (tx === undefined) return;
        accepted++;
        expect(toHex(encodeTransaction(tx))).toBe(toHex(bytes));
      }),
      fuzzParams(3),
    );
    // Mutations of keys, amounts and signatures keep the bytes valid: the property was exercised.
    if (fuzzRuns >= 100) expect(accepted).toBeGreaterThan(0);
  });

  it.each(operationTypes)('every single-byte change of a %s is refused or re-encodes to itself', (type) => {
    const arbTx = arbTransaction.chain((tx) => arbOperationOfType[type].map((op) => ({ ...tx, op })));
    fc.assert(
      fc.property(arbTx, (tx) => {
        for (const bytes of singleByteVariants(encodeTransaction(tx))) {
          const decoded = decodeOrRefuse(decodeTransaction, bytes);
          if (decoded !== undefined) expect(toHex(encodeTransaction(decoded))).toBe(toHex(bytes));
        }
      }),
      sweepParams(),
    );
  });

  it('random, mutated and truncated bytes give only DecodeError', () => {
    fc.assert(
      fc.property(arbDecoderInput(arbEncodedTx, 1400), (bytes) => {
        decodeOrRefuse(decodeTransaction, bytes);
      }),
      fuzzParams(3),
    );
  });

  it('every strict prefix of a valid encoding is refused, and so is one trailing byte', () => {
    fc.assert(
      fc.property(arbEncodedTx, fc.nat(255), (bytes, extra) => {
        for (let length = 0; length < bytes.length; length++) decodeError(decodeTransaction, bytes.subarray(0, length));
        const longer = new Uint8Array(bytes.length + 1);
        longer.set(bytes);
        longer[bytes.length] = extra;
        const error = decodeError(decodeTransaction, longer);
        expect([error.field, error.offset]).toEqual(['tx', bytes.length]);
      }),
      fuzzParams(0.3),
    );
  });
});

describe('transaction id and signing message', () => {
  it('the tx id is SHA-256 of the canonical bytes', () => {
    fc.assert(
      fc.property(arbEncodedTx, (bytes) => {
        expect(toHex(transactionId(bytes))).toBe(sha256Hex(bytes));
      }),
      fuzzParams(1),
    );
  });

  it('the signing message is the domain, the u8-prefixed chain id, then the unsigned bytes', () => {
    fc.assert(
      fc.property(arbTransaction, (tx) => {
        const bytes = encodeTransaction(tx);
        const unsigned = encodeUnsignedTransaction(tx);
        expect(toHex(unsigned)).toBe(toHex(bytes.subarray(0, bytes.length - 64)));
        const expected = `${ascii('consortium-ledger/tx/v1')}00${le(tx.chainId.length, 1)}${ascii(tx.chainId)}${toHex(unsigned)}`;
        expect(toHex(transactionSigningMessage(tx))).toBe(expected);
      }),
      fuzzParams(1),
    );
  });

  it('a signature made for one chain verifies there and not for the same transaction on another chain', () => {
    fc.assert(
      fc.property(arbSignedTransaction, arbChainId, (tx, otherChainId) => {
        fc.pre(otherChainId !== tx.chainId);
        expect(ed25519Verify(tx.sender, transactionSigningMessage(tx), tx.signature)).toBe(true);
        const replayed = { ...tx, chainId: otherChainId };
        expect(ed25519Verify(tx.sender, transactionSigningMessage(replayed), tx.signature)).toBe(false);
      }),
      fuzzParams(0.3),
    );
  });

  it('golden vector: one signed transfer, its bytes and its id pinned (seed 32 × 0x01)', () => {
    const seed = filled(0x01);
    const sender = ed25519PublicKeyFromSecret(seed);
    expect(toHex(sender)).toBe('8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c');
    const tx = signTransaction(
      {
        chainId: 'scf-mainnet.1',
        sender,
        nonce: 7,
        op: { type: 'transfer', to: filled(0x02), amount: Number.MAX_SAFE_INTEGER },
      },
      seed,
    );
    const bytes = encodeTransaction(tx);
    expect(toHex(bytes)).toBe(
      '01020d7363662d6d61696e6e65742e31' + // version 1, type 2 (transfer), chain id 'scf-mainnet.1'
        '8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c' + // sender
        '0700000000000000' + // nonce 7
        '2800' + // payload length 40
        '0202020202020202020202020202020202020202020202020202020202020202ffffffffffff1f00' + // to, amount 2^53 − 1
        '65229ac484ccbc1cad87092dc01871cb8dd68e3c84398e576d55b969249591ca' + // signature R
        '67137be4d039ab95647c35c412cd11be01f50976593066f74a4ba5db5bda8708', // signature S
    );
    expect(toHex(transactionId(bytes))).toBe('7829a5504a88210b1003fffedd2c24bfe6b0b3211c33a7fe2a428e74750276fd');
    expect(plain(decodeTransaction(bytes))).toEqual(plain(tx));
  });

  it('every operation type is laid out as its diagram says', () => {
    const name = '\u4e2d\u56fd Bank \u00e9'; // 3 + 3 + 6 + 2 = 14 bytes
    const cases: Array<[Transaction['op'], string]> = [
      [
        { type: 'register', role: 'logistics', name, publicKey: filled(0x11) },
        `05${le(14, 1)}${ascii(name)}${hexOf(0x11)}`,
      ],
      [{ type: 'transfer', to: filled(0x11), amount: 0 }, `${hexOf(0x11)}${le(0, 8)}`],
      [
        {
          type: 'issueReceivable',
          buyer: filled(0x11),
          amount: 2 ** 40 + 3,
          dueTimeMs: 1_767_225_600_000,
          invoiceCommitment: filled(0x22),
        },
        `${hexOf(0x11)}${le(2 ** 40 + 3, 8)}${le(1_767_225_600_000, 8)}${hexOf(0x22)}`,
      ],
      [{ type: 'acceptReceivable', receivableId: filled(0x11) }, hexOf(0x11)],
      [
        {
          type: 'attestShipment',
          receivableId: filled(0x11),
          shipmentId: 'SHP-1',
          sensorRecordHash: filled(0x22),
          shippedTimeMs: 99,
        },
        `${hexOf(0x11)}05${ascii('SHP-1')}${hexOf(0x22)}${le(99, 8)}`,
      ],
      [
        { type: 'splitReceivable', receivableId: filled(0x11), to: filled(0x22), amount: 12 },
        `${hexOf(0x11)}${hexOf(0x22)}${le(12, 8)}`,
      ],
      [{ type: 'financeReceivable', receivableId: filled(0x11), price: 77 }, `${hexOf(0x11)}${le(77, 8)}`],
      [{ type: 'repayReceivable', receivableId: filled(0x11) }, hexOf(0x11)],
      [{ type: 'setFrozen', target: 'account', id: filled(0x11), frozen: true }, `01${hexOf(0x11)}01`],
      [{ type: 'setFrozen', target: 'receivable', id: filled(0x11), frozen: false }, `02${hexOf(0x11)}00`],
    ];
    for (const [op, payload] of cases) {
      const tx = transfer('chain-9', { op, nonce: 2 ** 53 - 1 });
      const expected =
        `01${le(operationCodes[op.type], 1)}07${ascii('chain-9')}${hexOf(0xaa)}${le(2 ** 53 - 1, 8)}` +
        `${le(payload.length / 2, 2)}${payload}${hexOf(0xcc, 64)}`;
      expect([op.type, toHex(encodeTransaction(tx))]).toEqual([op.type, expected]);
    }
  });
});

describe('encodeTransaction input checks', () => {
  const base = transfer();
  const withOp = (op: unknown): Transaction => ({ ...base, op: op as Transaction['op'] });
  const register = { type: 'register', role: 'bank', name: 'b', publicKey: filled(1) };
  const cases: Array<[string, unknown, ErrorConstructor, string]> = [
    ['31-byte sender', { ...base, sender: filled(1, 31) }, RangeError, 'expected 32-byte sender, got 31 bytes'],
    ['sender not bytes', { ...base, sender: [...filled(1)] }, TypeError, 'expected sender to be a Uint8Array'],
    ['nonce −1', { ...base, nonce: -1 }, RangeError, 'nonce must be an integer in [0, 9007199254740991], got -1'],
    ['nonce 1.5', { ...base, nonce: 1.5 }, RangeError, 'nonce must be an integer'],
    ['nonce 2^53', { ...base, nonce: 2 ** 53 }, RangeError, 'nonce must be an integer'],
    ['nonce as string', { ...base, nonce: '1' }, TypeError, 'expected nonce to be an integer'],
    ['amount 2^53', withOp({ ...base.op, amount: 2 ** 53 }), RangeError, 'op.amount must be an integer'],
    ['amount −1', withOp({ ...base.op, amount: -1 }), RangeError, 'op.amount must be an integer'],
    ['amount NaN', withOp({ ...base.op, amount: Number.NaN }), RangeError, 'op.amount'],
    ['33-byte op.to', withOp({ ...base.op, to: filled(1, 33) }), RangeError, 'expected 32-byte op.to'],
    [
      'price 0.5',
      withOp({ type: 'financeReceivable', receivableId: filled(1), price: 0.5 }),
      RangeError,
      'op.price must be an integer',
    ],
    [
      'dueTimeMs 2^53',
      withOp({
        type: 'issueReceivable',
        buyer: filled(1),
        amount: 1,
        dueTimeMs: 2 ** 53,
        invoiceCommitment: filled(2),
      }),
      RangeError,
      'op.dueTimeMs',
    ],
    ['unknown op type', withOp({ type: 'mint', amount: 1 }), RangeError, 'unknown operation type "mint"'],
    ['op type from Object.prototype', withOp({ type: 'toString' }), RangeError, 'unknown operation type "toString"'],
    ['no op', withOp(null), RangeError, 'unknown operation type'],
    ['unknown role', withOp({ ...register, role: 'admin' }), RangeError, 'op.role must be one of'],
    ['role from Object.prototype', withOp({ ...register, role: 'toString' }), RangeError, 'op.role must be one of'],
    ['empty name', withOp({ ...register, name: '' }), RangeError, 'op.name must be 1..64 UTF-8 bytes, got 0'],
    ['65-byte name', withOp({ ...register, name: '\u00e9'.repeat(32) + 'x' }), RangeError, 'got 65'],
    ['name with a lone surrogate', withOp({ ...register, name: 'a\uD800' }), RangeError, 'op.name holds a lone'],
    ['name not a string', withOp({ ...register, name: 7 }), TypeError, 'expected op.name to be a string'],
    [
      '65-byte shipment id',
      withOp({
        type: 'attestShipment',
        receivableId: filled(1),
        shipmentId: 's'.repeat(65),
        sensorRecordHash: filled(2),
        shippedTimeMs: 1,
      }),
      RangeError,
      'op.shipmentId must be 1..64 UTF-8 bytes',
    ],
    [
      'unknown freeze target',
      withOp({ type: 'setFrozen', target: 'bank', id: filled(1), frozen: true }),
      RangeError,
      'op.target',
    ],
    [
      'frozen as a number',
      withOp({ type: 'setFrozen', target: 'account', id: filled(1), frozen: 1 }),
      TypeError,
      'op.frozen',
    ],
    ['chain id with an uppercase letter', { ...base, chainId: 'Scf' }, RangeError, 'chainId must be 1..32'],
    ['chain id of 33 characters', { ...base, chainId: 'a'.repeat(33) }, RangeError, 'chainId must be 1..32'],
    ['empty chain id', { ...base, chainId: '' }, RangeError, 'chainId'],
    ['chain id with a space', { ...base, chainId: 'a b' }, RangeError, 'chainId'],
    ['chain id with a non-ASCII letter', { ...base, chainId: '\u00e9' }, RangeError, 'chainId'],
    ['chain id ending in a newline', { ...base, chainId: 'abc\n' }, RangeError, 'chainId'],
    ['63-byte signature', { ...base, signature: filled(1, 63) }, RangeError, 'expected 64-byte signature'],
    ['null transaction', null, TypeError, 'expected a transaction object'],
  ];

  it.each(cases)('refuses %s, naming the field', (_, tx, ErrorClass, message) => {
    const encode = () => encodeTransaction(tx as Transaction);
    expect(encode).toThrow(ErrorClass);
    expect(encode).toThrow(message);
  });

  it('accepts the limits themselves: 32-character chain id, nonce and amount 2^53 − 1, 64-byte names', () => {
    const tx = transfer('z'.repeat(32), { nonce: 2 ** 53 - 1 });
    expect(plain(decodeTransaction(encodeTransaction(tx)))).toEqual(plain(tx));
    for (const name of ['\u{1f600}'.repeat(16), '\u00e9'.repeat(32), 'n'.repeat(64), 'x']) {
      const op = { type: 'register' as const, role: 'supplier' as const, name, publicKey: filled(3) };
      expect(decodeTransaction(encodeTransaction({ ...tx, op })).op).toEqual(op);
    }
  });
});

describe('transaction decode errors name the field and offset', () => {
  // transfer('scf'): version 0, type 1, chain id length 2, 'scf' 3..5, sender 6..37,
  // nonce 38..45, payload length 46..47, payload 48..87 (to 48..79, amount 80..87), signature 88..151.
  const good = encodeTransaction(transfer());
  const edit = (at: number, ...values: number[]): Uint8Array => {
    const out = good.slice();
    out.set(values, at);
    return out;
  };
  const refusal = (bytes: Uint8Array): [string, number] => {
    const error = decodeError(decodeTransaction, bytes);
    expect(error.message).toContain(`${error.field} at byte ${error.offset}`);
    return [error.field, error.offset];
  };

  it('the layout comment above matches the encoder', () => {
    expect(good.length).toBe(152);
    expect(toHex(good.subarray(38, 48))).toBe(`${le(5, 8)}2800`);
  });

  it('header fields: version, type, chain id, sender, nonce, signature', () => {
    expect(refusal(edit(0, 2))).toEqual(['tx.version', 0]);
    expect(refusal(edit(1, 0))).toEqual(['tx.type', 1]);
    expect(refusal(edit(1, 10))).toEqual(['tx.type', 1]);
    expect(refusal(edit(2, 0))).toEqual(['tx.chainId', 2]);
    expect(refusal(edit(2, 33))).toEqual(['tx.chainId', 2]);
    expect(refusal(edit(4, 0x43))).toEqual(['tx.chainId', 2]); // 'C'
    expect(refusal(good.subarray(0, 20))).toEqual(['tx.sender', 6]);
    expect(refusal(good.subarray(0, 41))).toEqual(['tx.nonce', 38]);
    expect(refusal(edit(44, 0x20))).toEqual(['tx.nonce', 38]); // 2^53 + 5
    expect(refusal(good.subarray(0, 47))).toEqual(['tx.payloadLength', 46]);
    expect(refusal(good.subarray(0, 151))).toEqual(['tx.signature', 88]);
  });

  it('payload fields: short and long payloads, amount, role, freeze target and flag', () => {
    expect(refusal(edit(46, 10, 0))).toEqual(['tx.payload.to', 48]);
    expect(refusal(edit(46, 41, 0))).toEqual(['tx.payload', 88]); // one payload byte left over
    expect(refusal(edit(86, 0x20))).toEqual(['tx.payload.amount', 80]);
    const register = encodeTransaction(
      transfer('scf', { op: { type: 'register', role: 'regulator', name: 'r', publicKey: filled(1) } }),
    );
    const registerWith = (at: number, value: number) => Uint8Array.from(register, (b, i) => (i === at ? value : b));
    expect(refusal(registerWith(48, 0))).toEqual(['tx.payload.role', 48]);
    expect(refusal(registerWith(48, 6))).toEqual(['tx.payload.role', 48]);
    expect(refusal(registerWith(49, 0))).toEqual(['tx.payload.name', 49]);
    expect(refusal(registerWith(49, 65))).toEqual(['tx.payload.name', 49]);
    expect(refusal(registerWith(50, 0xff))).toEqual(['tx.payload.name', 50]);
    const frozen = encodeTransaction(
      transfer('scf', { op: { type: 'setFrozen', target: 'account', id: filled(1), frozen: true } }),
    );
    const frozenWith = (at: number, value: number) => Uint8Array.from(frozen, (b, i) => (i === at ? value : b));
    expect(refusal(frozenWith(48, 3))).toEqual(['tx.payload.target', 48]);
    expect(refusal(frozenWith(81, 2))).toEqual(['tx.payload.frozen', 81]);
  });

  it('limits: a payload length over txPayloadBytesMax, a transaction over txBytesMax', () => {
    expect(refusal(edit(46, ...[(txPayloadBytesMax + 1) & 0xff, (txPayloadBytesMax + 1) >> 8]))).toEqual([
      'tx.payloadLength',
      46,
    ]);
    // Exactly the limit is accepted as a length: the error is then about the payload itself.
    const atLimit = new Uint8Array(48 + txPayloadBytesMax + 64);
    atLimit.set(good.subarray(0, 46));
    atLimit.set([txPayloadBytesMax & 0xff, txPayloadBytesMax >> 8], 46);
    atLimit.set(good.subarray(48, 88), 48);
    expect(refusal(atLimit)).toEqual(['tx.payload', 88]);
    const tooLong = new Uint8Array(txBytesMax + 1);
    tooLong.set(good);
    expect(refusal(tooLong)).toEqual(['tx', 0]);
  });
});
