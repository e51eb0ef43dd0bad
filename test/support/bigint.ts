/** Little-endian conversions between bigint and bytes, shared by the Ed25519 and field tests. */

/** `value` as `length` little-endian bytes (high bits beyond `length` bytes are dropped). */
export function bigintToBytesLE(value: bigint, length = 32): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Number((value >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** The little-endian integer `bytes` encode. */
export function bytesToBigintLE(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i] as number);
  return value;
}
