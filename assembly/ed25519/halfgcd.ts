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

/** Remainders below 2^stopBits end the reduction. */
const stopBits: i32 = 126;

// Bit length of the 256-bit number (x3 x2 x1 x0).
// @ts-ignore: decorator
@inline function bitLength(x0: u64, x1: u64, x2: u64, x3: u64): i32 {
  if (x3 != 0) return 256 - <i32>clz(x3);
  if (x2 != 0) return 192 - <i32>clz(x2);
  if (x1 != 0) return 128 - <i32>clz(x1);
  return 64 - <i32>clz(x0);
}

// Word i of a number shifted left by b < 64 bits, from its words i and i - 1 (wasm shifts
// count mod 64, so b = 0 needs its own case).
// @ts-ignore: decorator
@inline function shiftedWord(word: u64, below: u64, b: u64): u64 {
  return b == 0 ? word : (word << b) | (below >> (64 - b));
}

/**
 * Writes r (32 bytes, < 2^126) to `rOut` and |t| (32 bytes, < 2^127) to `tOut` such that
 * r = t k (mod L), for the 32-byte scalar k < L at `k`. Returns true iff t is negative.
 * The remainders live in u64 locals (h = r_i, l = r_{i+1}): a first version over memory
 * buffers took 6.6 µs, a twelfth of a verification.
 */
export function scHalfGcd(rOut: usize, tOut: usize, k: usize): bool {
  let h0 = load<u64>(scL, 0);
  let h1 = load<u64>(scL, 8);
  let h2 = load<u64>(scL, 16);
  let h3 = load<u64>(scL, 24);
  let l0 = load<u64>(k, 0);
  let l1 = load<u64>(k, 8);
  let l2 = load<u64>(k, 16);
  let l3 = load<u64>(k, 24);
  // t_i and t_{i+1} as two's-complement 128-bit numbers (low word, high word).
  let tHighLo: u64 = 0;
  let tHighHi: u64 = 0;
  let tLowLo: u64 = 1;
  let tLowHi: u64 = 0;
  let lowBits = bitLength(l0, l1, l2, l3);
  while (lowBits > stopBits) {
    // Long division h / l by shift and subtract; t_i -= q t_{i+1} bit by bit with it.
    for (let s = bitLength(h0, h1, h2, h3) - lowBits; s >= 0; s--) {
      // m = l << s; s < 128, so l moves by zero or one whole word and b bits.
      const b = <u64>(s & 63);
      let m0: u64, m1: u64, m2: u64, m3: u64;
      if (s < 64) {
        m0 = b == 0 ? l0 : l0 << b;
        m1 = shiftedWord(l1, l0, b);
        m2 = shiftedWord(l2, l1, b);
        m3 = shiftedWord(l3, l2, b);
      } else {
        m0 = 0;
        m1 = b == 0 ? l0 : l0 << b;
        m2 = shiftedWord(l1, l0, b);
        m3 = shiftedWord(l2, l1, b);
      }
      // Skip this bit of the quotient if h < m.
      if (h3 != m3) {
        if (h3 < m3) continue;
      } else if (h2 != m2) {
        if (h2 < m2) continue;
      } else if (h1 != m1) {
        if (h1 < m1) continue;
      } else if (h0 < m0) continue;
      // h -= m
      let borrow: u64 = h0 < m0 ? 1 : 0;
      h0 -= m0;
      let next: u64 = h1 < m1 || (h1 == m1 && borrow != 0) ? 1 : 0;
      h1 = h1 - m1 - borrow;
      borrow = next;
      next = h2 < m2 || (h2 == m2 && borrow != 0) ? 1 : 0;
      h2 = h2 - m2 - borrow;
      borrow = next;
      h3 = h3 - m3 - borrow;
      // t_i -= t_{i+1} << s
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
    let swap = h0;
    h0 = l0;
    l0 = swap;
    swap = h1;
    h1 = l1;
    l1 = swap;
    swap = h2;
    h2 = l2;
    l2 = swap;
    swap = h3;
    h3 = l3;
    l3 = swap;
    swap = tHighLo;
    tHighLo = tLowLo;
    tLowLo = swap;
    swap = tHighHi;
    tHighHi = tLowHi;
    tLowHi = swap;
    lowBits = bitLength(l0, l1, l2, l3);
  }
  store<u64>(rOut, l0, 0);
  store<u64>(rOut, l1, 8);
  store<u64>(rOut, l2, 16);
  store<u64>(rOut, l3, 24);
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
