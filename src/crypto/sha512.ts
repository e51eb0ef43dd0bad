/**
 * SHA-512 (FIPS 180-4) over the project's wasm. Ed25519 hashes inside the wasm without
 * crossing the boundary; this wrapper exists so the wasm SHA-512 is tested on its own against
 * `node:crypto` and the NIST examples.
 */
import { ed25519MessageBytesMax } from '../limits.js';
import { requireBytes } from '../validate.js';
import { memoryU8, reserveIo, type WasmCore, wasmExports } from './wasm.js';

/** Bytes in a SHA-512 digest. */
export const sha512DigestBytes = 64;

interface Sha512Exports extends WasmCore {
  sha512(data: number, length: number, out: number): void;
}

const wasm = wasmExports as unknown as Sha512Exports;

/**
 * SHA-512 of `data` (at most `ed25519MessageBytesMax` bytes: the wasm hash serves Ed25519).
 *
 * @throws TypeError if `data` is not a Uint8Array; RangeError if it is over the limit.
 */
export function sha512(data: Uint8Array): Uint8Array {
  requireBytes(data, 'data', 'sha512');
  if (data.length > ed25519MessageBytesMax) {
    throw new RangeError(`sha512: data has ${data.length} bytes, limit ${ed25519MessageBytesMax}`);
  }
  const out = Math.ceil(data.length / 64) * 64;
  const base = reserveIo(out + sha512DigestBytes);
  memoryU8().set(data, base);
  wasm.sha512(base, data.length, base + out);
  return memoryU8().slice(base + out, base + out + sha512DigestBytes);
}
