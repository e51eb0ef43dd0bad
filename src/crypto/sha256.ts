/**
 * SHA-256 (FIPS 180-4) over the project's wasm: one message, or many in one call.
 *
 * Many messages cross the wasm boundary once: their bytes and an offset table are written
 * into the io region, one call hashes them all four at a time in SIMD lanes, and the
 * digests come back in one buffer. One large message goes to `node:crypto` instead, whose
 * OpenSSL build uses the SHA-NI instructions: the hash benchmark (`npm run bench -- hash`)
 * measured where that wins (see `nativeDispatchBytesMin`).
 */
import { hash as nodeHash } from 'node:crypto';
import { batchBytesMax, batchMessagesMax, messageBytesMax } from '../limits.js';
import { requireBytes, requireBytesArray } from '../validate.js';
import { align16, itemsBytes, itemsDataAt, writeItems } from './items.js';
import { memoryU8, reserveIo, type WasmCore, wasmExports } from './wasm.js';

/** Bytes in a SHA-256 digest. */
export const sha256DigestBytes = 32;

interface Sha256Exports extends WasmCore {
  sha256(data: number, length: number, out: number): void;
  sha256Many(data: number, offsets: number, count: number, out: number): void;
  /** Test hook: the debug build exports it, the release build does not. */
  sha256ManyScalar?(data: number, offsets: number, count: number, out: number): void;
  merkleLeafHashes(data: number, offsets: number, count: number, out: number): void;
  merkleLeafHashes32(leaves: number, count: number, out: number): void;
  merkleNodeLevel(children: number, pairs: number, out: number): void;
  merklePathStep(
    nodes: number,
    siblings: number,
    siblingStride: number,
    sides: number,
    sideStride: number,
    count: number,
    pairs: number,
  ): void;
}

/** @internal The typed wasm exports for SHA-256 and Merkle hashing. */
export const sha256Wasm = wasmExports as unknown as Sha256Exports;

/**
 * Most items one wasm call handles. V8 runs a wasm function first in its baseline compiler
 * (Liftoff) and moves it to the optimising one (TurboFan) only between calls, so one long
 * call over a million items would run its outer loop at baseline speed to the end. Short
 * calls let the loops tier up after the first few chunks; the call overhead (~0.1 µs per
 * 2,048 items) is noise. `npm run bench -- hash` prints the first-call time.
 */
const wasmChunkItems = 2048;

/** sha256Many over the io region in chunks (layout as the wasm export). */
export function wasmSha256Many(data: number, offsets: number, count: number, out: number): void {
  for (let i = 0; i < count; i += wasmChunkItems) {
    sha256Wasm.sha256Many(data, offsets + 4 * i, Math.min(wasmChunkItems, count - i), out + 32 * i);
  }
}

/** RFC 9162 leaf hashes of messages in the io region, in chunks. */
export function wasmMerkleLeafHashes(data: number, offsets: number, count: number, out: number): void {
  for (let i = 0; i < count; i += wasmChunkItems) {
    sha256Wasm.merkleLeafHashes(data, offsets + 4 * i, Math.min(wasmChunkItems, count - i), out + 32 * i);
  }
}

/** RFC 9162 leaf hashes of back-to-back 32-byte leaves in the io region, in chunks. */
export function wasmMerkleLeafHashes32(leaves: number, count: number, out: number): void {
  for (let i = 0; i < count; i += wasmChunkItems) {
    sha256Wasm.merkleLeafHashes32(leaves + 32 * i, Math.min(wasmChunkItems, count - i), out + 32 * i);
  }
}

/**
 * One Merkle level in chunks: `out + 32 i` ← H(0x01 ‖ child 2i ‖ child 2i+1). `out` may equal
 * `children`: chunk j writes below where chunk j + 1 reads, so in-place is safe.
 */
export function wasmMerkleNodeLevel(children: number, pairs: number, out: number): void {
  for (let i = 0; i < pairs; i += wasmChunkItems) {
    sha256Wasm.merkleNodeLevel(children + 64 * i, Math.min(wasmChunkItems, pairs - i), out + 32 * i);
  }
}

/**
 * `sha256(data)` hands messages of at least this many bytes to `node:crypto`, whose OpenSSL
 * build uses the SHA-NI instructions. Below it the wasm scalar path wins because one wasm call
 * costs less than OpenSSL's per-call setup; from here up SHA-NI's speed wins. Measured with
 * `npm run bench -- hash` on the development machine (README, performance table).
 */
export const nativeDispatchBytesMin = 128;

/**
 * In `sha256Many`, messages of at least this many bytes go to `node:crypto` one by one and
 * the rest to the 4-lane wasm path in one call. The wasm lanes hash about 0.7 GB/s in all;
 * SHA-NI about 2 GB/s plus about a microsecond per call, so they cross near 1 KiB.
 */
export const nativeDispatchBatchBytesMin = 1024;

/**
 * SHA-256 of `data`.
 *
 * @throws TypeError if `data` is not a Uint8Array; RangeError if it exceeds the message limit.
 */
export function sha256(data: Uint8Array): Uint8Array {
  requireBytes(data, 'data', 'sha256');
  if (data.length > messageBytesMax) {
    throw new RangeError(`sha256: data has ${data.length} bytes, limit ${messageBytesMax}`);
  }
  if (data.length >= nativeDispatchBytesMin) {
    // A plain Uint8Array view of OpenSSL's fresh digest buffer: no second copy.
    const digest = nodeHash('sha256', data, 'buffer');
    return new Uint8Array(digest.buffer, digest.byteOffset, sha256DigestBytes);
  }
  return sha256WasmOnly(data);
}

/** @internal SHA-256 of `data` on the wasm scalar path, whatever its size. */
export function sha256WasmOnly(data: Uint8Array): Uint8Array {
  const base = reserveIo(align16(data.length) + sha256DigestBytes);
  const out = base + align16(data.length);
  const memory = memoryU8();
  memory.set(data, base);
  sha256Wasm.sha256(base, data.length, out);
  return memoryU8().slice(out, out + sha256DigestBytes);
}

/**
 * Writes `messages` (already validated by the caller) into the io region as
 * [offsets (count + 1 u32) | data | digests] (src/crypto/items.ts) and returns the pointers.
 * Shared by sha256Many and the Merkle leaf hashing.
 */
export function packMessages(
  messages: readonly Uint8Array[],
  where: string,
  name: string,
): { data: number; offsets: number; out: number; count: number } {
  const count = messages.length;
  const totalBytes = itemsBytes(messages, 0, count);
  if (totalBytes > batchBytesMax) {
    throw new RangeError(`${where}: ${name} hold ${totalBytes} bytes in all, limit ${batchBytesMax}`);
  }
  const dataAt = itemsDataAt(count, false);
  const base = reserveIo(dataAt + align16(totalBytes) + count * sha256DigestBytes, where);
  writeItems(memoryU8(), base, messages, 0, count, false);
  return { data: base + dataAt, offsets: base, out: base + dataAt + align16(totalBytes), count };
}

/**
 * SHA-256 of each message, in one wasm call (four messages at a time in SIMD lanes).
 * Returns one 32-byte digest per message, in order; the digests are views of one buffer.
 *
 * @throws TypeError if `messages` is not an array of Uint8Array; RangeError past the limits.
 */
export function sha256Many(messages: readonly Uint8Array[]): Uint8Array[] {
  const packed = sha256ManyPackedFor(messages, 'sha256Many');
  const digests = new Array<Uint8Array>(messages.length);
  for (let i = 0; i < digests.length; i++) {
    digests[i] = packed.subarray(i * sha256DigestBytes, (i + 1) * sha256DigestBytes);
  }
  return digests;
}

/**
 * SHA-256 of each message, returned as one buffer of `32 × messages.length` bytes (digest i
 * at offset 32 i). The allocation-lean form of `sha256Many` for callers that index digests.
 */
export function sha256ManyPacked(messages: readonly Uint8Array[]): Uint8Array {
  return sha256ManyPackedFor(messages, 'sha256ManyPacked');
}

/**
 * @internal Checks a `sha256Many` input at a public boundary (`where` names the function):
 * an array of at most `batchMessagesMax` Uint8Arrays, each within `messageBytesMax` (the
 * limit `sha256` applies) and all together within `batchBytesMax`. One rule for every path a
 * message may take afterwards — the wasm lanes, node:crypto for large ones, a pool's worker.
 * Returns the messages' total length.
 */
export function checkMessages(messages: unknown, where: string): number {
  requireBytesArray(messages, 'messages', where, batchMessagesMax);
  let totalBytes = 0;
  for (let i = 0; i < messages.length; i++) {
    const length = (messages[i] as Uint8Array).length;
    if (length > messageBytesMax) {
      throw new RangeError(`${where}: messages[${i}] has ${length} bytes, limit ${messageBytesMax}`);
    }
    totalBytes += length;
  }
  if (totalBytes > batchBytesMax) {
    throw new RangeError(`${where}: messages hold ${totalBytes} bytes in all, limit ${batchBytesMax}`);
  }
  return totalBytes;
}

/** `sha256ManyPacked` whose errors name `where`, the function the caller called. */
function sha256ManyPackedFor(messages: readonly Uint8Array[], where: string): Uint8Array {
  checkMessages(messages, where);
  let large = 0;
  for (let i = 0; i < messages.length; i++) {
    if ((messages[i] as Uint8Array).length >= nativeDispatchBatchBytesMin) large++;
  }
  if (large === 0) return sha256ManyWasmPacked(messages);
  // Mixed batch: large messages to SHA-NI, the rest in one wasm call, digests in place.
  const digests = new Uint8Array(messages.length * sha256DigestBytes);
  const small: Uint8Array[] = [];
  const smallIndex: number[] = [];
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i] as Uint8Array;
    if (message.length >= nativeDispatchBatchBytesMin) {
      digests.set(nodeHash('sha256', message, 'buffer'), i * sha256DigestBytes);
    } else {
      small.push(message);
      smallIndex.push(i);
    }
  }
  if (small.length > 0) {
    const packed = sha256ManyWasmPacked(small);
    for (let k = 0; k < small.length; k++) {
      digests.set(
        packed.subarray(k * sha256DigestBytes, (k + 1) * sha256DigestBytes),
        (smallIndex[k] as number) * sha256DigestBytes,
      );
    }
  }
  return digests;
}

/** @internal sha256Many entirely on the 4-lane wasm path, whatever the message sizes. */
export function sha256ManyWasmPacked(messages: readonly Uint8Array[]): Uint8Array {
  const { data, offsets, out, count } = packMessages(messages, 'sha256Many', 'messages');
  wasmSha256Many(data, offsets, count, out);
  return memoryU8().slice(out, out + count * sha256DigestBytes);
}

/**
 * @internal sha256Many on the scalar path only (tests check SIMD and scalar agree); the debug
 * build only, which is the one carrying test hooks.
 */
export function sha256ManyScalarPacked(messages: readonly Uint8Array[]): Uint8Array {
  const scalar = sha256Wasm.sha256ManyScalar;
  if (scalar === undefined) throw new Error('sha256ManyScalarPacked: a test hook of the debug wasm build only');
  checkMessages(messages, 'sha256Many');
  const { data, offsets, out, count } = packMessages(messages, 'sha256Many', 'messages');
  scalar(data, offsets, count, out);
  return memoryU8().slice(out, out + count * sha256DigestBytes);
}
