import { createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import * as noble from '@noble/ed25519';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ed25519GenerateKeyPair,
  ed25519PublicKeyFromSecret,
  ed25519Sign,
  ed25519Verify,
  ed25519VerifyBatch,
} from '../../src/crypto/ed25519.js';
import { fuzzParams } from '../support/fuzz.js';

noble.hashes.sha512 = (message: Uint8Array) => new Uint8Array(createHash('sha512').update(message).digest());

const fromHex = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** ZIP-215 verdict of the reference implementation (@noble/ed25519 in zip215 mode). */
function nobleZip215(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return noble.verify(signature, message, publicKey, { zip215: true });
  } catch {
    return false;
  }
}

// RFC 8032 §7.1, TEST 1, 2, 3 and SHA(abc).
const rfc8032Vectors = [
  {
    name: 'TEST 1 (empty message)',
    secretKey: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2 (1-byte message)',
    secretKey: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3 (2-byte message)',
    secretKey: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
  {
    name: 'TEST SHA(abc) (64-byte message)',
    secretKey: '833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42',
    publicKey: 'ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf',
    message: createHash('sha512').update('abc').digest('hex'),
    signature:
      'dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704',
  },
];

describe('ed25519 RFC 8032 §7.1 vectors', () => {
  it.each(rfc8032Vectors)('$name: verifies, and signing reproduces it', (vector) => {
    const publicKey = fromHex(vector.publicKey);
    const message = fromHex(vector.message);
    const signature = fromHex(vector.signature);
    expect(ed25519Verify(publicKey, message, signature)).toBe(true);
    expect(toHex(ed25519PublicKeyFromSecret(fromHex(vector.secretKey)))).toBe(vector.publicKey);
    expect(toHex(ed25519Sign(fromHex(vector.secretKey), message))).toBe(vector.signature);
    expect(ed25519VerifyBatch([{ publicKey, message, signature }])).toEqual([true]);
    const tampered = message.length === 0 ? Uint8Array.of(0) : message.map((b, i) => (i === 0 ? b ^ 1 : b));
    expect(ed25519Verify(publicKey, tampered, signature)).toBe(false);
  });
});

describe('ed25519 sign, verify and key generation', () => {
  it('a generated key pair signs what node:crypto verifies and we verify', () => {
    const { publicKey, secretKey } = ed25519GenerateKeyPair();
    expect(publicKey.length).toBe(32);
    expect(secretKey.length).toBe(32);
    expect(toHex(ed25519PublicKeyFromSecret(secretKey))).toBe(toHex(publicKey));
    const message = new TextEncoder().encode('invoice 42 accepted');
    const signature = ed25519Sign(secretKey, message);
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKey]);
    const keyObject = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    expect(nodeVerify(null, message, keyObject, signature)).toBe(true);
    expect(ed25519Verify(publicKey, message, signature)).toBe(true);
  });

  const keys = Array.from({ length: 8 }, () => ed25519GenerateKeyPair());

  it('every node:crypto signature verifies', () => {
    fc.assert(
      fc.property(fc.nat(keys.length - 1), fc.uint8Array({ maxLength: 300 }), (keyIndex, message) => {
        const { publicKey, secretKey } = keys[keyIndex] as (typeof keys)[number];
        expect(ed25519Verify(publicKey, message, ed25519Sign(secretKey, message))).toBe(true);
      }),
      fuzzParams(20),
    );
  });

  it('a single-bit mutation of message, key or signature is refused unless ZIP-215 accepts the result', () => {
    fc.assert(
      fc.property(
        fc.nat(keys.length - 1),
        fc.uint8Array({ minLength: 1, maxLength: 200 }),
        fc.constantFrom('message', 'publicKey', 'signature'),
        fc.nat(),
        (keyIndex, message, target, bitSeed) => {
          const { publicKey, secretKey } = keys[keyIndex] as (typeof keys)[number];
          const signature = ed25519Sign(secretKey, message);
          const mutated = { publicKey: publicKey.slice(), message: message.slice(), signature: signature.slice() };
          const bytes = mutated[target as 'message' | 'publicKey' | 'signature'];
          const bit = bitSeed % (bytes.length * 8);
          bytes[bit >> 3] = (bytes[bit >> 3] as number) ^ (1 << (bit & 7));
          const ours = ed25519Verify(mutated.publicKey, mutated.message, mutated.signature);
          expect(ours).toBe(nobleZip215(mutated.publicKey, mutated.message, mutated.signature));
          // A flip in the message or in S (below its top bits) never yields a valid signature.
          if (target === 'message') expect(ours).toBe(false);
        },
      ),
      fuzzParams(10),
    );
  });

  it('verdict equals @noble/ed25519 zip215 on random bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        (publicKey, message, signature) => {
          expect(ed25519Verify(publicKey, message, signature)).toBe(nobleZip215(publicKey, message, signature));
        },
      ),
      fuzzParams(5),
    );
  });
});

describe('ed25519 input validation', () => {
  const publicKey = new Uint8Array(32);
  const signature = new Uint8Array(64);
  const message = new Uint8Array(3);

  it('throws RangeError naming the parameter on wrong lengths', () => {
    expect(() => ed25519Verify(new Uint8Array(31), message, signature)).toThrow(
      new RangeError('ed25519Verify: expected 32-byte publicKey, got 31 bytes'),
    );
    expect(() => ed25519Verify(publicKey, message, new Uint8Array(63))).toThrow(
      new RangeError('ed25519Verify: expected 64-byte signature, got 63 bytes'),
    );
    expect(() => ed25519Sign(new Uint8Array(64), message)).toThrow(/32-byte secretKey, got 64 bytes/);
    expect(() =>
      ed25519VerifyBatch([
        { publicKey, message, signature },
        { publicKey, message, signature: new Uint8Array(65) },
      ]),
    ).toThrow(/items\[1\]\.signature/);
  });

  it('throws TypeError naming the parameter on wrong types', () => {
    expect(() => ed25519Verify('key' as unknown as Uint8Array, message, signature)).toThrow(TypeError);
    expect(() => ed25519Verify(publicKey, 'message' as unknown as Uint8Array, signature)).toThrow(/message/);
    expect(() => ed25519Verify(publicKey, message, [1, 2] as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => ed25519VerifyBatch('items' as unknown as [])).toThrow(TypeError);
    expect(() =>
      ed25519VerifyBatch([null as unknown as { publicKey: Uint8Array; message: Uint8Array; signature: Uint8Array }]),
    ).toThrow(/items\[0\]/);
    expect(() => ed25519Sign(publicKey, {} as unknown as Uint8Array)).toThrow(TypeError);
  });

  it('accepts a Buffer and a subarray view', () => {
    const keys = ed25519GenerateKeyPair();
    const backing = new Uint8Array(100);
    backing.set([1, 2, 3], 50);
    const view = backing.subarray(50, 53);
    const signature = ed25519Sign(keys.secretKey, view);
    expect(ed25519Verify(Buffer.from(keys.publicKey), view, Buffer.from(signature))).toBe(true);
  });

  it('an empty batch gives no verdicts', () => {
    expect(ed25519VerifyBatch([])).toEqual([]);
  });
});
