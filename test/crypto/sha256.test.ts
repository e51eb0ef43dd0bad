import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256ManyScalarPacked, sha256ManyWasmPacked, sha256WasmOnly } from '../../src/crypto/sha256.js';
import { wasmBuild } from '../../src/crypto/wasm.js';
import {
  nativeDispatchBatchBytesMin,
  nativeDispatchBytesMin,
  sha256,
  sha256Many,
  sha256ManyPacked,
} from '../../src/index.js';
import { batchBytesMax, messageBytesMax } from '../../src/limits.js';
import { fuzzParams } from '../support/fuzz.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const reference = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Deterministic non-trivial bytes (not all one value, so byte-order slips show). */
function pattern(length: number, salt = 0): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + salt * 7 + (i >>> 8)) & 0xff;
  return bytes;
}

describe('sha256: FIPS 180-4 / NIST example vectors', () => {
  const vectors: Array<[string, Uint8Array, string]> = [
    ['empty', new Uint8Array(0), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['"abc"', Buffer.from('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    [
      '448-bit message',
      Buffer.from('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'),
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    ],
    [
      '896-bit message',
      Buffer.from(
        'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu',
      ),
      'cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1',
    ],
  ];
  for (const [name, message, digest] of vectors) {
    it(`${name}: wasm scalar path, dispatching sha256, and sha256Many agree with the vector`, () => {
      expect(hex(sha256WasmOnly(message))).toBe(digest);
      expect(hex(sha256(message))).toBe(digest);
      expect(hex(sha256Many([message, message, message, message, message])[4] as Uint8Array)).toBe(digest);
    });
  }

  it('one million "a" (wasm scalar path, dispatching path, and in a batch)', () => {
    const message = new Uint8Array(1_000_000).fill(0x61);
    const digest = 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0';
    expect(hex(sha256WasmOnly(message))).toBe(digest);
    expect(hex(sha256(message))).toBe(digest);
    const many = sha256Many([message, Buffer.from('abc'), message]);
    expect(hex(many[0] as Uint8Array)).toBe(digest);
    expect(hex(many[2] as Uint8Array)).toBe(digest);
  });
});

describe('sha256: agreement with node:crypto', () => {
  it('every length 0–300, on the wasm path, the dispatching path and in one batch', () => {
    const messages: Uint8Array[] = [];
    for (let length = 0; length <= 300; length++) {
      const message = pattern(length, length);
      messages.push(message);
      expect(hex(sha256WasmOnly(message)), `length ${length}`).toBe(reference(message));
      expect(hex(sha256(message)), `length ${length}`).toBe(reference(message));
    }
    const digests = sha256Many(messages);
    // The scalar path's hook is in the debug build only (the debug-wasm project runs this too).
    const scalar = wasmBuild === 'debug' ? sha256ManyScalarPacked(messages) : undefined;
    for (let length = 0; length <= 300; length++) {
      expect(hex(digests[length] as Uint8Array), `batch length ${length}`).toBe(
        reference(messages[length] as Uint8Array),
      );
      if (scalar !== undefined) {
        expect(hex(scalar.subarray(32 * length, 32 * length + 32))).toBe(reference(messages[length] as Uint8Array));
      }
    }
  });

  it('large inputs, around the native dispatch threshold and past block boundaries', () => {
    for (const length of [
      nativeDispatchBytesMin - 1,
      nativeDispatchBytesMin,
      nativeDispatchBytesMin + 1,
      65_535,
      65_536,
      65_537,
      1 << 20,
      (1 << 20) + 55,
      (3 << 20) + 7,
    ]) {
      const message = pattern(length, 3);
      expect(hex(sha256(message)), `length ${length}`).toBe(reference(message));
      expect(hex(sha256WasmOnly(message)), `length ${length}`).toBe(reference(message));
    }
  });

  it('batches that mix messages above and below the native threshold keep digests in order', () => {
    const lengths = [
      0,
      nativeDispatchBatchBytesMin,
      5,
      nativeDispatchBatchBytesMin - 1,
      70_000,
      64,
      nativeDispatchBatchBytesMin + 1,
    ];
    const messages = lengths.map((length, i) => pattern(length, i));
    const mixed = sha256Many(messages);
    const wasmOnly = sha256ManyWasmPacked(messages);
    messages.forEach((message, i) => {
      expect(hex(mixed[i] as Uint8Array), `message ${i}`).toBe(reference(message));
      expect(hex(wasmOnly.subarray(32 * i, 32 * i + 32)), `wasm ${i}`).toBe(reference(message));
    });
    const allLarge = [pattern(5000, 1), pattern(nativeDispatchBatchBytesMin, 2)];
    expect(sha256Many(allLarge).map(hex)).toEqual(allLarge.map(reference));
  });

  it('a Buffer and a subarray view at a non-zero offset hash their own bytes only', () => {
    const backing = pattern(200, 9);
    const view = backing.subarray(13, 113);
    expect(hex(sha256(view))).toBe(reference(Buffer.from(view)));
    expect(hex(sha256Many([view])[0] as Uint8Array)).toBe(reference(Buffer.from(view)));
    expect(hex(sha256(Buffer.from(view)))).toBe(reference(view));
  });

  it('many-at-once equals one-by-one (property, mixed lengths)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 400 }), { minLength: 0, maxLength: 40 }),
        (messages) => {
          const batch = sha256Many(messages);
          expect(batch.length).toBe(messages.length);
          messages.forEach((message, i) => {
            expect(hex(batch[i] as Uint8Array)).toBe(reference(message));
          });
        },
      ),
      fuzzParams(),
    );
  });

  it.runIf(wasmBuild === 'debug')('SIMD and scalar paths agree (property; debug build, which has the hook)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 300 }), { minLength: 1, maxLength: 24 }),
        (messages) => {
          expect(hex(sha256ManyPacked(messages))).toBe(hex(sha256ManyScalarPacked(messages)));
        },
      ),
      fuzzParams(),
    );
  });

  it('results are fresh copies: later calls do not change earlier digests', () => {
    const first = sha256(Buffer.from('abc'));
    const many = sha256Many([Buffer.from('x'), Buffer.from('y')]);
    const snapshot = [hex(first), hex(many[0] as Uint8Array), hex(many[1] as Uint8Array)];
    sha256Many(Array.from({ length: 100 }, (_, i) => pattern(i)));
    sha256(pattern(5000));
    expect([hex(first), hex(many[0] as Uint8Array), hex(many[1] as Uint8Array)]).toEqual(snapshot);
  });
});

describe('sha256: invalid input', () => {
  it('non-Uint8Array data throws TypeError naming the parameter', () => {
    for (const bad of ['abc', 42, null, undefined, [1, 2, 3], new Uint16Array(4), new ArrayBuffer(4), {}]) {
      expect(() => sha256(bad as unknown as Uint8Array)).toThrow(TypeError);
      expect(() => sha256(bad as unknown as Uint8Array)).toThrow(/sha256: expected data to be a Uint8Array/);
    }
  });

  it('sha256Many refuses a non-array and names the bad element', () => {
    expect(() => sha256Many('abc' as unknown as Uint8Array[])).toThrow(TypeError);
    expect(() => sha256Many([new Uint8Array(1), 'x' as unknown as Uint8Array])).toThrow(/messages\[1\]/);
    expect(() => sha256Many([new Uint8Array(1), null as unknown as Uint8Array])).toThrow(TypeError);
  });

  it('a refused call leaves the module working', () => {
    expect(() => sha256Many([null as unknown as Uint8Array])).toThrow(TypeError);
    expect(hex(sha256(Buffer.from('abc')))).toBe(reference(Buffer.from('abc')));
  });

  it('sha256Many applies the message and total limits to every message, whichever path would hash it', () => {
    // Zero-filled buffers this large are only reserved, not touched: the limits are checked first.
    const overMessage = new Uint8Array(messageBytesMax + 1);
    expect(() => sha256(overMessage)).toThrow(
      new RangeError(`sha256: data has ${messageBytesMax + 1} bytes, limit ${messageBytesMax}`),
    );
    // A message of 1 KiB or more would go to node:crypto: the same limit as sha256 applies.
    expect(() => sha256Many([overMessage])).toThrow(
      new RangeError(`sha256Many: messages[0] has ${messageBytesMax + 1} bytes, limit ${messageBytesMax}`),
    );
    expect(() => sha256ManyPacked([new Uint8Array(3), overMessage])).toThrow(
      new RangeError(`sha256ManyPacked: messages[1] has ${messageBytesMax + 1} bytes, limit ${messageBytesMax}`),
    );
    // Three 512 MiB messages (one buffer, three times): each within its limit, 1.5 GiB in all.
    const half = new Uint8Array(512 * 1024 * 1024);
    const total = 3 * half.length;
    expect(() => sha256Many([half, half, half])).toThrow(
      new RangeError(`sha256Many: messages hold ${total} bytes in all, limit ${batchBytesMax}`),
    );
    expect(() => sha256Many([new Uint8Array(10), half, half, half])).toThrow(/messages hold \d+ bytes in all/);
  });

  it('an empty batch is an empty result', () => {
    expect(sha256Many([])).toEqual([]);
    expect(sha256ManyPacked([]).length).toBe(0);
  });
});
