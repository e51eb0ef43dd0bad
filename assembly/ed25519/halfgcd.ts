// Short scalars for single verification: given k < L, finds r and t with r = t k (mod L),
// 0 <= r < 2^126 and 0 < |t| < 2^127, by running the extended Euclidean algorithm on (L, k)
// and stopping at the first remainder below 2^126 (the 2-D lattice reduction of Pornin,
// "Optimized Lattice Basis Reduction In Dimension 2, and Fast Schnorr and EdDSA Signature
// Verification", 2020, done here with plain Euclid since it runs once a verification).
//
// Why: multiplying the verification equation by t turns [k]A (253-bit k) into [r]A and R into
// [t]R, both ~127-bit, so the shared doubling chain is half as long (see verify.ts).
//
// Bounds: the remainders r_i and cofactors t_i of Euclid on (L, k) satisfy
// r_i |t_{i+1}| + r_{i+1} |t_i| = L, so when r_{i+1} < 2^126 <= r_i we get
// |t_{i+1}| <= L / r_i < 2^253 / 2^126 = 2^127; the t_i alternate in sign and grow in
// magnitude, so every partial value below also stays under 2^127 and fits a signed 128-bit
// pair of u64 words. t is never 0 (t_1 = 1, and later t_i are non-zero because gcd(L, k) = 1
// for 0 < k < L; for k < 2^126, including k = 0, the loop does not run and t = 1).

import { scL } from './scalar';

const remainderHigh: usize = memory.data(32, 8); // r_i, four u64 words
const remainderLow: usize = memory.data(32, 8); // r_{i+1}
const shifted: usize = memory.data(32, 8);

/** Remainders below 2^stopBits end the reduction. */
const stopBits: i32 = 126;

function bitLength(a: usize): i32 {
  for (let i: i32 = 3; i >= 0; i--) {
    const w = load<u64>(a + (<usize>i << 3));
    if (w != 0) return i * 64 + 64 - <i32>clz(w);
  }
  return 0;
}

// out = a << s, truncated to 256 bits (callers keep it below 2^253).
function shiftLeft(out: usize, a: usize, s: i32): void {
  const words = s >> 6;
  const bits = <u64>(s & 63);
  for (let i: i32 = 3; i >= 0; i--) {
    const source = i - words;
    let w: u64 = 0;
    if (source >= 0) {
      w = load<u64>(a + (<usize>source << 3)) << bits;
      if (bits != 0 && source >= 1) w |= load<u64>(a + (<usize>(source - 1) << 3)) >> (64 - bits);
    }
    store<u64>(out + (<usize>i << 3), w);
  }
}

function atLeast(a: usize, b: usize): bool {
  for (let i: i32 = 3; i >= 0; i--) {
    const x = load<u64>(a + (<usize>i << 3));
    const y = load<u64>(b + (<usize>i << 3));
    if (x != y) return x > y;
  }
  return true;
}

// a -= b (a >= b).
function subtractInPlace(a: usize, b: usize): void {
  let borrow: u64 = 0;
  for (let i: usize = 0; i < 32; i += 8) {
    const x = load<u64>(a + i);
    const y = load<u64>(b + i);
    const d = x - y - borrow;
    borrow = x < y || (x == y && borrow != 0) ? 1 : 0;
    store<u64>(a + i, d);
  }
}

/**
 * Writes r (32 bytes, < 2^126) to `rOut` and |t| (32 bytes, < 2^127) to `tOut` such that
 * r = t k (mod L), for the 32-byte scalar k < L at `k`. Returns true iff t is negative.
 */
export function scHalfGcd(rOut: usize, tOut: usize, k: usize): bool {
  memory.copy(remainderHigh, scL, 32);
  memory.copy(remainderLow, k, 32);
  // t_i and t_{i+1} as two's-complement 128-bit numbers (low word, high word).
  let tHighLo: u64 = 0;
  let tHighHi: u64 = 0;
  let tLowLo: u64 = 1;
  let tLowHi: u64 = 0;
  let high = remainderHigh;
  let low = remainderLow;
  while (bitLength(low) > stopBits) {
    // Long division high / low by shift and subtract; t_i -= q t_{i+1} bit by bit with it.
    for (let s = bitLength(high) - bitLength(low); s >= 0; s--) {
      shiftLeft(shifted, low, s);
      if (!atLeast(high, shifted)) continue;
      subtractInPlace(high, shifted);
      let dLo: u64;
      let dHi: u64;
      if (s == 0) {
        dLo = tLowLo;
        dHi = tLowHi;
      } else if (s < 64) {
        dLo = tLowLo << <u64>s;
        dHi = (tLowHi << <u64>s) | (tLowLo >> <u64>(64 - s));
      } else {
        dLo = 0;
        dHi = tLowLo << <u64>(s - 64);
      }
      const lo = tHighLo - dLo;
      tHighHi = tHighHi - dHi - (tHighLo < dLo ? 1 : 0);
      tHighLo = lo;
    }
    // (r_i, r_{i+1}) <- (r_{i+1}, r_i mod r_{i+1}), and the same for t.
    const r = high;
    high = low;
    low = r;
    const tLo = tHighLo;
    const tHi = tHighHi;
    tHighLo = tLowLo;
    tHighHi = tLowHi;
    tLowLo = tLo;
    tLowHi = tHi;
  }
  memory.copy(rOut, low, 32);
  const negative = <i64>tLowHi < 0;
  if (negative) {
    // |t| = -t: invert and add one.
    tLowLo = ~tLowLo + 1;
    tLowHi = ~tLowHi + (tLowLo == 0 ? 1 : 0);
  }
  store<u64>(tOut, tLowLo, 0);
  store<u64>(tOut, tLowHi, 8);
  store<u64>(tOut, 0, 16);
  store<u64>(tOut, 0, 24);
  return negative;
}
