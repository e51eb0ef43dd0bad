import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha512 } from '../../src/crypto/sha512.js';
import { fuzzParams } from '../support/fuzz.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const nodeSha512 = (bytes: Uint8Array) => createHash('sha512').update(bytes).digest('hex');

describe('sha512', () => {
  // FIPS 180-4 examples (NIST CSRC "SHA512.pdf") and the empty message.
  it.each([
    [
      '',
      'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e',
    ],
    [
      'abc',
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    ],
    [
      'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu',
      '8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909',
    ],
  ])('hashes the FIPS 180-4 example %j', (message, digest) => {
    expect(hex(sha512(new TextEncoder().encode(message)))).toBe(digest);
  });

  it('hashes one million "a" (FIPS 180-4 long message)', () => {
    const message = new Uint8Array(1_000_000).fill(0x61);
    expect(hex(sha512(message))).toBe(
      'e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b',
    );
  });

  it('equals node:crypto at every length around the padding boundaries', () => {
    for (let length = 0; length <= 300; length++) {
      const message = Uint8Array.from({ length }, (_, i) => (i * 131 + length) & 0xff);
      expect(hex(sha512(message))).toBe(nodeSha512(message));
    }
  });

  it('digest equals node:crypto for random messages', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (message) => {
        expect(hex(sha512(message))).toBe(nodeSha512(message));
      }),
      fuzzParams(1),
    );
  });

  it('throws TypeError on a non-Uint8Array', () => {
    expect(() => sha512('abc' as unknown as Uint8Array)).toThrow(TypeError);
  });
});
