/**
 * Hex for the evidence's JSON form, without `Buffer` (src/bytes.ts's `toHex`/`fromHex` use
 * it, so the browser verifier cannot). Lower-case out; either case in.
 */

const digits = '0123456789abcdef';

/** Lower-case hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    out += digits[byte >>> 4] + (digits[byte & 15] as string);
  }
  return out;
}

/** True iff `text` is an even-length string of hex digits. */
export function isHex(text: unknown): text is string {
  return typeof text === 'string' && text.length % 2 === 0 && /^[0-9a-fA-F]*$/.test(text);
}

/** The bytes of an even-length hex string (checked by the caller with {@link isHex}). */
export function fromHex(text: string): Uint8Array {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}
