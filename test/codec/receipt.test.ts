// Receipts (src/codec/receipt.ts): 33 bytes each, back to back; unknown reason codes refused
// on both sides, and the reason table pinned (codes are on the wire: never renumbered).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes.js';
import {
  decodeReceipts,
  encodeReceipt,
  encodeReceipts,
  type Receipt,
  reasonCodes,
  reasonName,
  receiptBytes,
} from '../../src/codec/receipt.js';
import {
  arbDecoderInput,
  arbReceipt,
  arbReceipts,
  decodeError,
  decodeOrRefuse,
  plain,
} from '../support/codec-arbitraries.js';
import { fuzzParams, fuzzRuns } from '../support/fuzz.js';

const filled = (byte: number, length = 32): Uint8Array => new Uint8Array(length).fill(byte);
const arbReceiptsBytes = arbReceipts.map(encodeReceipts);

describe('receipts', () => {
  it('decode(encode(receipts)) equals the receipts', () => {
    fc.assert(
      fc.property(arbReceipts, (receipts) => {
        const bytes = encodeReceipts(receipts);
        expect(bytes.length).toBe(receiptBytes * receipts.length);
        expect(plain(decodeReceipts(bytes))).toEqual(plain(receipts));
      }),
      fuzzParams(1),
    );
  });

  it('encodeReceipts is the receipts’ encodeReceipt bytes back to back: txId ‖ code', () => {
    fc.assert(
      fc.property(arbReceipts, (receipts) => {
        expect(toHex(encodeReceipts(receipts))).toBe(receipts.map((r) => toHex(encodeReceipt(r))).join(''));
      }),
      fuzzParams(1),
    );
    fc.assert(
      fc.property(arbReceipt, (receipt) => {
        expect(toHex(encodeReceipt(receipt))).toBe(
          `${toHex(receipt.txId)}${receipt.code.toString(16).padStart(2, '0')}`,
        );
      }),
      fuzzParams(1),
    );
  });

  it('encode(decode(b)) equals b for every accepted b, and refused bytes give only DecodeError', () => {
    let accepted = 0;
    fc.assert(
      fc.property(arbDecoderInput(arbReceiptsBytes), (bytes) => {
        const receipts = decodeOrRefuse(decodeReceipts, bytes);
        if (receipts === undefined) return;
        accepted++;
        expect(toHex(encodeReceipts(receipts))).toBe(toHex(bytes));
      }),
      fuzzParams(2),
    );
    if (fuzzRuns >= 100) expect(accepted).toBeGreaterThan(0);
  });

  it('every non-empty strict prefix of a valid encoding is refused unless it ends on a receipt boundary', () => {
    // Receipts carry no count: a prefix of whole receipts is itself a valid (shorter) list.
    fc.assert(
      fc.property(arbReceiptsBytes, (bytes) => {
        for (let length = 1; length < bytes.length; length++) {
          const prefix = bytes.subarray(0, length);
          if (length % receiptBytes === 0) expect(decodeReceipts(prefix).length).toBe(length / receiptBytes);
          else expect(decodeError(decodeReceipts, prefix).field).toBe('receipts');
        }
      }),
      fuzzParams(0.3),
    );
  });

  it('a length that is not a multiple of 33 and an unknown code are refused with field and offset', () => {
    const bytes = encodeReceipts([
      { txId: filled(1), code: reasonCodes.ok },
      { txId: filled(2), code: reasonCodes.amountOverflow },
    ]);
    const short = decodeError(decodeReceipts, bytes.subarray(0, 40));
    expect([short.field, short.offset]).toEqual(['receipts', 0]);
    for (const code of [22, 100, 255]) {
      const error = decodeError(
        decodeReceipts,
        Uint8Array.from(bytes, (b, i) => (i === 65 ? code : b)),
      );
      expect([error.field, error.offset]).toEqual(['receipts[1].code', 65]);
    }
    expect(decodeReceipts(new Uint8Array(0))).toEqual([]);
  });

  it('the reason codes are pinned: 0 ok, then 1..21 in order, each named back', () => {
    expect(Object.entries(reasonCodes)).toEqual(
      [
        'ok',
        'badSignature',
        'wrongChain',
        'unknownSender',
        'staleNonce',
        'nonceGap',
        'notPermitted',
        'accountFrozen',
        'insufficientFunds',
        'alreadyFinanced',
        'unknownReceivable',
        'badReceivableState',
        'invalidAmount',
        'duplicateCommitment',
        'alreadyRegistered',
        'unknownAccount',
        'invalidKey',
        'notMature',
        'receivableFrozen',
        'notParty',
        'tooManyParts',
        'amountOverflow',
      ].map((name, code) => [name, code]),
    );
    for (const [name, code] of Object.entries(reasonCodes)) expect(reasonName(code)).toBe(name);
    expect(reasonName(22)).toBeUndefined();
  });

  it.each([
    ['a 31-byte txId', { txId: filled(1, 31), code: 0 }, RangeError, 'expected 32-byte receipt.txId, got 31 bytes'],
    ['a 33-byte txId', { txId: filled(1, 33), code: 0 }, RangeError, 'expected 32-byte receipt.txId, got 33 bytes'],
    ['an unknown code', { txId: filled(1), code: 22 }, RangeError, 'receipt.code must be a known reason code, got 22'],
    ['code 256 (would wrap to ok)', { txId: filled(1), code: 256 }, RangeError, 'receipt.code'],
    ['a code as a string', { txId: filled(1), code: '1' }, RangeError, 'receipt.code'],
    ['null', null, TypeError, 'expected receipt to be an object'],
  ] as const)('encodeReceipt refuses %s', (_, receipt, ErrorClass, message) => {
    const encode = () => encodeReceipt(receipt as unknown as Receipt);
    expect(encode).toThrow(ErrorClass);
    expect(encode).toThrow(message);
  });

  it('encodeReceipts refuses a bad receipt naming its index, and a non-array', () => {
    const good = { txId: filled(1), code: reasonCodes.ok };
    expect(() => encodeReceipts([good, { ...good, code: -1 as 0 }])).toThrow('receipts[1].code must be a known');
    expect(() => encodeReceipts('x' as unknown as Receipt[])).toThrow(TypeError);
  });
});
