/**
 * The byte layout in which a batch of byte strings (messages, Merkle leaves) reaches the
 * wasm batch exports (`sha256Many`, `merkleLeafHashes`, `merkleLeafHashes32`). One writer for
 * it, used for the inline calls (straight into wasm memory) and for the pool's task buffers
 * (which the worker copies into wasm memory whole), so the two can never drift apart.
 *
 * ```
 * at + 0          offsets[n + 1]   u32 LE, relative to the data area (left out if uniform32)
 * at + dataAt     data             the items' bytes back to back; dataAt = align16(4 (n + 1))
 * ```
 * With `uniform32` (every item exactly 32 bytes: hashes, keys) there is no offsets table and
 * `dataAt` is 0. Offsets are written through a Uint32Array: little-endian hosts only, like
 * the wasm itself.
 */

export function align16(n: number): number {
  return (n + 15) & ~15;
}

/** Total bytes of items `[start, end)`. */
export function itemsBytes(items: readonly Uint8Array[], start: number, end: number): number {
  let total = 0;
  for (let i = start; i < end; i++) total += (items[i] as Uint8Array).length;
  return total;
}

/** True iff every item in `[start, end)` is exactly 32 bytes. */
export function itemsUniform32(items: readonly Uint8Array[], start: number, end: number): boolean {
  for (let i = start; i < end; i++) if ((items[i] as Uint8Array).length !== 32) return false;
  return true;
}

/** Offset of the data area from the start of the layout, for `count` items. */
export function itemsDataAt(count: number, uniform32: boolean): number {
  return uniform32 ? 0 : align16(4 * (count + 1));
}

/**
 * Writes items `[start, end)` (already validated by the caller; `dataBytes` their total
 * length) into `target` at byte offset `at` in the layout above. `at` must be 4-aligned.
 */
export function writeItems(
  target: Uint8Array,
  at: number,
  items: readonly Uint8Array[],
  start: number,
  end: number,
  uniform32: boolean,
): void {
  const count = end - start;
  const data = at + itemsDataAt(count, uniform32);
  if (uniform32) {
    for (let i = 0; i < count; i++) target.set(items[start + i] as Uint8Array, data + 32 * i);
    return;
  }
  const offsets = new Uint32Array(target.buffer, target.byteOffset + at, count + 1);
  let position = 0;
  for (let i = 0; i < count; i++) {
    const item = items[start + i] as Uint8Array;
    offsets[i] = position;
    target.set(item, data + position);
    position += item.length;
  }
  offsets[count] = position;
}
