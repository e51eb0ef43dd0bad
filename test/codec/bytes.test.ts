// The one little-endian reader/writer (src/bytes.ts): every read either returns the value the
// writer wrote or throws a DecodeError naming the field and the absolute offset.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ByteReader,
  ByteWriter,
  bytesEqual,
  concatBytes,
  fromHex,
  requireUtf8Text,
  toHex,
  utf8Bytes,
} from '../../src/bytes.js';
import { ConsortiumLedgerError, DecodeError } from '../../src/errors.js';
import { arbUtf8Text } from '../support/codec-arbitraries.js';
import { fuzzParams } from '../support/fuzz.js';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

/** The DecodeError `read` throws. */
function refusal(read: () => unknown): DecodeError {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeError);
    return error as DecodeError;
  }
  throw new Error('the read was accepted');
}

/** A u64 as 8 little-endian bytes. */
function u64Bytes(value: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value, true);
  return out;
}

type Field =
  | { kind: 'u8' | 'u16' | 'u32' | 'u53'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'fixed'; value: Uint8Array }
  | { kind: 'prefixed'; prefix: 1 | 2 | 4; value: Uint8Array }
  | { kind: 'utf8'; value: string };

const arbField: fc.Arbitrary<Field> = fc.oneof(
  fc.record({ kind: fc.constant('u8' as const), value: fc.oneof(fc.constantFrom(0, 255), fc.nat(255)) }),
  fc.record({ kind: fc.constant('u16' as const), value: fc.oneof(fc.constantFrom(0, 0xffff), fc.nat(0xffff)) }),
  fc.record({ kind: fc.constant('u32' as const), value: fc.oneof(fc.constantFrom(0, 2 ** 32 - 1), fc.nat()) }),
  fc.record({
    kind: fc.constant('u53' as const),
    value: fc.oneof(fc.constantFrom(0, 2 ** 32, Number.MAX_SAFE_INTEGER), fc.maxSafeNat()),
  }),
  fc.record({ kind: fc.constant('bool' as const), value: fc.boolean() }),
  fc.record({ kind: fc.constant('fixed' as const), value: fc.uint8Array({ maxLength: 40 }) }),
  fc.record({
    kind: fc.constant('prefixed' as const),
    prefix: fc.constantFrom(1 as const, 2 as const, 4 as const),
    value: fc.uint8Array({ maxLength: 255 }),
  }),
  fc.record({ kind: fc.constant('utf8' as const), value: arbUtf8Text(255) }),
);

function writeField(writer: ByteWriter, field: Field): void {
  if (field.kind === 'bool') writer.bool(field.value);
  else if (field.kind === 'fixed') writer.fixed(field.value);
  else if (field.kind === 'prefixed') writer.prefixed(field.prefix, field.value);
  else if (field.kind === 'utf8') writer.utf8(field.value);
  else writer[field.kind](field.value);
}

function readField(reader: ByteReader, field: Field, name: string): unknown {
  if (field.kind === 'bool') return reader.bool(name);
  if (field.kind === 'fixed') return reader.fixed(field.value.length, name);
  if (field.kind === 'prefixed') return reader.prefixed(field.prefix, 0, 2 ** 32 - 1, name);
  if (field.kind === 'utf8') return reader.utf8(0, 255, name);
  return reader[field.kind](name);
}

describe('ByteWriter and ByteReader', () => {
  it('any sequence of fields reads back as written, and end() then accepts', () => {
    fc.assert(
      fc.property(fc.array(arbField, { maxLength: 12 }), fc.integer({ min: 1, max: 64 }), (fields, capacity) => {
        const writer = new ByteWriter(capacity);
        for (const field of fields) writeField(writer, field);
        const written = writer.finish();
        expect(written.length).toBe(writer.length);
        const reader = new ByteReader(written);
        fields.forEach((field, i) => {
          expect(readField(reader, field, `f${i}`)).toEqual(field.value);
        });
        expect(reader.remaining).toBe(0);
        reader.end('all');
      }),
      fuzzParams(1),
    );
  });

  it('integers are little-endian at 0, 1 and their maxima', () => {
    const written = new ByteWriter(1)
      .u8(0)
      .u8(255)
      .u16(1)
      .u16(0xffff)
      .u32(1)
      .u32(0xffff_ffff)
      .u53(0)
      .u53(2 ** 32)
      .u53(Number.MAX_SAFE_INTEGER)
      .finish();
    expect(toHex(written)).toBe(`00ff0100ffff01000000ffffffff${'00'.repeat(8)}0000000001000000ffffffffffff1f00`);
    const reader = new ByteReader(written);
    expect([reader.u8('a'), reader.u8('b'), reader.u16('c'), reader.u16('d')]).toEqual([0, 255, 1, 0xffff]);
    expect([reader.u32('e'), reader.u32('f')]).toEqual([1, 0xffff_ffff]);
    expect([reader.u53('g'), reader.u53('h'), reader.u53('i')]).toEqual([0, 2 ** 32, Number.MAX_SAFE_INTEGER]);
    reader.end('all');
  });

  it('u53 refuses every u64 of 2^53 and above, naming the field and its offset', () => {
    for (const value of [2n ** 53n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n]) {
      const error = refusal(() => {
        const reader = new ByteReader(concatBytes([bytes(7, 7, 7), u64Bytes(value)]), 100);
        reader.fixed(3, 'before');
        reader.u53('amount');
      });
      expect([error.field, error.offset]).toEqual(['amount', 103]);
    }
    fc.assert(
      fc.property(fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n - 1n }), (value) => {
        expect(refusal(() => new ByteReader(u64Bytes(value)).u53('x')).field).toBe('x');
      }),
      fuzzParams(1),
    );
  });

  it('u53 takes values up to its limit and refuses the ones above', () => {
    expect(new ByteReader(u64Bytes(1000n)).u53('x', 1000)).toBe(1000);
    const error = refusal(() => new ByteReader(u64Bytes(1001n)).u53('x', 1000));
    expect([error.field, error.offset, error.message]).toEqual(['x', 0, expect.stringContaining('1001')]);
  });

  it('bool reads 0 and 1 and refuses every byte from 2 to 255 at its own offset', () => {
    expect(new ByteReader(bytes(0)).bool('b')).toBe(false);
    expect(new ByteReader(bytes(1)).bool('b')).toBe(true);
    for (let value = 2; value <= 255; value++) {
      const error = refusal(() => {
        const reader = new ByteReader(bytes(0, value), 10);
        reader.u8('skip');
        reader.bool('frozen');
      });
      expect([error.field, error.offset]).toEqual(['frozen', 11]);
    }
  });

  it('prefixed refuses lengths outside [min, max] at the prefix, whatever the prefix width', () => {
    for (const prefix of [1, 2, 4] as const) {
      const withLength = (length: number) => {
        const writer = new ByteWriter().u8(9);
        if (prefix === 1) writer.u8(length);
        else if (prefix === 2) writer.u16(length);
        else writer.u32(length);
        return writer.fixed(new Uint8Array(length)).finish();
      };
      const read = (length: number) => {
        const reader = new ByteReader(withLength(length), 50);
        reader.u8('skip');
        return reader.prefixed(prefix, 2, 5, 'name');
      };
      expect(read(2).length).toBe(2);
      expect(read(5).length).toBe(5);
      for (const length of [0, 1, 6, 255]) {
        const error = refusal(() => read(length));
        expect([error.field, error.offset]).toEqual(['name', 51]);
        expect(error.message).toContain(`length ${length} outside [2, 5]`);
      }
    }
  });

  it('a length in range but longer than the bytes left is refused, not sliced short', () => {
    const error = refusal(() => new ByteReader(bytes(4, 1, 2, 3)).prefixed(1, 0, 10, 'data'));
    expect([error.field, error.offset]).toEqual(['data', 1]);
    expect(error.message).toContain('needs 4 bytes, 3 left');
  });

  it('every read past the end is a DecodeError at the offset where the field starts', () => {
    const reads: Array<[string, (reader: ByteReader) => unknown, number]> = [
      ['u8', (r) => r.u8('f'), 1],
      ['u16', (r) => r.u16('f'), 2],
      ['u32', (r) => r.u32('f'), 4],
      ['u53', (r) => r.u53('f'), 8],
      ['bool', (r) => r.bool('f'), 1],
      ['fixed', (r) => r.fixed(32, 'f'), 32],
    ];
    for (const [name, read, width] of reads) {
      for (let available = 0; available < width; available++) {
        const error = refusal(() => {
          const reader = new ByteReader(new Uint8Array(2 + available), 1000);
          reader.u16('lead');
          read(reader);
        });
        expect([name, error.field, error.offset]).toEqual([name, 'f', 1002]);
      }
    }
  });

  it('utf8 decodes well-formed text (a leading BOM kept) and refuses ill-formed sequences', () => {
    const text = (raw: Uint8Array) => new ByteReader(concatBytes([bytes(raw.length), raw])).utf8(0, 64, 'name');
    expect(text(bytes(0xef, 0xbb, 0xbf, 0x41))).toBe('\uFEFFA');
    expect(text(bytes(0xf0, 0x9f, 0x98, 0x80))).toBe('\u{1f600}');
    expect(text(bytes(0xf4, 0x8f, 0xbf, 0xbf))).toBe('\u{10ffff}');
    const illFormed = [
      bytes(0xc0, 0x80), // overlong NUL
      bytes(0xc1, 0xbf), // overlong 2-byte
      bytes(0xe0, 0x80, 0xaf), // overlong 3-byte '/'
      bytes(0xf0, 0x80, 0x80, 0xaf), // overlong 4-byte '/'
      bytes(0xed, 0xa0, 0x80), // lone high surrogate U+D800
      bytes(0xed, 0xbf, 0xbf), // lone low surrogate U+DFFF
      bytes(0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80), // a surrogate pair spelled as two (CESU-8)
      bytes(0xf4, 0x90, 0x80, 0x80), // above U+10FFFF
      bytes(0xf5, 0x80, 0x80, 0x80),
      bytes(0x80), // a continuation byte alone
      bytes(0xff),
      bytes(0x41, 0xe4, 0xb8), // truncated 3-byte sequence
      bytes(0xe4, 0x41, 0x80), // missing continuation
    ];
    for (const raw of illFormed) {
      const error = refusal(() => {
        const reader = new ByteReader(concatBytes([bytes(0xaa, 0xbb, raw.length), raw]), 7);
        reader.u16('lead');
        reader.utf8(0, 64, 'op.name');
      });
      expect([toHex(raw), error.field, error.offset]).toEqual([toHex(raw), 'op.name', 10]);
      expect(error.message).toContain('not well-formed UTF-8');
    }
  });

  it('utf8 round trips any well-formed text byte for byte', () => {
    fc.assert(
      fc.property(arbUtf8Text(255), (text) => {
        const written = new ByteWriter().utf8(text).finish();
        expect(bytesEqual(written.subarray(1), utf8Bytes(text))).toBe(true);
        const reader = new ByteReader(written);
        expect(reader.utf8(1, 255, 't')).toBe(text);
        reader.end('t');
      }),
      fuzzParams(1),
    );
  });

  it('end() refuses trailing bytes, naming how many', () => {
    const reader = new ByteReader(bytes(1, 2, 3), 20);
    reader.u8('a');
    const error = refusal(() => reader.end('tx'));
    expect([error.field, error.offset]).toEqual(['tx', 21]);
    expect(error.message).toContain('2 trailing bytes');
  });

  it('sub() keeps offsets absolute and stops at its own end', () => {
    const reader = new ByteReader(bytes(0, 0, 1, 2, 3, 4, 5), 100);
    reader.u16('lead');
    const inner = reader.sub(3, 'payload');
    expect(inner.offset).toBe(102);
    expect(inner.u16('x')).toBe(0x0201);
    const error = refusal(() => inner.u16('payload.y'));
    expect([error.field, error.offset]).toEqual(['payload.y', 104]);
    expect(reader.offset).toBe(105);
  });

  it('fixed() returns a view of the input; finish() returns a copy the writer no longer touches', () => {
    const input = bytes(1, 2, 3, 4);
    const view = new ByteReader(input).fixed(2, 'v');
    input[0] = 9;
    expect(view[0]).toBe(9);
    const writer = new ByteWriter(2).u8(1);
    const first = writer.finish();
    writer.u8(2).u16(3);
    expect([...first]).toEqual([1]);
    expect([...writer.finish()]).toEqual([1, 2, 3, 0]);
  });
});

describe('DecodeError', () => {
  it("has code 'DECODE', the field and offset, and a message naming both", () => {
    const error = new DecodeError('block.txs[3].payload.amount', 517, 'value ≥ 2^53');
    expect(error).toBeInstanceOf(ConsortiumLedgerError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('DECODE');
    expect(error.name).toBe('DecodeError');
    expect(error.field).toBe('block.txs[3].payload.amount');
    expect(error.offset).toBe(517);
    expect(error.message).toBe('cannot decode block.txs[3].payload.amount at byte 517: value ≥ 2^53');
  });

  it('ByteReader.fail throws one at the current offset', () => {
    const reader = new ByteReader(bytes(1, 2, 3), 40);
    reader.u16('a');
    const error = refusal(() => reader.fail('tx.thing', 'no good'));
    expect([error.field, error.offset, error.message]).toEqual([
      'tx.thing',
      42,
      'cannot decode tx.thing at byte 42: no good',
    ]);
  });
});

describe('requireUtf8Text', () => {
  it('accepts 1..max UTF-8 bytes, multi-byte characters counted in bytes', () => {
    for (const text of ['a', '\u{1f600}'.repeat(16), '\u00e9'.repeat(32), `\uFEFF${'b'.repeat(61)}`]) {
      expect(() => requireUtf8Text(text, 'op.name', 'encodeOperation', 64)).not.toThrow();
    }
  });

  it('refuses a non-string, empty text, too many bytes and lone surrogates, naming the field', () => {
    const check = (value: unknown) => () => requireUtf8Text(value, 'op.name', 'encodeOperation', 64);
    expect(check(42)).toThrow(TypeError);
    expect(check(42)).toThrow('encodeOperation: expected op.name to be a string');
    expect(check('')).toThrow(RangeError);
    expect(check('')).toThrow('op.name must be 1..64 UTF-8 bytes, got 0');
    expect(check('\u00e9'.repeat(32) + 'x')).toThrow('op.name must be 1..64 UTF-8 bytes, got 65');
    expect(check('\u{1f600}'.repeat(16) + 'x')).toThrow(RangeError);
    for (const lone of ['\uD800', 'ab\uDC00', '\uDBFF\uDBFF', '\uDE00\uD83D']) {
      expect(check(lone)).toThrow(RangeError);
      expect(check(lone)).toThrow('op.name holds a lone surrogate');
    }
  });
});

describe('hex and byte helpers', () => {
  it('fromHex(toHex(b)) is b, and toHex reads only the view it is given', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(10), (data, cut) => {
        const hex = toHex(data);
        expect(hex).toBe(Buffer.from(data).toString('hex'));
        expect(bytesEqual(fromHex(hex, 'h', 'test'), data)).toBe(true);
        expect(bytesEqual(fromHex(hex.toUpperCase(), 'h', 'test'), data)).toBe(true);
        const view = data.subarray(Math.min(cut, data.length));
        expect(toHex(view)).toBe(hex.slice(2 * Math.min(cut, data.length)));
      }),
      fuzzParams(1),
    );
  });

  it('fromHex refuses odd lengths, non-hex characters and non-strings, naming the parameter', () => {
    for (const bad of ['a', 'abc', 'zz', '0g', ' 00', '00\n', '0x00', 42]) {
      expect(() => fromHex(bad as string, 'chainKey', 'loadConfig')).toThrow(RangeError);
      expect(() => fromHex(bad as string, 'chainKey', 'loadConfig')).toThrow(
        'loadConfig: chainKey must be an even-length hex string',
      );
    }
    expect(fromHex('', 'h', 'test').length).toBe(0);
  });

  it('bytesEqual is true exactly for the same bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20 }), fc.uint8Array({ maxLength: 20 }), (a, b) => {
        expect(bytesEqual(a, b)).toBe(toHex(a) === toHex(b));
        expect(bytesEqual(a, a.slice())).toBe(true);
      }),
      fuzzParams(1),
    );
    expect(bytesEqual(bytes(1, 2), bytes(1, 2, 0))).toBe(false);
    expect(bytesEqual(bytes(1, 2), bytes(1, 3))).toBe(false);
  });

  it('concatBytes equals Buffer.concat and returns a new buffer', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 6 }), (parts) => {
        const joined = concatBytes(parts);
        expect(toHex(joined)).toBe(Buffer.concat(parts).toString('hex'));
        if (parts.length === 1) expect(joined).not.toBe(parts[0]);
      }),
      fuzzParams(1),
    );
  });
});
