// The genesis (src/codec/genesis.ts): canonical bytes both ways, members strictly ascending
// by key, opening balances within the supply limit, and its hash.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes.js';
import { decodeGenesis, encodeGenesis, type Genesis, genesisHash } from '../../src/codec/genesis.js';
import { amountMax, genesisMembersMax } from '../../src/limits.js';
import {
  arbDecoderInput,
  arbGenesis,
  decodeError,
  decodeOrRefuse,
  plain,
  singleByteVariants,
  sweepParams,
} from '../support/codec-arbitraries.js';
import { fuzzParams, fuzzRuns } from '../support/fuzz.js';

const filled = (byte: number, length = 32): Uint8Array => new Uint8Array(length).fill(byte);
const u64 = (value: number): string => {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value), true);
  return toHex(out);
};

// chain 'g': version 0, chain id 1..2, timestampMs 3..10, memberCount 11..12; member 0 at 13
// (role 13, name 14..15, key 16..47, balance 48..55, validator 56); member 1 at 57 (role 57,
// name 58..59, key 60..91, balance 92..99, validator 100).
const genesis: Genesis = {
  chainId: 'g',
  timestampMs: 1000,
  members: [
    { role: 'regulator', name: 'a', publicKey: filled(0x01), balance: amountMax, validator: true },
    { role: 'bank', name: 'b', publicKey: filled(0x02), balance: 0, validator: false },
  ],
};
const arbGenesisBytes = arbGenesis.map(encodeGenesis);

describe('genesis round trips', () => {
  it('decode(encode(genesis)) equals the genesis', () => {
    fc.assert(
      fc.property(arbGenesis, (value) => {
        expect(plain(decodeGenesis(encodeGenesis(value)))).toEqual(plain(value));
      }),
      fuzzParams(1),
    );
  });

  it('encode(decode(b)) equals b for every accepted b (random, mutated, truncated and extended bytes)', () => {
    let accepted = 0;
    fc.assert(
      fc.property(arbDecoderInput(arbGenesisBytes), (bytes) => {
        const value = decodeOrRefuse(decodeGenesis, bytes);
        if (value === undefined) return;
        accepted++;
        expect(toHex(encodeGenesis(value))).toBe(toHex(bytes));
      }),
      fuzzParams(2),
    );
    if (fuzzRuns >= 100) expect(accepted).toBeGreaterThan(0);
  });

  it('every single-byte change of a genesis is refused or re-encodes to itself', () => {
    fc.assert(
      fc.property(
        arbGenesisBytes.filter((bytes) => bytes.length <= 1200),
        (valid) => {
          for (const bytes of singleByteVariants(valid)) {
            const decoded = decodeOrRefuse(decodeGenesis, bytes);
            if (decoded !== undefined) expect(toHex(encodeGenesis(decoded))).toBe(toHex(bytes));
          }
        },
      ),
      sweepParams(),
    );
  });

  it('random, mutated and truncated bytes give only DecodeError', () => {
    fc.assert(
      fc.property(arbDecoderInput(arbGenesisBytes, 2000), (bytes) => {
        decodeOrRefuse(decodeGenesis, bytes);
      }),
      fuzzParams(2),
    );
  });

  it('every strict prefix is refused, and so is one trailing byte', () => {
    fc.assert(
      fc.property(arbGenesisBytes, fc.nat(255), (bytes, extra) => {
        for (let length = 0; length < bytes.length; length++) decodeError(decodeGenesis, bytes.subarray(0, length));
        const error = decodeError(decodeGenesis, Uint8Array.from([...bytes, extra]));
        expect([error.field, error.offset]).toEqual(['genesis', bytes.length]);
      }),
      fuzzParams(0.2),
    );
  });

  it('the genesis hash is SHA-256 of the canonical bytes', () => {
    fc.assert(
      fc.property(arbGenesisBytes, (bytes) => {
        expect(toHex(genesisHash(bytes))).toBe(createHash('sha256').update(bytes).digest('hex'));
      }),
      fuzzParams(0.3),
    );
  });

  it('the layout: version, chain id, timestamp, count, then role ‖ name ‖ key ‖ balance ‖ validator', () => {
    expect(toHex(encodeGenesis(genesis))).toBe(
      `010167${u64(1000)}0200` + `010161${'01'.repeat(32)}${u64(amountMax)}01` + `020162${'02'.repeat(32)}${u64(0)}00`,
    );
  });

  it('accepts 1024 members and balances summing to exactly 2^53 − 1', () => {
    const members = Array.from({ length: genesisMembersMax }, (_, i) => ({
      role: 'supplier' as const,
      name: `m${i}`,
      publicKey: Uint8Array.from({ length: 32 }, (_, j) => (j === 0 ? i >> 8 : j === 1 ? i & 0xff : 7)),
      balance: i === 0 ? amountMax - (genesisMembersMax - 1) : 1,
      validator: i < 4,
    }));
    const value = { chainId: 'big', timestampMs: 0, members };
    expect(plain(decodeGenesis(encodeGenesis(value)))).toEqual(plain(value));
  });
});

describe('genesis limits and errors', () => {
  const bytes = encodeGenesis(genesis);
  const edit = (at: number, ...values: number[]): Uint8Array => {
    const out = bytes.slice();
    out.set(values, at);
    return out;
  };
  const refusal = (input: Uint8Array): [string, number] => {
    const error = decodeError(decodeGenesis, input);
    return [error.field, error.offset];
  };

  it('decode errors name the member and the offset', () => {
    expect(refusal(edit(0, 2))).toEqual(['genesis.version', 0]);
    expect(refusal(edit(2, 0x47))).toEqual(['genesis.chainId', 1]); // 'G'
    expect(refusal(edit(11, 0, 0))).toEqual(['genesis.memberCount', 11]);
    expect(refusal(edit(11, (genesisMembersMax + 1) & 0xff, (genesisMembersMax + 1) >> 8))).toEqual([
      'genesis.memberCount',
      11,
    ]);
    expect(refusal(edit(57, 6))).toEqual(['genesis.members[1].role', 57]);
    expect(refusal(edit(59, 0xc0))).toEqual(['genesis.members[1].name', 59]);
    expect(refusal(edit(60, ...filled(0x01)))).toEqual(['genesis.members[1].publicKey', 60]); // key 1 = key 0
    expect(refusal(edit(60, 0x00))).toEqual(['genesis.members[1].publicKey', 60]); // key 1 < key 0
    expect(refusal(edit(92, 1))).toEqual(['genesis.members[1].balance', 92]); // supply 2^53
    expect(refusal(edit(100, 2))).toEqual(['genesis.members[1].validator', 100]);
    expect(refusal(edit(54, 0x20))).toEqual(['genesis.members[0].balance', 48]); // 2^53 + …
  });

  const member = genesis.members[0] as Genesis['members'][number];
  it.each([
    ['no members', { members: [] }, RangeError, 'members must hold 1..1024 entries'],
    [
      'duplicate keys',
      { members: [member, { ...member, balance: 0 }] },
      RangeError,
      'members[1].publicKey is not above members[0].publicKey',
    ],
    [
      'keys in descending order',
      { members: [...genesis.members].reverse() },
      RangeError,
      'members[1].publicKey is not above members[0].publicKey',
    ],
    [
      'balances summing past 2^53 − 1',
      { members: [member, { ...(genesis.members[1] as typeof member), balance: 1 }] },
      RangeError,
      'opening balances sum past the amount limit',
    ],
    ['a balance of 2^53', { members: [{ ...member, balance: 2 ** 53 }] }, RangeError, 'members[0].balance'],
    ['an unknown role', { members: [{ ...member, role: 'auditor' }] }, RangeError, 'members[0].role must be one of'],
    [
      'a role from Object.prototype',
      { members: [{ ...member, role: 'constructor' }] },
      RangeError,
      'members[0].role must be one of',
    ],
    ['an empty name', { members: [{ ...member, name: '' }] }, RangeError, 'members[0].name must be 1..64'],
    ['a 31-byte key', { members: [{ ...member, publicKey: filled(1, 31) }] }, RangeError, 'members[0].publicKey'],
    ['validator as a number', { members: [{ ...member, validator: 1 }] }, TypeError, 'members[0].validator'],
    ['an uppercase chain id', { chainId: 'G' }, RangeError, 'chainId must be 1..32'],
    ['timestampMs −1', { timestampMs: -1 }, RangeError, 'timestampMs must be an integer'],
  ] as const)('encodeGenesis refuses %s, naming the field', (_, change, ErrorClass, message) => {
    const encode = () => encodeGenesis({ ...genesis, ...change } as unknown as Genesis);
    expect(encode).toThrow(ErrorClass);
    expect(encode).toThrow(message);
  });
});
