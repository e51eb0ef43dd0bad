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

/** Throws `TypeError` unless `value` is a `Uint8Array` (a `Buffer` is one). */
export function requireBytes(value: unknown, name: string, where: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`${where}: expected ${name} to be a Uint8Array, got ${describeValue(value)}`);
  }
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

/** Throws unless `value` is an array whose every element is a `Uint8Array`. */
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
    if (!(value[i] instanceof Uint8Array)) {
      throw new TypeError(`${where}: expected ${name}[${i}] to be a Uint8Array, got ${describeValue(value[i])}`);
    }
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
