// Block headers and blocks (src/codec/block.ts): canonical bytes both ways, the block hash,
// and the packed signature batch the decoder lays out for verifyPackedBatch.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes.js';
import {
  type BlockHeader,
  blockHash,
  blockHeaderBytes,
  certificateBytesMax,
  decodeBlock,
  decodeBlockHeader,
  encodeBlock,
  encodeBlockHeader,
} from '../../src/codec/block.js';
import { encodeCertificate } from '../../src/codec/certificate.js';
import { encodeTransaction, type Transaction, transactionSigningMessage } from '../../src/codec/transaction.js';
import { ed25519Verify, packVerifyBatch, verifyPackedBatch } from '../../src/crypto/ed25519.js';
import { blockBytesMax, blockTxsMax } from '../../src/limits.js';
import {
  arbBlock,
  arbBlockHeader,
  arbCertificate,
  arbDecoderInput,
  arbSignedTransaction,
  type BlockParts,
  decodeError,
  decodeOrRefuse,
  encodeBlockParts,
  plain,
  singleByteVariants,
  sweepParams,
} from '../support/codec-arbitraries.js';
import { fuzzParams, fuzzRuns } from '../support/fuzz.js';

const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const filled = (byte: number, length = 32): Uint8Array => new Uint8Array(length).fill(byte);

/** The parts of a decoded block, as a block arbitrary generates them. */
function partsOf(bytes: Uint8Array): BlockParts {
  const block = decodeBlock(bytes);
  return { header: block.header, previousCertificate: block.previousCertificate, txs: block.txs };
}

// Few transactions and few signers, so mutations often land in the structure and checking
// every prefix stays quick (a 256-signer certificate alone is 24.6 KB).
const arbSmallBlockBytes = arbBlock(
  undefined,
  4,
  arbCertificate.filter((certificate) => certificate.signatures.length <= 8),
).map(encodeBlockParts);
const arbHeaderBytes = arbBlockHeader.map(encodeBlockHeader);

const header: BlockHeader = {
  height: 42,
  previousHash: filled(0x11),
  timestampMs: 1_767_225_600_000,
  proposer: Uint8Array.from(Buffer.from('8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c', 'hex')),
  txCount: 3,
  txRoot: filled(0x22),
  receiptsRoot: filled(0x33),
  stateRoot: filled(0x44),
  previousCertificateHash: filled(0x55),
};

describe('block header', () => {
  it('decode(encode(header)) equals header, in 213 bytes', () => {
    fc.assert(
      fc.property(arbBlockHeader, (value) => {
        const bytes = encodeBlockHeader(value);
        expect(bytes.length).toBe(blockHeaderBytes);
        expect(plain(decodeBlockHeader(bytes))).toEqual(plain(value));
      }),
      fuzzParams(1),
    );
  });

  it('encode(decode(b)) equals b for every accepted b, and refused bytes give only DecodeError', () => {
    let accepted = 0;
    fc.assert(
      fc.property(arbDecoderInput(arbHeaderBytes, 300), (bytes) => {
        const value = decodeOrRefuse(decodeBlockHeader, bytes);
        if (value === undefined) return;
        accepted++;
        expect(toHex(encodeBlockHeader(value))).toBe(toHex(bytes));
      }),
      fuzzParams(2),
    );
    if (fuzzRuns >= 100) expect(accepted).toBeGreaterThan(0);
  });

  it('every single-byte change of a header is refused or re-encodes to itself', () => {
    fc.assert(
      fc.property(arbHeaderBytes, (valid) => {
        for (const bytes of singleByteVariants(valid)) {
          const decoded = decodeOrRefuse(decodeBlockHeader, bytes);
          if (decoded !== undefined) expect(toHex(encodeBlockHeader(decoded))).toBe(toHex(bytes));
        }
      }),
      sweepParams(),
    );
  });

  it('every strict prefix is refused, and so is one trailing byte', () => {
    fc.assert(
      fc.property(arbHeaderBytes, fc.nat(255), (bytes, extra) => {
        for (let length = 0; length < bytes.length; length++) decodeError(decodeBlockHeader, bytes.subarray(0, length));
        const error = decodeError(decodeBlockHeader, Uint8Array.from([...bytes, extra]));
        expect([error.field, error.offset]).toEqual(['header', blockHeaderBytes]);
      }),
      fuzzParams(0.3),
    );
  });

  it('the block hash is SHA-256 of the header bytes', () => {
    fc.assert(
      fc.property(arbHeaderBytes, (bytes) => {
        expect(toHex(blockHash(bytes))).toBe(sha256Hex(bytes));
      }),
      fuzzParams(1),
    );
  });

  it('golden vector: one header pinned at the offsets its diagram gives', () => {
    const bytes = encodeBlockHeader(header);
    expect(toHex(bytes)).toBe(
      '01' + // 0 version
        '2a00000000000000' + // 1 height 42
        '11'.repeat(32) + // 9 previousHash
        '00a8da769b010000' + // 41 timestampMs 1,767,225,600,000
        '8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c' + // 49 proposer
        '03000000' + // 81 txCount
        '22'.repeat(32) + // 85 txRoot
        '33'.repeat(32) + // 117 receiptsRoot
        '44'.repeat(32) + // 149 stateRoot
        '55'.repeat(32), // 181 previousCertificateHash
    );
    expect(toHex(blockHash(bytes))).toBe('a0c9c2f7f3bcfb4949c85c2b9b9d791e9b902ac2624bf7a251104fdf60c91a09');
  });

  it('decode errors: version at 0, txCount over blockTxsMax at 81', () => {
    const bytes = encodeBlockHeader(header);
    const error = decodeError(
      decodeBlockHeader,
      Uint8Array.from(bytes, (b, i) => (i === 0 ? 2 : b)),
    );
    expect([error.field, error.offset]).toEqual(['header.version', 0]);
    const over = bytes.slice();
    new DataView(over.buffer).setUint32(81, blockTxsMax + 1, true);
    const limit = decodeError(decodeBlockHeader, over);
    expect([limit.field, limit.offset]).toEqual(['header.txCount', 81]);
    new DataView(over.buffer).setUint32(81, blockTxsMax, true);
    expect(decodeBlockHeader(over).txCount).toBe(blockTxsMax);
  });

  it.each([
    ['height −1', { height: -1 }, RangeError, 'height must be an integer'],
    ['height 2^53', { height: 2 ** 53 }, RangeError, 'height must be an integer'],
    ['timestampMs 1.5', { timestampMs: 1.5 }, RangeError, 'timestampMs must be an integer'],
    ['31-byte previousHash', { previousHash: filled(1, 31) }, RangeError, 'expected 32-byte previousHash'],
    ['proposer not bytes', { proposer: 'me' }, TypeError, 'expected proposer to be a Uint8Array'],
    ['txCount over blockTxsMax', { txCount: blockTxsMax + 1 }, RangeError, 'txCount must be an integer'],
    ['33-byte stateRoot', { stateRoot: filled(1, 33) }, RangeError, 'expected 32-byte stateRoot'],
    [
      '0-byte previousCertificateHash',
      { previousCertificateHash: new Uint8Array(0) },
      RangeError,
      'previousCertificateHash',
    ],
  ] as const)('encodeBlockHeader refuses %s, naming the field', (_, change, ErrorClass, message) => {
    const encode = () => encodeBlockHeader({ ...header, ...change } as unknown as BlockHeader);
    expect(encode).toThrow(ErrorClass);
    expect(encode).toThrow(message);
  });
});

describe('block', () => {
  it('decode(encode(block)) gives back the header, the certificate and the transactions', () => {
    fc.assert(
      fc.property(arbBlock(), (parts) => {
        const bytes = encodeBlockParts(parts);
        const block = decodeBlock(bytes);
        expect(plain(partsOf(bytes))).toEqual(plain(parts));
        expect(toHex(block.headerBytes)).toBe(toHex(encodeBlockHeader(parts.header)));
        expect(toHex(block.hash)).toBe(sha256Hex(encodeBlockHeader(parts.header)));
        expect(toHex(block.previousCertificateBytes)).toBe(
          parts.previousCertificate === null ? '' : toHex(encodeCertificate(parts.previousCertificate)),
        );
        expect(block.txBytes.map(toHex)).toEqual(parts.txs.map((tx) => toHex(encodeTransaction(tx))));
        expect(block.bytes).toBe(bytes);
      }),
      fuzzParams(1),
    );
  });

  it('encode(decode(b)) equals b for every accepted b (random, mutated, truncated and extended bytes)', () => {
    let accepted = 0;
    fc.assert(
      fc.property(arbDecoderInput(arbSmallBlockBytes, 1200), (bytes) => {
        const parts = decodeOrRefuse(partsOf, bytes);
        if (parts === undefined) return;
        accepted++;
        expect(toHex(encodeBlockParts(parts))).toBe(toHex(bytes));
      }),
      fuzzParams(3),
    );
    if (fuzzRuns >= 100) expect(accepted).toBeGreaterThan(0);
  });

  it('random, mutated and truncated bytes give only DecodeError', () => {
    fc.assert(
      fc.property(arbDecoderInput(arbBlock().map(encodeBlockParts), 4000), (bytes) => {
        decodeOrRefuse(decodeBlock, bytes);
      }),
      fuzzParams(1),
    );
  });

  it('every strict prefix is refused, and so is one trailing byte', () => {
    fc.assert(
      fc.property(arbSmallBlockBytes, fc.nat(255), (bytes, extra) => {
        for (let length = 0; length < bytes.length; length++) decodeError(decodeBlock, bytes.subarray(0, length));
        const error = decodeError(decodeBlock, Uint8Array.from([...bytes, extra]));
        expect(error.offset).toBe(bytes.length);
      }),
      fuzzParams(0.2),
    );
  });

  it.each([
    [0, false],
    [0, true],
    [3, false],
  ] as const)(
    'an empty block and a block of %i txs (certificate: %s) decode to their parts',
    (count, withCertificate) => {
      const txs = Array.from({ length: count }, (_, i) => transfer(i));
      const certificate = withCertificate
        ? encodeCertificate({
            height: 41,
            blockHash: filled(9),
            view: 0,
            signatures: [{ publicKey: filled(1), signature: filled(2, 64) }],
          })
        : new Uint8Array(0);
      const bytes = encodeBlock({ ...header, txCount: count }, certificate, txs.map(encodeTransaction));
      expect(bytes.length).toBe(blockHeaderBytes + 4 + certificate.length + 152 * count);
      expect(new DataView(bytes.buffer).getUint32(blockHeaderBytes, true)).toBe(certificate.length);
      const block = decodeBlock(bytes);
      expect(block.previousCertificate === null).toBe(!withCertificate);
      expect(block.txs.length).toBe(count);
      const messages = txs.map(transactionSigningMessage);
      expect(block.signatures.length).toBe(8 + 104 * count + messages.reduce((sum, m) => sum + m.length, 0));
      // Shared memory, so a pool's workers read it in place.
      expect(block.signatures.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect([...verifyPackedBatch(block.signatures)]).toEqual(txs.map(() => 0)); // 0xcc… signatures
    },
  );
});

/** A transfer on chain 'scf' (152 bytes encoded) with a distinct nonce. */
function transfer(nonce: number): Transaction {
  return {
    chainId: 'scf',
    sender: filled(0xaa),
    nonce,
    op: { type: 'transfer', to: filled(0xbb), amount: 10 },
    signature: filled(0xcc, 64),
  };
}

describe('block signatures (the packed batch)', () => {
  it('equal packVerifyBatch over {sender, signing message, signature}, byte for byte', () => {
    fc.assert(
      fc.property(arbBlock(), (parts) => {
        const block = decodeBlock(encodeBlockParts(parts));
        const items = parts.txs.map((tx) => ({
          publicKey: tx.sender,
          message: transactionSigningMessage(tx),
          signature: tx.signature,
        }));
        expect(toHex(block.signatures)).toBe(toHex(packVerifyBatch(items)));
      }),
      fuzzParams(1),
    );
  });

  it('verify to all ones for really signed transactions', () => {
    fc.assert(
      fc.property(arbBlock(arbSignedTransaction), (parts) => {
        const verdicts = verifyPackedBatch(decodeBlock(encodeBlockParts(parts)).signatures);
        expect([...verdicts]).toEqual(parts.txs.map(() => 1));
      }),
      fuzzParams(0.3),
    );
  });

  it('flipping one bit of one transaction’s signature in the block bytes gives exactly that item 0', () => {
    fc.assert(
      fc.property(arbBlock(arbSignedTransaction), fc.nat(), fc.nat(511), (parts, pick, bit) => {
        fc.pre(parts.txs.length > 0);
        const bytes = encodeBlockParts(parts);
        const target = pick % parts.txs.length;
        const txBytes = decodeBlock(bytes).txBytes[target] as Uint8Array;
        const signatureAt = txBytes.byteOffset - bytes.byteOffset + txBytes.length - 64;
        const flipped = bytes.slice();
        flipped[signatureAt + (bit >> 3)] = (flipped[signatureAt + (bit >> 3)] as number) ^ (1 << (bit & 7));
        const block = decodeBlock(flipped);
        const verdicts = [...verifyPackedBatch(block.signatures)];
        expect(verdicts).toEqual(parts.txs.map((_, i) => (i === target ? 0 : 1)));
        const tx = block.txs[target] as Transaction;
        expect(ed25519Verify(tx.sender, transactionSigningMessage(tx), tx.signature)).toBe(false);
      }),
      fuzzParams(0.3),
    );
  });
});

describe('block limits and errors', () => {
  const txs = [transfer(1), transfer(2), transfer(3)];
  const bytes = encodeBlock(header, new Uint8Array(0), txs.map(encodeTransaction));
  // Header 0..212, certificate length 213..216, txs at 217, 369 and 521 (152 bytes each).
  const refusal = (input: Uint8Array): [string, number] => {
    const error = decodeError(decodeBlock, input);
    return [error.field, error.offset];
  };
  const edit = (at: number, ...values: number[]): Uint8Array => {
    const out = bytes.slice();
    out.set(values, at);
    return out;
  };

  it('errors inside a transaction name its index and the absolute offset', () => {
    expect(refusal(edit(522, 0))).toEqual(['block.txs[2].type', 522]);
    expect(refusal(edit(369, 7))).toEqual(['block.txs[1].version', 369]);
    expect(refusal(bytes.subarray(0, 217 + 47))).toEqual(['block.txs[0].payloadLength', 217 + 46]);
    expect(refusal(bytes.subarray(0, 217 + 60))).toEqual(['block.txs[0].payload', 217 + 48]);
    expect(refusal(edit(217 + 86, 0x20))).toEqual(['block.txs[0].payload.amount', 217 + 80]);
  });

  it('header, count and trailing-byte errors', () => {
    expect(refusal(edit(0, 0))).toEqual(['block.header.version', 0]);
    expect(refusal(edit(81, 4))).toEqual(['block.txs[3].version', bytes.length]);
    expect(refusal(edit(81, 2))).toEqual(['block', 521]);
    const over = bytes.slice();
    new DataView(over.buffer).setUint32(81, blockTxsMax + 1, true);
    expect(refusal(over)).toEqual(['block.header.txCount', 81]);
  });

  it('certificate errors: a length over certificateBytesMax, a certificate that does not decode', () => {
    const long = bytes.slice();
    new DataView(long.buffer).setUint32(blockHeaderBytes, certificateBytesMax + 1, true);
    expect(refusal(long)).toEqual(['block.certificateLength', blockHeaderBytes]);
    const certificate = encodeCertificate({
      height: 1,
      blockHash: filled(3),
      view: 2,
      signatures: [{ publicKey: filled(1), signature: filled(2, 64) }],
    });
    const withCertificate = encodeBlock(header, certificate, txs.map(encodeTransaction));
    const zeroCount = withCertificate.slice();
    zeroCount.set([0, 0], blockHeaderBytes + 4 + 49);
    expect(refusal(zeroCount)).toEqual(['block.previousCertificate.count', blockHeaderBytes + 4 + 49]);
    const shortLength = withCertificate.slice();
    new DataView(shortLength.buffer).setUint32(blockHeaderBytes, certificate.length - 1, true);
    expect(refusal(shortLength)[0]).toBe('block.previousCertificate.signatures[0].signature');
  });

  it('a block over blockBytesMax is refused before anything is read', () => {
    expect(refusal(new Uint8Array(blockBytesMax + 1))).toEqual(['block', 0]);
  });

  it('encodeBlock refuses a txCount that is not the number of transactions, and an oversized certificate', () => {
    const encoded = txs.map(encodeTransaction);
    expect(() => encodeBlock({ ...header, txCount: 2 }, new Uint8Array(0), encoded)).toThrow(RangeError);
    expect(() => encodeBlock({ ...header, txCount: 2 }, new Uint8Array(0), encoded)).toThrow(
      'encodeBlock: header.txCount is 2 but 3 transactions were given',
    );
    expect(() => encodeBlock(header, new Uint8Array(certificateBytesMax + 1), encoded)).toThrow(
      'previousCertificateBytes has',
    );
    expect(() => encodeBlock(header, 'none' as unknown as Uint8Array, encoded)).toThrow(TypeError);
  });
});
