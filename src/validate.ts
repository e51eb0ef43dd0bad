/**
 * Input checks at the public boundary (after the noble libraries): every input's type and length
 * is validated and a failure names the function, the parameter and what was wrong.
 */

/** A short description of a value's type for error messages (`Map`, `an array`, `null`). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'an object';
  return typeof value;
}

// The getter behind every typed array's Symbol.toStringTag reads the value's internal slots: it
// answers 'Uint8Array' for a real Uint8Array (or Buffer) and undefined for anything else — a
// Proxy around one included, which `instanceof` lets through (its prototype chain is the
// target's) but whose every typed-array method then fails with "incompatible receiver".
const typedArrayTag = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), Symbol.toStringTag)
  ?.get as (this: unknown) => string | undefined;

/** An empty target for the detachment probe below (setting zero bytes changes nothing). */
const detachProbe = new Uint8Array(0);

/**
 * True iff `bytes` views memory it can no longer read: its ArrayBuffer was detached
 * (transferred to a worker, or released) or shrunk below the view. Such a view reports
 * length 0, so without this check a message would silently become the empty message (and
 * `node:crypto` would sign it). Node 20 has no `ArrayBuffer.prototype.detached`, so the
 * check copies the view's zero bytes, which V8 refuses for exactly these views; it runs only
 * for views of length 0, so it costs nothing on the hot paths.
 */
export function isDetachedView(bytes: Uint8Array): boolean {
  if (bytes.byteLength !== 0) return false;
  try {
    detachProbe.set(bytes);
    return false;
  } catch {
    return true;
  }
}

/** True iff `value` is a real, attached `Uint8Array` (a `Buffer` is one) whose bytes can be read. */
function isReadableBytes(value: unknown): value is Uint8Array {
  return (
    value instanceof Uint8Array &&
    typedArrayTag.call(value) === 'Uint8Array' &&
    (value.byteLength !== 0 || !isDetachedView(value))
  );
}

/** Throws the error `requireBytes` gives for a value `isReadableBytes` refused. */
function refuseBytes(value: unknown, name: string, where: string): never {
  if (value instanceof Uint8Array && typedArrayTag.call(value) !== 'Uint8Array') {
    throw new TypeError(
      `${where}: expected ${name} to be a Uint8Array, got an object that only looks like one (a Proxy?)`,
    );
  }
  if (value instanceof Uint8Array) {
    throw new TypeError(
      `${where}: ${name} is a view of a detached ArrayBuffer (transferred or released), so it has no bytes`,
    );
  }
  throw new TypeError(`${where}: expected ${name} to be a Uint8Array, got ${describeValue(value)}`);
}

/**
 * Throws `TypeError` unless `value` is a `Uint8Array` (a `Buffer` is one) whose bytes can be
 * read: not a Proxy or other lookalike, and not a view of a detached ArrayBuffer.
 */
export function requireBytes(value: unknown, name: string, where: string): asserts value is Uint8Array {
  if (!isReadableBytes(value)) refuseBytes(value, name, where);
}

/** Throws `TypeError`/`RangeError` unless `value` is a `Uint8Array` of exactly `length` bytes. */
export function requireBytesOfLength(
  value: unknown,
  length: number,
  name: string,
  where: string,
): asserts value is Uint8Array {
  requireBytes(value, name, where);
  if (value.length !== length) {
    throw new RangeError(`${where}: expected ${length}-byte ${name}, got ${value.length} bytes`);
  }
}

/** Throws unless `value` is an array of at most `countMax` elements, each one as `requireBytes` accepts. */
export function requireBytesArray(
  value: unknown,
  name: string,
  where: string,
  countMax: number,
): asserts value is readonly Uint8Array[] {
  if (!Array.isArray(value)) {
    throw new TypeError(`${where}: expected ${name} to be an array of Uint8Array, got ${describeValue(value)}`);
  }
  if (value.length > countMax) {
    throw new RangeError(`${where}: ${name} has ${value.length} items, limit ${countMax}`);
  }
  for (let i = 0; i < value.length; i++) {
    if (!isReadableBytes(value[i])) refuseBytes(value[i], `${name}[${i}]`, where);
  }
}

/** Throws unless `value` is a safe integer in `[min, max]`. */
export function requireInteger(
  value: unknown,
  name: string,
  where: string,
  min: number,
  max: number,
): asserts value is number {
  if (typeof value !== 'number') {
    throw new TypeError(`${where}: expected ${name} to be an integer, got ${describeValue(value)}`);
  }
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`${where}: ${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
}
