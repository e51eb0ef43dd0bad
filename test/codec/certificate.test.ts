// Commit certificates (src/codec/certificate.ts): canonical bytes both ways, strictly
// ascending signers on both sides, the count limits and the commit-vote message.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes.js';
import {
  type CommitCertificate,
  commitVoteMessage,
  compareKeys,
  decodeCertificate,
  encodeCertificate,
} from '../../src/codec/certificate.js';
import { certificateSignaturesMax } from '../../src/limits.js';
import {
  arbBytes32,
  arbCertificate,
  arbChainId,
  arbDecoderInput,
  arbU53,
  decodeError,
  decodeOrRefuse,
  plain,
  singleByteVariants,
  sweepParams,
} from '../support/codec-arbitraries.js';
import { fuzzParams, fuzzRuns } from '../support/fuzz.js';

const filled = (byte: number, length = 32): Uint8Array => new Uint8Array(length).fill(byte);
const ascii = (text: string): string => Buffer.from(text, 'utf8').toString('hex');
const u64 = (value: number): string => {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value), true);
  return toHex(out);
};

/** `count` signers with keys 0x00…01, 0x00…02, … (ascending) and signatures of 0xee. */
function certificateOf(count: number): CommitCertificate {
  const signatures = Array.from({ length: count }, (_, i) => {
    const publicKey = new Uint8Array(32);
    publicKey[30] = (i + 1) >> 8;
    publicKey[31] = (i + 1) & 0xff;
    return { publicKey, signature: filled(0xee, 64) };
  });
  return { height: 9, blockHash: filled(0x77), view: 3, signatures };
}

const arbCertificateBytes = arbCertificate.map(encodeCertificate);

describe('certificate round trips', () => {
  it('decode(encode(certificate)) equals the certificate', () => {
    fc.assert(
      fc.property(arbCertificate, (certificate) => {
        const bytes = encodeCertificate(certificate);
        expect(bytes.length).toBe(51 + 96 * certificate.signatures.length);
        expect(plain(decodeCertificate(bytes))).toEqual(plain(certificate));
      }),
      fuzzParams(1),
    );
  });

  it('encode(decode(b)) equals b for every accepted b (random, mutated, truncated and extended bytes)', () => {
    let accepted = 0;
    fc.assert(
      fc.property(arbDecoderInput(arbCertificateBytes), (bytes) => {
        const certificate = decodeOrRefuse(decodeCertificate, bytes);
        if (certificate === undefined) return;
        accepted++;
        expect(toHex(encodeCertificate(certificate))).toBe(toHex(bytes));
      }),
      fuzzParams(2),
    );
    if (fuzzRuns >= 100) expect(accepted).toBeGreaterThan(0);
  });

  it('every single-byte change of a certificate is refused or re-encodes to itself', () => {
    const fewSigners = arbCertificate.filter((certificate) => certificate.signatures.length <= 4);
    fc.assert(
      fc.property(fewSigners.map(encodeCertificate), (valid) => {
        for (const bytes of singleByteVariants(valid)) {
          const decoded = decodeOrRefuse(decodeCertificate, bytes);
          if (decoded !== undefined) expect(toHex(encodeCertificate(decoded))).toBe(toHex(bytes));
        }
      }),
      sweepParams(),
    );
  });

  it('random, mutated and truncated bytes give only DecodeError', () => {
    fc.assert(
      fc.property(arbDecoderInput(arbCertificateBytes, 2000), (bytes) => {
        decodeOrRefuse(decodeCertificate, bytes);
      }),
      fuzzParams(2),
    );
  });

  it('every strict prefix is refused, and so is one trailing byte', () => {
    const fewSigners = arbCertificate.filter((certificate) => certificate.signatures.length <= 16);
    fc.assert(
      fc.property(fewSigners.map(encodeCertificate), fc.nat(255), (bytes, extra) => {
        for (let length = 0; length < bytes.length; length++) decodeError(decodeCertificate, bytes.subarray(0, length));
        const error = decodeError(decodeCertificate, Uint8Array.from([...bytes, extra]));
        expect([error.field, error.offset]).toEqual(['certificate', bytes.length]);
      }),
      fuzzParams(0.3),
    );
  });

  it('1 and 256 signers are accepted both ways', () => {
    for (const count of [1, certificateSignaturesMax]) {
      const certificate = certificateOf(count);
      expect(plain(decodeCertificate(encodeCertificate(certificate)))).toEqual(plain(certificate));
    }
  });

  it('the layout: version, height, blockHash, view, count, then key ‖ signature per signer', () => {
    const bytes = encodeCertificate(certificateOf(2));
    const key = (n: number) => `${'00'.repeat(31)}${n.toString(16).padStart(2, '0')}`;
    expect(toHex(bytes)).toBe(
      `01${u64(9)}${'77'.repeat(32)}${u64(3)}0200${key(1)}${'ee'.repeat(64)}${key(2)}${'ee'.repeat(64)}`,
    );
  });
});

describe('certificate limits and order', () => {
  const bytesOf = (count: number) => encodeCertificate(certificateOf(count));
  const withCount = (bytes: Uint8Array, count: number) => {
    const out = bytes.slice();
    new DataView(out.buffer).setUint16(49, count, true);
    return out;
  };
  const refusal = (bytes: Uint8Array): [string, number] => {
    const error = decodeError(decodeCertificate, bytes);
    return [error.field, error.offset];
  };

  it('a count of 0 or over 256 is refused at the count field (offset 49)', () => {
    expect(refusal(withCount(bytesOf(1), 0))).toEqual(['certificate.count', 49]);
    const full = bytesOf(certificateSignaturesMax);
    const over = new Uint8Array(full.length + 96);
    over.set(withCount(full, certificateSignaturesMax + 1));
    over.fill(0xff, full.length, full.length + 32); // a 257th key above the others
    expect(refusal(over)).toEqual(['certificate.count', 49]);
    expect(refusal(withCount(full, 0xffff))).toEqual(['certificate.count', 49]);
  });

  it('signers out of order or repeated are refused at the later key', () => {
    const bytes = bytesOf(3);
    const swapped = bytes.slice();
    swapped.set(bytes.subarray(51 + 96, 51 + 96 + 32), 51 + 2 * 96); // key 3 := key 2
    expect(refusal(swapped)).toEqual(['certificate.signatures[2].publicKey', 51 + 2 * 96]);
    const descending = bytes.slice();
    descending[51 + 31] = 9; // key 1 := 9, above key 2
    expect(refusal(descending)).toEqual(['certificate.signatures[1].publicKey', 51 + 96]);
  });

  it('version and truncated signatures name their field and offset', () => {
    expect(refusal(Uint8Array.from(bytesOf(1), (b, i) => (i === 0 ? 0 : b)))).toEqual(['certificate.version', 0]);
    expect(refusal(bytesOf(2).subarray(0, 51 + 96 + 40))).toEqual([
      'certificate.signatures[1].signature',
      51 + 96 + 32,
    ]);
  });

  it.each([
    ['no signatures', { signatures: [] }, RangeError, 'signatures must hold 1..256 entries'],
    ['257 signatures', { signatures: certificateOf(257).signatures }, RangeError, 'signatures must hold 1..256'],
    ['signatures not an array', { signatures: 'all' }, RangeError, 'signatures must hold'],
    [
      'unsorted signers',
      { signatures: [...certificateOf(3).signatures].reverse() },
      RangeError,
      'signatures[1].publicKey is not above signatures[0].publicKey',
    ],
    [
      'a duplicate signer',
      { signatures: [certificateOf(2).signatures[0], certificateOf(2).signatures[0]] },
      RangeError,
      'signatures[1].publicKey is not above signatures[0].publicKey',
    ],
    [
      'a 31-byte key',
      { signatures: [{ publicKey: filled(1, 31), signature: filled(2, 64) }] },
      RangeError,
      'expected 32-byte signatures[0].publicKey',
    ],
    [
      'a 65-byte signature',
      { signatures: [{ publicKey: filled(1), signature: filled(2, 65) }] },
      RangeError,
      'expected 64-byte signatures[0].signature',
    ],
    ['height −1', { height: -1 }, RangeError, 'height must be an integer'],
    ['view 2^53', { view: 2 ** 53 }, RangeError, 'view must be an integer'],
    ['31-byte blockHash', { blockHash: filled(1, 31) }, RangeError, 'expected 32-byte blockHash'],
  ] as const)('encodeCertificate refuses %s, naming the field', (_, change, ErrorClass, message) => {
    const encode = () => encodeCertificate({ ...certificateOf(1), ...change } as unknown as CommitCertificate);
    expect(encode).toThrow(ErrorClass);
    expect(encode).toThrow(message);
  });

  it('compareKeys orders 32-byte keys as their hex strings do', () => {
    fc.assert(
      fc.property(arbBytes32, arbBytes32, (a, b) => {
        const byHex = toHex(a) < toHex(b) ? -1 : toHex(a) > toHex(b) ? 1 : 0;
        expect(Math.sign(compareKeys(a, b))).toBe(byHex);
        expect(compareKeys(a, a)).toBe(0);
      }),
      fuzzParams(1),
    );
  });
});

describe('commit-vote message', () => {
  it('is the commit domain, the u8-prefixed chain id, view, height and block hash', () => {
    fc.assert(
      fc.property(arbChainId, arbU53, arbU53, arbBytes32, (chainId, view, height, hash) => {
        expect(toHex(commitVoteMessage(chainId, view, height, hash))).toBe(
          `${ascii('consortium-ledger/commit/v1')}00${chainId.length.toString(16).padStart(2, '0')}${ascii(chainId)}` +
            `${u64(view)}${u64(height)}${toHex(hash)}`,
        );
      }),
      fuzzParams(1),
    );
  });

  it('refuses a bad chain id, view, height or hash', () => {
    expect(() => commitVoteMessage('Main', 0, 0, filled(1))).toThrow('chainId must be 1..32');
    expect(() => commitVoteMessage('main', -1, 0, filled(1))).toThrow('view must be an integer');
    expect(() => commitVoteMessage('main', 0, 1.5, filled(1))).toThrow('height must be an integer');
    expect(() => commitVoteMessage('main', 0, 0, filled(1, 16))).toThrow('expected 32-byte blockHash');
  });
});
