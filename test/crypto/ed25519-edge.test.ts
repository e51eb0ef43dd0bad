// ZIP-215 edge cases: small-order and non-canonical points, S >= L, in single and batch
// verification. Reference verdicts come from the definitions (and @noble/ed25519 zip215).
import { createHash } from 'node:crypto';
import * as noble from '@noble/ed25519';
import { describe, expect, it } from 'vitest';
import { ed25519GenerateKeyPair, ed25519Sign, ed25519Verify, ed25519VerifyBatch } from '../../src/crypto/ed25519.js';
import { bytesToBigintLE as bytesToBigint, bigintToBytesLE as scalarBytes } from '../support/bigint.js';

noble.hashes.sha512 = (message: Uint8Array) => new Uint8Array(createHash('sha512').update(message).digest());

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const p = 2n ** 255n - 19n;
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function challenge(r: Uint8Array, a: Uint8Array, message: Uint8Array): bigint {
  return bytesToBigint(createHash('sha512').update(r).update(a).update(message).digest()) % L;
}

function signature(r: Uint8Array, s: bigint): Uint8Array {
  const out = new Uint8Array(64);
  out.set(r, 0);
  out.set(scalarBytes(s), 32);
  return out;
}

function nobleZip215(publicKey: Uint8Array, message: Uint8Array, sig: Uint8Array): boolean {
  try {
    return noble.verify(sig, message, publicKey, { zip215: true });
  } catch {
    return false;
  }
}

// The 8 canonical encodings of the 8-torsion points: multiples of a point of order 8.
const order8 = noble.Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', true);
const torsion: noble.Point[] = [];
for (let i = 0, point = noble.Point.ZERO; i < 8; i++, point = point.add(order8)) torsion.push(point);
const canonicalTorsionEncodings = torsion.map((point) => point.toBytes());

// Non-canonical encodings of the small-order points: y + p where that is < 2^255, and the
// sign bit set where x = 0 (y = 1, y = -1). These are the 6 of ed25519-zebra's tests.
function decodes(encoding: Uint8Array): boolean {
  try {
    noble.Point.fromBytes(encoding, true);
    return true;
  } catch {
    return false;
  }
}
const nonCanonicalSmallOrder: Uint8Array[] = [];
for (const point of torsion) {
  const canonical = toHex(point.toBytes());
  const y = bytesToBigint(point.toBytes()) & (2n ** 255n - 1n);
  for (const candidateY of [y, y + p]) {
    if (candidateY >= 2n ** 255n) continue;
    for (const sign of [0n, 1n]) {
      const encoding = scalarBytes(candidateY | (sign << 255n));
      if (toHex(encoding) === canonical || !decodes(encoding)) continue;
      if (noble.Point.fromBytes(encoding, true).equals(point)) nonCanonicalSmallOrder.push(encoding);
    }
  }
}
// Every encoding with y >= p (y = p + i, i < 19, either sign) that decodes: 24 of them, of
// small and of large order.
const overflowEncodings: Uint8Array[] = [];
for (let i = 0n; i < 19n; i++) {
  for (const sign of [0n, 1n]) {
    const encoding = scalarBytes((p + i) | (sign << 255n));
    if (decodes(encoding)) overflowEncodings.push(encoding);
  }
}
const smallOrderEncodings = [...canonicalTorsionEncodings, ...nonCanonicalSmallOrder];
const message = new TextEncoder().encode('Zcash');

describe('ed25519 small-order points (ZIP-215)', () => {
  it('has the 14 encodings of ed25519-zebra: 8 torsion points, 6 non-canonical, all of small order', () => {
    expect(smallOrderEncodings.length).toBe(14);
    expect(new Set(canonicalTorsionEncodings.map(toHex)).size).toBe(8);
    for (const encoding of smallOrderEncodings) expect(noble.Point.fromBytes(encoding, true).isSmallOrder()).toBe(true);
    expect(nonCanonicalSmallOrder.map(toHex).sort()).toEqual([
      '0100000000000000000000000000000000000000000000000000000000000080',
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
      'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
      'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    ]);
    expect(overflowEncodings.length).toBe(24);
  });

  const cases: { publicKey: Uint8Array; signature: Uint8Array; message: Uint8Array; expected: boolean }[] = [];
  for (const a of smallOrderEncodings) {
    for (const r of smallOrderEncodings) {
      cases.push({ publicKey: a, signature: signature(r, 0n), message, expected: true });
      cases.push({ publicKey: a, signature: signature(r, 1n), message, expected: false });
    }
  }

  it('all 196 (A, R) combinations with S = 0 verify and with S = 1 do not, alone', () => {
    for (const item of cases) {
      expect(ed25519Verify(item.publicKey, item.message, item.signature)).toBe(item.expected);
      expect(nobleZip215(item.publicKey, item.message, item.signature)).toBe(item.expected);
    }
  });

  it('all 196 (A, R) combinations with S = 0 verify and with S = 1 do not, in one batch', () => {
    expect(ed25519VerifyBatch(cases)).toEqual(cases.map((item) => item.expected));
    const onlyValid = cases.filter((item) => item.expected);
    expect(ed25519VerifyBatch(onlyValid).every((verdict) => verdict)).toBe(true);
  });
});

describe('ed25519 S >= L and non-canonical encodings', () => {
  const keys = ed25519GenerateKeyPair();
  const signed = ed25519Sign(keys.secretKey, message);
  const s = bytesToBigint(signed.subarray(32));

  it('refuses S = L, S = L + s, S = 2^256 - 1, alone and in a batch', () => {
    for (const badS of [L, L + s, 2n ** 256n - 1n, 2n ** 253n]) {
      const sig = signature(signed.subarray(0, 32), badS);
      expect(ed25519Verify(keys.publicKey, message, sig)).toBe(false);
      expect(
        ed25519VerifyBatch([
          { publicKey: keys.publicKey, message, signature: sig },
          { publicKey: keys.publicKey, message, signature: signed },
        ]),
      ).toEqual([false, true]);
    }
    expect(ed25519Verify(keys.publicKey, message, signature(signed.subarray(0, 32), L - 1n))).toBe(false);
    expect(ed25519Verify(keys.publicKey, message, signed)).toBe(true);
  });

  it('accepts a valid signature whose A has a non-canonical small-order encoding (y >= p, x = 0 with sign)', () => {
    // A of small order: [8][k]A = 0, so R = [r]B with S = r satisfies the cofactored equation.
    const r = 0x1234567890abcdefn;
    const rBytes = noble.Point.BASE.multiply(r).toBytes();
    for (const a of nonCanonicalSmallOrder) {
      const sig = signature(rBytes, r);
      expect(ed25519Verify(a, message, sig)).toBe(true);
      expect(nobleZip215(a, message, sig)).toBe(true);
      expect(ed25519Verify(a, message, signature(rBytes, r + 1n))).toBe(false);
    }
  });

  it('accepts a valid signature whose R has a non-canonical small-order encoding', () => {
    // R of small order: with A = [a]B, S = k a satisfies [8]([S]B - [k]A - R) = -[8]R = 0.
    const a = 0xfeedfacecafebeefn;
    const aBytes = noble.Point.BASE.multiply(a).toBytes();
    const items = nonCanonicalSmallOrder.map((r) => {
      const k = challenge(r, aBytes, message);
      return { publicKey: aBytes, message, signature: signature(r, (k * a) % L) };
    });
    for (const item of items) {
      expect(ed25519Verify(item.publicKey, item.message, item.signature)).toBe(true);
      expect(nobleZip215(item.publicKey, item.message, item.signature)).toBe(true);
    }
    expect(ed25519VerifyBatch(items)).toEqual(items.map(() => true));
  });

  it('treats every y >= p encoding, of any order, as noble zip215 does, as A and as R', () => {
    const r = 77n;
    const rBytes = noble.Point.BASE.multiply(r).toBytes();
    const items = [];
    for (const encoding of overflowEncodings) {
      items.push({ publicKey: encoding, message, signature: signature(rBytes, r) });
      items.push({ publicKey: keys.publicKey, message, signature: signature(encoding, s) });
    }
    const expected = items.map((item) => nobleZip215(item.publicKey, item.message, item.signature));
    expect(items.map((item) => ed25519Verify(item.publicKey, item.message, item.signature))).toEqual(expected);
    expect(ed25519VerifyBatch(items)).toEqual(expected);
  });

  it('refuses encodings that do not decode (no square root), alone and in a batch', () => {
    // y = 2 is not the y of any point (checked with noble).
    const bad = scalarBytes(2n);
    expect(decodes(bad)).toBe(false);
    expect(ed25519Verify(bad, message, signed)).toBe(false);
    expect(ed25519Verify(keys.publicKey, message, signature(bad, s))).toBe(false);
    expect(
      ed25519VerifyBatch([
        { publicKey: bad, message, signature: signed },
        { publicKey: keys.publicKey, message, signature: signed },
        { publicKey: keys.publicKey, message, signature: signature(bad, s) },
      ]),
    ).toEqual([false, true, false]);
  });

  it('accepts a key with a mixed-order component only when the cofactored equation holds', () => {
    // A = [a]B + T8 (T8 of order 8): node-style signing with scalar a gives S = r + k a;
    // then [S]B - [k]A - R = -[k]T8, which [8] kills: valid under ZIP-215.
    const a = 0x5151515151n;
    const aBytes = noble.Point.BASE.multiply(a).add(order8).toBytes();
    const r = 0x9999n;
    const rBytes = noble.Point.BASE.multiply(r).toBytes();
    const k = challenge(rBytes, aBytes, message);
    const sig = signature(rBytes, (r + k * a) % L);
    expect(ed25519Verify(aBytes, message, sig)).toBe(true);
    expect(nobleZip215(aBytes, message, sig)).toBe(true);
    expect(
      ed25519VerifyBatch([
        { publicKey: aBytes, message, signature: sig },
        { publicKey: keys.publicKey, message, signature: signed },
      ]),
    ).toEqual([true, true]);
  });
});
