// The hash benchmark's one-call-per-node reference (bench/merkle-reference.ts) computes the
// RFC 9162 root for leaves of any length, with each peer's hash function (issue 8: it used
// to reuse one 33-byte buffer, so leaves of 3 and 1 bytes gave a wrong root and a 40-byte
// leaf threw).
import { createHash } from 'node:crypto';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { merkleRootOneCallPerNode } from '../../bench/merkle-reference.js';
import { merkleRoot } from '../../src/crypto/merkle.js';
import { fuzzParams } from '../support/fuzz.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const bytes = (...values: number[]) => Uint8Array.from(values);

describe('merkleRootOneCallPerNode', () => {
  it('the issue’s cases: a 3-byte then a 1-byte leaf, and a 40-byte leaf', () => {
    const short = [bytes(1, 2, 3), bytes(4)];
    expect(hex(merkleRootOneCallPerNode(short))).toBe(hex(merkleRoot(short)));
    const long = [new Uint8Array(40).fill(7), bytes(9)];
    expect(hex(merkleRootOneCallPerNode(long))).toBe(hex(merkleRoot(long)));
  });

  it('the empty tree is SHA-256 of nothing; one leaf is its leaf hash', () => {
    expect(hex(merkleRootOneCallPerNode([]))).toBe(createHash('sha256').digest('hex'));
    expect(hex(merkleRootOneCallPerNode([bytes(5)]))).toBe(hex(merkleRoot([bytes(5)])));
  });

  it('equals merkleRoot for random leaves of any length, with node:crypto and with a peer’s hash', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 70 }), (leaves) => {
        const expected = hex(merkleRoot(leaves));
        expect(hex(merkleRootOneCallPerNode(leaves))).toBe(expected);
        expect(hex(merkleRootOneCallPerNode(leaves, nobleSha256))).toBe(expected);
      }),
      fuzzParams(1),
    );
  });
});
