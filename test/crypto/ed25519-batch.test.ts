// Batch verification must give exactly the single verdicts (docs/architecture.md, "Crypto": ZIP-215 rules), for any
// mix of valid, invalid and edge-case items, at every batch size.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Ed25519BatchItem,
  ed25519GenerateKeyPair,
  ed25519Sign,
  ed25519Verify,
  ed25519VerifyBatch,
  PackedBatchWriter,
  packedHeaderBytes,
  packedRecordBytes,
  packVerifyBatch,
  slicePackedBatch,
  verifyPackedBatch,
  verifyPackedRange,
} from '../../src/crypto/ed25519.js';
import { recordMessageOffsetAt } from '../../src/crypto/ed25519-packed.js';
import { wasmBuild, wasmExports } from '../../src/crypto/wasm.js';
import { bigintToBytesLE as scalarBytes } from '../support/bigint.js';
import { fuzzParams } from '../support/fuzz.js';

/** Test hook: multi-scalar multiplications of at least this many points use Pippenger. */
const setPippengerMinPoints = (wasmExports as unknown as { ed25519SetPippengerMinPoints(points: number): void })
  .ed25519SetPippengerMinPoints;

const L = 2n ** 252n + 27742317777372353535851937790883648493n;

const keys = Array.from({ length: 6 }, () => ed25519GenerateKeyPair());
const fromHex = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));
// Small-order encodings (canonical and not) that ZIP-215 admits as A or R.
const smallOrder = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  '0000000000000000000000000000000000000000000000000000000000000080',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  '0100000000000000000000000000000000000000000000000000000000000080',
].map(fromHex);

type Kind =
  | 'valid'
  | 'flipMessage'
  | 'flipSignature'
  | 'flipKey'
  | 'sTooBig'
  | 'smallOrderZero'
  | 'smallOrderOne'
  | 'badPoint'
  | 'random';

const kinds: Kind[] = [
  'valid',
  'valid',
  'valid',
  'flipMessage',
  'flipSignature',
  'flipKey',
  'sTooBig',
  'smallOrderZero',
  'smallOrderOne',
  'badPoint',
  'random',
];

function makeItem(kind: Kind, keyIndex: number, message: Uint8Array, pick: number): Ed25519BatchItem {
  const { publicKey, secretKey } = keys[keyIndex % keys.length] as (typeof keys)[number];
  const signature = ed25519Sign(secretKey, message);
  switch (kind) {
    case 'valid':
      return { publicKey, message, signature };
    case 'flipMessage': {
      const flipped = message.length === 0 ? Uint8Array.of(pick & 0xff) : message.slice();
      if (message.length > 0)
        flipped[pick % message.length] = (flipped[pick % message.length] as number) ^ (1 << (pick & 7));
      return { publicKey, message: flipped, signature };
    }
    case 'flipSignature': {
      const flipped = signature.slice();
      flipped[pick % 64] = (flipped[pick % 64] as number) ^ (1 << (pick & 7));
      return { publicKey, message, signature: flipped };
    }
    case 'flipKey': {
      const flipped = publicKey.slice();
      flipped[pick % 32] = (flipped[pick % 32] as number) ^ (1 << (pick & 7));
      return { publicKey: flipped, message, signature };
    }
    case 'sTooBig': {
      const s = [L, L + 1n, 2n ** 256n - 1n][pick % 3] as bigint;
      const bad = signature.slice();
      bad.set(scalarBytes(s), 32);
      return { publicKey, message, signature: bad };
    }
    case 'smallOrderZero':
    case 'smallOrderOne': {
      const sig = new Uint8Array(64);
      sig.set(smallOrder[pick % smallOrder.length] as Uint8Array, 0);
      sig[32] = kind === 'smallOrderOne' ? 1 : 0;
      return { publicKey: smallOrder[(pick >> 3) % smallOrder.length] as Uint8Array, message, signature: sig };
    }
    case 'badPoint': {
      // y = 2 has no x: an undecodable A or R.
      const bad = scalarBytes(2n);
      return pick % 2 === 0
        ? { publicKey: bad, message, signature }
        : { publicKey, message, signature: Uint8Array.from([...bad, ...signature.subarray(32)]) };
    }
    case 'random': {
      const sig = new Uint8Array(64);
      for (let i = 0; i < 64; i++) sig[i] = (pick * (i + 7) * 2654435761) >>> 24;
      sig[63] = (sig[63] as number) & 0x0f;
      return { publicKey, message, signature: sig };
    }
  }
}

const itemArbitrary = fc
  .tuple(fc.constantFrom(...kinds), fc.nat(keys.length - 1), fc.uint8Array({ maxLength: 48 }), fc.nat())
  .map(([kind, keyIndex, message, pick]) => makeItem(kind, keyIndex, message, pick));

describe('ed25519 batch verification', () => {
  it('batch verdict equals single verdicts for random mixes, sizes 1 to 64', () => {
    fc.assert(
      fc.property(fc.array(itemArbitrary, { minLength: 1, maxLength: 64 }), (items) => {
        const singles = items.map((item) => ed25519Verify(item.publicKey, item.message, item.signature));
        expect(ed25519VerifyBatch(items)).toEqual(singles);
      }),
      fuzzParams(0.3),
    );
  });

  it('batch verdict equals single verdicts at sizes up to 256, few invalid items', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 65, max: 256 }),
        fc.array(fc.tuple(fc.nat(), itemArbitrary), { maxLength: 4 }),
        fc.nat(),
        (size, insertions, seed) => {
          const items: Ed25519BatchItem[] = [];
          for (let i = 0; i < size; i++) {
            const message = Uint8Array.of(i & 0xff, (seed >> (i & 15)) & 0xff);
            items.push(makeItem('valid', (seed + i) % keys.length, message, 0));
          }
          for (const [at, item] of insertions) items[at % size] = item;
          const singles = items.map((item) => ed25519Verify(item.publicKey, item.message, item.signature));
          expect(ed25519VerifyBatch(items)).toEqual(singles);
        },
      ),
      fuzzParams(0.05),
    );
  });

  it('an all-valid batch of 256 with repeated keys verifies', () => {
    const items = Array.from({ length: 256 }, (_, i) => makeItem('valid', i, Uint8Array.of(i, i >> 8, 7), 0));
    expect(ed25519VerifyBatch(items).every((verdict) => verdict)).toBe(true);
  });

  it('finds the one invalid item among 200 at each of several positions', () => {
    const items = Array.from({ length: 200 }, (_, i) => makeItem('valid', i * 7, Uint8Array.of(i, 1), 0));
    for (const position of [0, 1, 99, 100, 199]) {
      const mixed = items.slice();
      mixed[position] = makeItem('flipSignature', position, Uint8Array.of(position, 1), 5);
      expect(ed25519VerifyBatch(mixed)).toEqual(mixed.map((_, i) => i !== position));
    }
  });

  it('the same invalid signature repeated under one key is refused everywhere it appears', () => {
    const bad = makeItem('flipMessage', 0, Uint8Array.of(9, 9, 9), 3);
    const good = makeItem('valid', 0, Uint8Array.of(1, 2, 3), 0);
    const items = [bad, good, bad, good, good, bad, good];
    expect(ed25519VerifyBatch(items)).toEqual(items.map((item) => item === good));
  });
});

// The hook is exported by the debug build only; the debug-wasm project runs this file.
describe.runIf(wasmBuild === 'debug')('ed25519 batch verification with Pippenger forced (every size)', () => {
  beforeAll(() => setPippengerMinPoints(1));
  afterAll(() => setPippengerMinPoints(0));

  it('batch verdict equals single verdicts for random mixes, sizes 1 to 48, Pippenger', () => {
    fc.assert(
      fc.property(fc.array(itemArbitrary, { minLength: 1, maxLength: 48 }), (items) => {
        const singles = items.map((item) => ed25519Verify(item.publicKey, item.message, item.signature));
        expect(ed25519VerifyBatch(items)).toEqual(singles);
      }),
      fuzzParams(0.2),
    );
  });

  it('an all-valid batch of 300 with repeated keys verifies, and one flipped item is found, Pippenger', () => {
    const items = Array.from({ length: 300 }, (_, i) => makeItem('valid', i, Uint8Array.of(i, i >> 8, 3), 0));
    expect(ed25519VerifyBatch(items).every((verdict) => verdict)).toBe(true);
    items[123] = makeItem('flipSignature', 123, Uint8Array.of(123, 0, 3), 9);
    expect(ed25519VerifyBatch(items)).toEqual(items.map((_, i) => i !== 123));
  });
});

describe('ed25519 packed batches', () => {
  const items = Array.from({ length: 10 }, (_, i) =>
    makeItem(
      i === 3 ? 'flipKey' : 'valid',
      i,
      Uint8Array.from({ length: i * 3 }, (_, j) => j),
      1,
    ),
  );
  const expected = items.map((_, i) => (i === 3 ? 0 : 1));

  it('packs the documented layout', () => {
    const packed = packVerifyBatch(items);
    const view = new DataView(packed.buffer);
    const messageBytes = items.reduce((sum, item) => sum + item.message.length, 0);
    expect(view.getUint32(0, true)).toBe(10);
    expect(view.getUint32(4, true)).toBe(messageBytes);
    expect(packed.length).toBe(packedHeaderBytes + 10 * packedRecordBytes + messageBytes);
    const record5 = packedHeaderBytes + 5 * packedRecordBytes;
    expect(packed.subarray(record5, record5 + 32)).toEqual((items[5] as Ed25519BatchItem).publicKey);
    expect(view.getUint32(record5 + 100, true)).toBe(15);
    expect(Array.from(verifyPackedBatch(packed))).toEqual(expected);
  });

  it('slices of a packed batch verify to the matching verdicts', () => {
    const packed = packVerifyBatch(items);
    const verdicts = [
      ...verifyPackedBatch(slicePackedBatch(packed, 0, 4)),
      ...verifyPackedBatch(slicePackedBatch(packed, 4, 4)),
      ...verifyPackedBatch(slicePackedBatch(packed, 4, 10)),
    ];
    expect(verdicts).toEqual(expected);
    expect(() => slicePackedBatch(packed, 5, 11)).toThrow(RangeError);
  });

  it('ranges of a packed batch verify in place to the matching verdicts, shared buffers too', () => {
    const packed = packVerifyBatch(items);
    const shared = new Uint8Array(new SharedArrayBuffer(packed.length));
    shared.set(packed);
    for (const source of [packed, shared]) {
      for (let start = 0; start <= 10; start++) {
        for (let end = start; end <= 10; end++) {
          expect(Array.from(verifyPackedRange(source, start, end, 'test'))).toEqual(expected.slice(start, end));
        }
      }
    }
    expect(() => verifyPackedRange(packed, 5, 11, 'caller')).toThrow(/caller: range \[5, 11\)/);
    expect(() => verifyPackedRange(packed, 3, 2, 'caller')).toThrow(RangeError);
  });

  it('a range re-bases messages written out of order, and checks only its own records', () => {
    // Records whose messages sit in reverse order in the message area.
    const writer = new PackedBatchWriter(
      items.length,
      items.reduce((sum, item) => sum + item.message.length, 0),
      true,
    );
    let messageAt = items.reduce((sum, item) => sum + item.message.length, 0);
    const messagesAt = packedHeaderBytes + items.length * packedRecordBytes;
    for (const [i, item] of items.entries()) {
      messageAt -= item.message.length;
      writer.add(item.publicKey, item.signature, item.message.length);
      writer.packed.set(item.message, messagesAt + messageAt);
      new DataView(writer.packed.buffer).setUint32(
        packedHeaderBytes + i * packedRecordBytes + recordMessageOffsetAt,
        messageAt,
        true,
      );
    }
    expect(writer.packed.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(verifyPackedRange(writer.packed, 2, 9, 'test'))).toEqual(expected.slice(2, 9));
    // A record outside the range pointing out of the area is not this range's business.
    const corrupt = writer.packed.slice();
    new DataView(corrupt.buffer).setUint32(
      packedHeaderBytes + 9 * packedRecordBytes + recordMessageOffsetAt,
      1_000_000,
      true,
    );
    expect(Array.from(verifyPackedRange(corrupt, 0, 9, 'test'))).toEqual(expected.slice(0, 9));
    expect(() => verifyPackedRange(corrupt, 8, 10, 'caller')).toThrow(/caller: packed item 9 message .* outside/);
  });

  it('refuses malformed packed bytes with RangeError', () => {
    const packed = packVerifyBatch(items);
    expect(() => verifyPackedBatch(packed.subarray(0, packed.length - 1))).toThrow(RangeError);
    const corrupt = packed.slice();
    new DataView(corrupt.buffer).setUint32(packedHeaderBytes + recordMessageOffsetAt, 1_000_000, true);
    expect(() => verifyPackedBatch(corrupt)).toThrow(/outside/);
    expect(() => verifyPackedBatch(new Uint8Array(3))).toThrow(RangeError);
    expect(() => verifyPackedBatch([] as unknown as Uint8Array)).toThrow(TypeError);
  });
});
