/**
 * One little-endian byte reader and one writer for every fixed layout the engine encodes
 * (transactions, block headers, blocks, commit certificates, state records, proofs).
 * One writer for one byte layout: the codec is that, generalised.
 *
 * Integers are little-endian. "u53" is a u64 on the wire whose value must be at most
 * 2^53 − 1, so it reads into an exact JavaScript number; a larger value is refused as over
 * its limit rather than rounded. Byte strings are length-prefixed (u8, u16 or u32) and every
 * length has an explicit maximum, checked before anything is allocated or sliced.
 *
 * The reader never throws anything but `DecodeError` for bad bytes: every read checks the
 * remaining length first, names the field and the absolute byte offset. Byte strings it
 * returns are views into the input (no copy): decoded objects share the input's memory, so
 * callers that mutate the input afterwards must copy first.
 */
import { DecodeError } from './errors.js';

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/** Reads fields from `bytes`, reporting offsets relative to `origin` (a parent's offset). */
export class ByteReader {
  readonly bytes: Uint8Array;
  readonly #view: DataView;
  readonly #origin: number;
  #at = 0;

  constructor(bytes: Uint8Array, origin = 0) {
    this.bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#origin = origin;
  }

  /** Bytes read so far. */
  get position(): number {
    return this.#at;
  }

  /** Bytes left. */
  get remaining(): number {
    return this.bytes.length - this.#at;
  }

  /** Absolute offset of the next byte (for errors raised by callers). */
  get offset(): number {
    return this.#origin + this.#at;
  }

  /** Throws a `DecodeError` at the current offset (the next unread byte). */
  fail(field: string, reason: string): never {
    throw new DecodeError(field, this.offset, reason);
  }

  /**
   * Throws a `DecodeError` at absolute offset `at`: for a value already read, whose own
   * offset the caller took (`reader.offset`) before reading it.
   */
  failAt(field: string, at: number, reason: string): never {
    throw new DecodeError(field, at, reason);
  }

  #need(count: number, field: string): void {
    if (this.bytes.length - this.#at < count) {
      this.fail(field, `needs ${count} bytes, ${this.bytes.length - this.#at} left`);
    }
  }

  u8(field: string): number {
    this.#need(1, field);
    return this.bytes[this.#at++] as number;
  }

  u16(field: string): number {
    this.#need(2, field);
    const value = this.#view.getUint16(this.#at, true);
    this.#at += 2;
    return value;
  }

  u32(field: string): number {
    this.#need(4, field);
    const value = this.#view.getUint32(this.#at, true);
    this.#at += 4;
    return value;
  }

  /** A u64 that must be ≤ `max` (at most 2^53 − 1), returned as an exact number. */
  u53(field: string, max = Number.MAX_SAFE_INTEGER): number {
    this.#need(8, field);
    const low = this.#view.getUint32(this.#at, true);
    const high = this.#view.getUint32(this.#at + 4, true);
    // 2^53 − 1 has a high word of 0x1fffff; anything above cannot be an exact number.
    if (high > 0x1fffff) this.fail(field, `value ≥ 2^53 exceeds limit ${max}`);
    const value = high * 0x1_0000_0000 + low;
    if (value > max) this.fail(field, `value ${value} exceeds limit ${max}`);
    this.#at += 8;
    return value;
  }

  /** A byte 0 or 1 (any other byte is a non-canonical boolean). */
  bool(field: string): boolean {
    const at = this.#at;
    const value = this.u8(field);
    if (value > 1) throw new DecodeError(field, this.#origin + at, `boolean byte must be 0 or 1, got ${value}`);
    return value === 1;
  }

  /** Exactly `length` bytes, as a view. */
  fixed(length: number, field: string): Uint8Array {
    this.#need(length, field);
    const out = this.bytes.subarray(this.#at, this.#at + length);
    this.#at += length;
    return out;
  }

  /** A byte string with a u8/u16/u32 length prefix, at least `min` and at most `max` bytes. */
  prefixed(prefixBytes: 1 | 2 | 4, min: number, max: number, field: string): Uint8Array {
    const at = this.#at;
    const length = prefixBytes === 1 ? this.u8(field) : prefixBytes === 2 ? this.u16(field) : this.u32(field);
    if (length < min || length > max) {
      throw new DecodeError(field, this.#origin + at, `length ${length} outside [${min}, ${max}]`);
    }
    return this.fixed(length, field);
  }

  /** Well-formed UTF-8 (overlong forms and lone surrogates refused) with a u8 length prefix. */
  utf8(min: number, max: number, field: string): string {
    const at = this.#at;
    const raw = this.prefixed(1, min, max, field);
    try {
      return utf8Decoder.decode(raw);
    } catch {
      throw new DecodeError(field, this.#origin + at + 1, 'not well-formed UTF-8');
    }
  }

  /** A sub-reader over the next `length` bytes (offsets stay absolute). */
  sub(length: number, field: string): ByteReader {
    const origin = this.offset;
    return new ByteReader(this.fixed(length, field), origin);
  }

  /** Refuses trailing bytes. */
  end(field: string): void {
    if (this.#at !== this.bytes.length) this.fail(field, `${this.bytes.length - this.#at} trailing bytes`);
  }
}

/**
 * Throws `RangeError` unless `value` is an integer in [0, max]. The writer checks every
 * integer it writes: a typed-array store would silently wrap 65,536 to 0 in a u16 field, and
 * a record whose bytes say something else than the object they came from must never reach a
 * state root.
 */
function checkUnsigned(value: number, max: number, width: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`ByteWriter: ${value} does not fit a ${width} field (0..${max})`);
  }
}

/** Writes fields into a buffer that grows by doubling; `finish()` returns the bytes written. */
export class ByteWriter {
  #bytes: Uint8Array;
  #view: DataView;
  #at = 0;

  constructor(capacity = 256) {
    this.#bytes = new Uint8Array(capacity);
    this.#view = new DataView(this.#bytes.buffer);
  }

  get length(): number {
    return this.#at;
  }

  #room(count: number): void {
    const need = this.#at + count;
    if (need <= this.#bytes.length) return;
    let capacity = this.#bytes.length * 2;
    while (capacity < need) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.#bytes.subarray(0, this.#at));
    this.#bytes = grown;
    this.#view = new DataView(grown.buffer);
  }

  u8(value: number): this {
    checkUnsigned(value, 0xff, 'u8');
    this.#room(1);
    this.#bytes[this.#at++] = value;
    return this;
  }

  u16(value: number): this {
    checkUnsigned(value, 0xffff, 'u16');
    this.#room(2);
    this.#view.setUint16(this.#at, value, true);
    this.#at += 2;
    return this;
  }

  u32(value: number): this {
    checkUnsigned(value, 0xffff_ffff, 'u32');
    this.#room(4);
    this.#view.setUint32(this.#at, value, true);
    this.#at += 4;
    return this;
  }

  /** A safe integer ≥ 0 as a u64. */
  u53(value: number): this {
    checkUnsigned(value, Number.MAX_SAFE_INTEGER, 'u53');
    this.#room(8);
    this.#view.setUint32(this.#at, value % 0x1_0000_0000, true);
    this.#view.setUint32(this.#at + 4, Math.floor(value / 0x1_0000_0000), true);
    this.#at += 8;
    return this;
  }

  bool(value: boolean): this {
    return this.u8(value ? 1 : 0);
  }

  fixed(bytes: Uint8Array): this {
    this.#room(bytes.length);
    this.#bytes.set(bytes, this.#at);
    this.#at += bytes.length;
    return this;
  }

  prefixed(prefixBytes: 1 | 2 | 4, bytes: Uint8Array): this {
    if (prefixBytes === 1) this.u8(bytes.length);
    else if (prefixBytes === 2) this.u16(bytes.length);
    else this.u32(bytes.length);
    return this.fixed(bytes);
  }

  utf8(text: string): this {
    return this.prefixed(1, utf8Encoder.encode(text));
  }

  /** The bytes written, as a fresh exactly-sized copy. */
  finish(): Uint8Array {
    return this.#bytes.slice(0, this.#at);
  }
}

/**
 * Throws unless `value` is a string of 1..`max` UTF-8 bytes with no lone surrogate (which
 * UTF-8 cannot carry: the encoder would substitute U+FFFD and the text would not round-trip).
 */
export function requireUtf8Text(value: unknown, name: string, where: string, max: number): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(`${where}: expected ${name} to be a string`);
  if (/\p{Cs}/u.test(value)) throw new RangeError(`${where}: ${name} holds a lone surrogate (not encodable as UTF-8)`);
  const length = utf8Encoder.encode(value).length;
  if (length < 1 || length > max)
    throw new RangeError(`${where}: ${name} must be 1..${max} UTF-8 bytes, got ${length}`);
}

/** UTF-8 bytes of `text` (the writer's encoding, for length checks before writing). */
export function utf8Bytes(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/** Lower-case hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Bytes of a hex string (even length, [0-9a-fA-F] only); throws `RangeError` naming `name`. */
export function fromHex(hex: string, name: string, where: string): Uint8Array {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new RangeError(`${where}: ${name} must be an even-length hex string`);
  }
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** True iff `a` and `b` hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Concatenation of `parts` into one new buffer. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
