// Width-w non-adjacent form of a scalar: digits d_i in {0, ±1, ±3, ..., ±(2^(w-1) - 1)} with
// sum d_i 2^i = the scalar and at most one non-zero digit in any w consecutive positions, so a
// scalar multiplication costs one addition per ~w+1 bits from a table of 2^(w-2) odd multiples.

const words: usize = memory.data(48, 8); // the scalar as five u64 words, the fifth zero

/**
 * Writes 256 signed digits (i8) of the wNAF of the 32-byte little-endian scalar at `scalar`
 * to `out` and returns the index of the highest non-zero digit, or -1 if the scalar is 0.
 * The scalar must be < 2^255 so that the final carry fits in 256 digits (ours are < 2^253).
 */
export function computeWnaf(out: usize, scalar: usize, w: i32): i32 {
  memory.fill(out, 0, 256);
  memory.copy(words, scalar, 32);
  store<u64>(words, 0, 32);
  const width: u64 = <u64>1 << <u64>w;
  const mask: u64 = width - 1;
  const half: u64 = width >> 1;
  let carry: u64 = 0;
  let top: i32 = -1;
  let pos: u32 = 0;
  while (pos < 256) {
    const index = <usize>(pos >> 6);
    const bit = <u64>(pos & 63);
    let buffer = load<u64>(words + (index << 3)) >> bit;
    if (bit > <u64>(64 - w)) buffer |= load<u64>(words + ((index + 1) << 3)) << (64 - bit);
    // The window value plus the carry left by a previous negative digit.
    const window = carry + (buffer & mask);
    if ((window & 1) == 0) {
      pos++;
      continue;
    }
    if (window < half) {
      carry = 0;
      store<i8>(out + pos, <i8>window);
    } else {
      carry = 1;
      store<i8>(out + pos, <i8>(<i64>window - <i64>width));
    }
    top = <i32>pos;
    pos += <u32>w;
  }
  return top;
}
