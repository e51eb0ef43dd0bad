// Field arithmetic mod p = 2^255 - 19 for Ed25519.
//
// Representation: ten signed limbs in radix 2^25.5 (limb i has weight 2^ceil(25.5 i), so even
// limbs hold 26 bits and odd limbs 25 bits), the layout of the ref10 reference code. Chosen
// over five 51-bit limbs because wasm has no 64x64->128 multiply: with 25.5-bit limbs every
// partial product is one i64.mul and a row of ten still fits in an i64 (bounds below).
// Limbs are stored as i32 (40 bytes a field element; loads are i64.load32_s, so free) to halve
// the memory the point tables and MSM buckets touch.
//
// Bounds (as in ref10): a "carried" element, the output of mul/sq/carry, has
// |limb| <= 1.01 * 2^25 (even) / 2^24 (odd) roughly; add/sub do not carry, and mul/sq accept
// operands with |limb| up to 1.65 * 2^26 — i.e. a sum or difference of two or three carried
// elements. The largest row sum is then below 2^62, so nothing overflows i64.
//
// Every element is a pointer to 40 bytes of memory; outputs may alias inputs. Temporaries
// are static (memory.data) and private to the function that uses them.

// @ts-ignore: decorator
@inline function ld(p: usize, offset: usize): i64 {
  return <i64>load<i32>(p + offset);
}

/** Bytes in one field element. */
export const feBytes: usize = 40;

// d = -121665/121666 mod p (RFC 8032 §5.1), and 2d, and sqrt(-1) = 2^((p-1)/4).
export const feD: usize = memory.data<i32>([
  56195235, 13857412, 51736253, 6949390, 114729, 24766616, 60832955, 30306712, 48412415, 21499315,
], 8);
export const feD2: usize = memory.data<i32>([
  45281625, 27714825, 36363642, 13898781, 229458, 15978800, 54557047, 27058993, 29715967, 9444199,
], 8);
export const feSqrtM1: usize = memory.data<i32>([
  34513072, 25610706, 9377949, 3500415, 12389472, 33281959, 41962654, 31548777, 326685, 11406482,
], 8);

// Carries h0..h9 into the canonical limb ranges (rounded, so limbs end up signed and small)
// and stores them. The order interleaves two chains so consecutive steps are independent.
// @ts-ignore: decorator
@inline function carryStore(
  out: usize,
  h0: i64, h1: i64, h2: i64, h3: i64, h4: i64, h5: i64, h6: i64, h7: i64, h8: i64, h9: i64,
): void {
  let c: i64;
  c = (h0 + (1 << 25)) >> 26; h1 += c; h0 -= c << 26;
  c = (h4 + (1 << 25)) >> 26; h5 += c; h4 -= c << 26;
  c = (h1 + (1 << 24)) >> 25; h2 += c; h1 -= c << 25;
  c = (h5 + (1 << 24)) >> 25; h6 += c; h5 -= c << 25;
  c = (h2 + (1 << 25)) >> 26; h3 += c; h2 -= c << 26;
  c = (h6 + (1 << 25)) >> 26; h7 += c; h6 -= c << 26;
  c = (h3 + (1 << 24)) >> 25; h4 += c; h3 -= c << 25;
  c = (h7 + (1 << 24)) >> 25; h8 += c; h7 -= c << 25;
  c = (h4 + (1 << 25)) >> 26; h5 += c; h4 -= c << 26;
  c = (h8 + (1 << 25)) >> 26; h9 += c; h8 -= c << 26;
  c = (h9 + (1 << 24)) >> 25; h0 += c * 19; h9 -= c << 25;
  c = (h0 + (1 << 25)) >> 26; h1 += c; h0 -= c << 26;
  store<i32>(out, <i32>h0, 0);
  store<i32>(out, <i32>h1, 4);
  store<i32>(out, <i32>h2, 8);
  store<i32>(out, <i32>h3, 12);
  store<i32>(out, <i32>h4, 16);
  store<i32>(out, <i32>h5, 20);
  store<i32>(out, <i32>h6, 24);
  store<i32>(out, <i32>h7, 28);
  store<i32>(out, <i32>h8, 32);
  store<i32>(out, <i32>h9, 36);
}

/** out = f * g mod p. Each partial product f_i g_j lands on limb i+j; two odd limbs meet at
 * one bit above the limb (x2), and limbs past 9 wrap with 2^255 = 19. */
export function feMul(out: usize, f: usize, g: usize): void {
  const f0 = ld(f, 0), f1 = ld(f, 4), f2 = ld(f, 8), f3 = ld(f, 12), f4 = ld(f, 16);
  const f5 = ld(f, 20), f6 = ld(f, 24), f7 = ld(f, 28), f8 = ld(f, 32), f9 = ld(f, 36);
  const g0 = ld(g, 0), g1 = ld(g, 4), g2 = ld(g, 8), g3 = ld(g, 12), g4 = ld(g, 16);
  const g5 = ld(g, 20), g6 = ld(g, 24), g7 = ld(g, 28), g8 = ld(g, 32), g9 = ld(g, 36);
  const g1_19 = g1 * 19, g2_19 = g2 * 19, g3_19 = g3 * 19, g4_19 = g4 * 19, g5_19 = g5 * 19;
  const g6_19 = g6 * 19, g7_19 = g7 * 19, g8_19 = g8 * 19, g9_19 = g9 * 19;
  const f1_2 = f1 << 1, f3_2 = f3 << 1, f5_2 = f5 << 1, f7_2 = f7 << 1, f9_2 = f9 << 1;
  let h0 = f0 * g0 + f1_2 * g9_19 + f2 * g8_19 + f3_2 * g7_19 + f4 * g6_19 + f5_2 * g5_19 + f6 * g4_19 + f7_2 * g3_19 + f8 * g2_19 + f9_2 * g1_19;
  let h1 = f0 * g1 + f1 * g0 + f2 * g9_19 + f3 * g8_19 + f4 * g7_19 + f5 * g6_19 + f6 * g5_19 + f7 * g4_19 + f8 * g3_19 + f9 * g2_19;
  let h2 = f0 * g2 + f1_2 * g1 + f2 * g0 + f3_2 * g9_19 + f4 * g8_19 + f5_2 * g7_19 + f6 * g6_19 + f7_2 * g5_19 + f8 * g4_19 + f9_2 * g3_19;
  let h3 = f0 * g3 + f1 * g2 + f2 * g1 + f3 * g0 + f4 * g9_19 + f5 * g8_19 + f6 * g7_19 + f7 * g6_19 + f8 * g5_19 + f9 * g4_19;
  let h4 = f0 * g4 + f1_2 * g3 + f2 * g2 + f3_2 * g1 + f4 * g0 + f5_2 * g9_19 + f6 * g8_19 + f7_2 * g7_19 + f8 * g6_19 + f9_2 * g5_19;
  let h5 = f0 * g5 + f1 * g4 + f2 * g3 + f3 * g2 + f4 * g1 + f5 * g0 + f6 * g9_19 + f7 * g8_19 + f8 * g7_19 + f9 * g6_19;
  let h6 = f0 * g6 + f1_2 * g5 + f2 * g4 + f3_2 * g3 + f4 * g2 + f5_2 * g1 + f6 * g0 + f7_2 * g9_19 + f8 * g8_19 + f9_2 * g7_19;
  let h7 = f0 * g7 + f1 * g6 + f2 * g5 + f3 * g4 + f4 * g3 + f5 * g2 + f6 * g1 + f7 * g0 + f8 * g9_19 + f9 * g8_19;
  let h8 = f0 * g8 + f1_2 * g7 + f2 * g6 + f3_2 * g5 + f4 * g4 + f5_2 * g3 + f6 * g2 + f7_2 * g1 + f8 * g0 + f9_2 * g9_19;
  let h9 = f0 * g9 + f1 * g8 + f2 * g7 + f3 * g6 + f4 * g5 + f5 * g4 + f6 * g3 + f7 * g2 + f8 * g1 + f9 * g0;
  carryStore(out, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9);
}

/** out = f^2 mod p (symmetric products counted once, doubled). */
export function feSq(out: usize, f: usize): void {
  const f0 = ld(f, 0), f1 = ld(f, 4), f2 = ld(f, 8), f3 = ld(f, 12), f4 = ld(f, 16);
  const f5 = ld(f, 20), f6 = ld(f, 24), f7 = ld(f, 28), f8 = ld(f, 32), f9 = ld(f, 36);
  const f0_2 = f0 << 1;
  const f1_2 = f1 << 1;
  const f2_2 = f2 << 1;
  const f3_2 = f3 << 1;
  const f4_2 = f4 << 1;
  const f5_2 = f5 << 1;
  const f5_38 = f5 * 38;
  const f6_19 = f6 * 19;
  const f6_38 = f6 * 38;
  const f7_2 = f7 << 1;
  const f7_38 = f7 * 38;
  const f8_19 = f8 * 19;
  const f8_38 = f8 * 38;
  const f9_38 = f9 * 38;
  let h0 = f0 * f0 + f1_2 * f9_38 + f2 * f8_38 + f3_2 * f7_38 + f4 * f6_38 + f5 * f5_38;
  let h1 = f0_2 * f1 + f2 * f9_38 + f3 * f8_38 + f4 * f7_38 + f5 * f6_38;
  let h2 = f0_2 * f2 + f1_2 * f1 + f3_2 * f9_38 + f4 * f8_38 + f5_2 * f7_38 + f6 * f6_19;
  let h3 = f0_2 * f3 + f1_2 * f2 + f4 * f9_38 + f5 * f8_38 + f6 * f7_38;
  let h4 = f0_2 * f4 + f1_2 * f3_2 + f2 * f2 + f5_2 * f9_38 + f6 * f8_38 + f7 * f7_38;
  let h5 = f0_2 * f5 + f1_2 * f4 + f2_2 * f3 + f6 * f9_38 + f7 * f8_38;
  let h6 = f0_2 * f6 + f1_2 * f5_2 + f2_2 * f4 + f3_2 * f3 + f7_2 * f9_38 + f8 * f8_19;
  let h7 = f0_2 * f7 + f1_2 * f6 + f2_2 * f5 + f3_2 * f4 + f8 * f9_38;
  let h8 = f0_2 * f8 + f1_2 * f7_2 + f2_2 * f6 + f3_2 * f5_2 + f4 * f4 + f9 * f9_38;
  let h9 = f0_2 * f9 + f1_2 * f8 + f2_2 * f7 + f3_2 * f6 + f4_2 * f5;
  carryStore(out, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9);
}

/** out = 2 f^2 mod p (the doubling formula needs 2Z^2). */
export function feSq2(out: usize, f: usize): void {
  const f0 = ld(f, 0), f1 = ld(f, 4), f2 = ld(f, 8), f3 = ld(f, 12), f4 = ld(f, 16);
  const f5 = ld(f, 20), f6 = ld(f, 24), f7 = ld(f, 28), f8 = ld(f, 32), f9 = ld(f, 36);
  const f0_2 = f0 << 1;
  const f1_2 = f1 << 1;
  const f2_2 = f2 << 1;
  const f3_2 = f3 << 1;
  const f4_2 = f4 << 1;
  const f5_2 = f5 << 1;
  const f5_38 = f5 * 38;
  const f6_19 = f6 * 19;
  const f6_38 = f6 * 38;
  const f7_2 = f7 << 1;
  const f7_38 = f7 * 38;
  const f8_19 = f8 * 19;
  const f8_38 = f8 * 38;
  const f9_38 = f9 * 38;
  let h0 = f0 * f0 + f1_2 * f9_38 + f2 * f8_38 + f3_2 * f7_38 + f4 * f6_38 + f5 * f5_38;
  let h1 = f0_2 * f1 + f2 * f9_38 + f3 * f8_38 + f4 * f7_38 + f5 * f6_38;
  let h2 = f0_2 * f2 + f1_2 * f1 + f3_2 * f9_38 + f4 * f8_38 + f5_2 * f7_38 + f6 * f6_19;
  let h3 = f0_2 * f3 + f1_2 * f2 + f4 * f9_38 + f5 * f8_38 + f6 * f7_38;
  let h4 = f0_2 * f4 + f1_2 * f3_2 + f2 * f2 + f5_2 * f9_38 + f6 * f8_38 + f7 * f7_38;
  let h5 = f0_2 * f5 + f1_2 * f4 + f2_2 * f3 + f6 * f9_38 + f7 * f8_38;
  let h6 = f0_2 * f6 + f1_2 * f5_2 + f2_2 * f4 + f3_2 * f3 + f7_2 * f9_38 + f8 * f8_19;
  let h7 = f0_2 * f7 + f1_2 * f6 + f2_2 * f5 + f3_2 * f4 + f8 * f9_38;
  let h8 = f0_2 * f8 + f1_2 * f7_2 + f2_2 * f6 + f3_2 * f5_2 + f4 * f4 + f9 * f9_38;
  let h9 = f0_2 * f9 + f1_2 * f8 + f2_2 * f7 + f3_2 * f6 + f4_2 * f5;
  carryStore(out, h0 << 1, h1 << 1, h2 << 1, h3 << 1, h4 << 1, h5 << 1, h6 << 1, h7 << 1, h8 << 1, h9 << 1);
}

/**
 * out = f^(2^n) mod p: n successive squarings (the long runs of the exponentiation chains).
 * The limbs stay in locals from one squaring to the next instead of going through memory.
 */
export function feSqN(out: usize, f: usize, n: i32): void {
  let f0 = ld(f, 0), f1 = ld(f, 4), f2 = ld(f, 8), f3 = ld(f, 12), f4 = ld(f, 16);
  let f5 = ld(f, 20), f6 = ld(f, 24), f7 = ld(f, 28), f8 = ld(f, 32), f9 = ld(f, 36);
  for (let i = 0; i < n; i++) {
    const f0_2 = f0 << 1;
    const f1_2 = f1 << 1;
    const f2_2 = f2 << 1;
    const f3_2 = f3 << 1;
    const f4_2 = f4 << 1;
    const f5_2 = f5 << 1;
    const f5_38 = f5 * 38;
    const f6_19 = f6 * 19;
    const f6_38 = f6 * 38;
    const f7_2 = f7 << 1;
    const f7_38 = f7 * 38;
    const f8_19 = f8 * 19;
    const f8_38 = f8 * 38;
    const f9_38 = f9 * 38;
    let h0 = f0 * f0 + f1_2 * f9_38 + f2 * f8_38 + f3_2 * f7_38 + f4 * f6_38 + f5 * f5_38;
    let h1 = f0_2 * f1 + f2 * f9_38 + f3 * f8_38 + f4 * f7_38 + f5 * f6_38;
    let h2 = f0_2 * f2 + f1_2 * f1 + f3_2 * f9_38 + f4 * f8_38 + f5_2 * f7_38 + f6 * f6_19;
    let h3 = f0_2 * f3 + f1_2 * f2 + f4 * f9_38 + f5 * f8_38 + f6 * f7_38;
    let h4 = f0_2 * f4 + f1_2 * f3_2 + f2 * f2 + f5_2 * f9_38 + f6 * f8_38 + f7 * f7_38;
    let h5 = f0_2 * f5 + f1_2 * f4 + f2_2 * f3 + f6 * f9_38 + f7 * f8_38;
    let h6 = f0_2 * f6 + f1_2 * f5_2 + f2_2 * f4 + f3_2 * f3 + f7_2 * f9_38 + f8 * f8_19;
    let h7 = f0_2 * f7 + f1_2 * f6 + f2_2 * f5 + f3_2 * f4 + f8 * f9_38;
    let h8 = f0_2 * f8 + f1_2 * f7_2 + f2_2 * f6 + f3_2 * f5_2 + f4 * f4 + f9 * f9_38;
    let h9 = f0_2 * f9 + f1_2 * f8 + f2_2 * f7 + f3_2 * f6 + f4_2 * f5;
    let c: i64;
    c = (h0 + (1 << 25)) >> 26; h1 += c; h0 -= c << 26;
    c = (h4 + (1 << 25)) >> 26; h5 += c; h4 -= c << 26;
    c = (h1 + (1 << 24)) >> 25; h2 += c; h1 -= c << 25;
    c = (h5 + (1 << 24)) >> 25; h6 += c; h5 -= c << 25;
    c = (h2 + (1 << 25)) >> 26; h3 += c; h2 -= c << 26;
    c = (h6 + (1 << 25)) >> 26; h7 += c; h6 -= c << 26;
    c = (h3 + (1 << 24)) >> 25; h4 += c; h3 -= c << 25;
    c = (h7 + (1 << 24)) >> 25; h8 += c; h7 -= c << 25;
    c = (h4 + (1 << 25)) >> 26; h5 += c; h4 -= c << 26;
    c = (h8 + (1 << 25)) >> 26; h9 += c; h8 -= c << 26;
    c = (h9 + (1 << 24)) >> 25; h0 += c * 19; h9 -= c << 25;
    c = (h0 + (1 << 25)) >> 26; h1 += c; h0 -= c << 26;
    f0 = h0; f1 = h1; f2 = h2; f3 = h3; f4 = h4; f5 = h5; f6 = h6; f7 = h7; f8 = h8; f9 = h9;
  }
  store<i32>(out, <i32>f0, 0);
  store<i32>(out, <i32>f1, 4);
  store<i32>(out, <i32>f2, 8);
  store<i32>(out, <i32>f3, 12);
  store<i32>(out, <i32>f4, 16);
  store<i32>(out, <i32>f5, 20);
  store<i32>(out, <i32>f6, 24);
  store<i32>(out, <i32>f7, 28);
  store<i32>(out, <i32>f8, 32);
  store<i32>(out, <i32>f9, 36);
}

/** out = f + g, limbwise, no carry (unrolled: these run ~1500 times a verification). */
export function feAdd(out: usize, f: usize, g: usize): void {
  store<i32>(out, load<i32>(f, 0) + load<i32>(g, 0), 0);
  store<i32>(out, load<i32>(f, 4) + load<i32>(g, 4), 4);
  store<i32>(out, load<i32>(f, 8) + load<i32>(g, 8), 8);
  store<i32>(out, load<i32>(f, 12) + load<i32>(g, 12), 12);
  store<i32>(out, load<i32>(f, 16) + load<i32>(g, 16), 16);
  store<i32>(out, load<i32>(f, 20) + load<i32>(g, 20), 20);
  store<i32>(out, load<i32>(f, 24) + load<i32>(g, 24), 24);
  store<i32>(out, load<i32>(f, 28) + load<i32>(g, 28), 28);
  store<i32>(out, load<i32>(f, 32) + load<i32>(g, 32), 32);
  store<i32>(out, load<i32>(f, 36) + load<i32>(g, 36), 36);
}

/** out = f - g, limbwise, no carry. */
export function feSub(out: usize, f: usize, g: usize): void {
  store<i32>(out, load<i32>(f, 0) - load<i32>(g, 0), 0);
  store<i32>(out, load<i32>(f, 4) - load<i32>(g, 4), 4);
  store<i32>(out, load<i32>(f, 8) - load<i32>(g, 8), 8);
  store<i32>(out, load<i32>(f, 12) - load<i32>(g, 12), 12);
  store<i32>(out, load<i32>(f, 16) - load<i32>(g, 16), 16);
  store<i32>(out, load<i32>(f, 20) - load<i32>(g, 20), 20);
  store<i32>(out, load<i32>(f, 24) - load<i32>(g, 24), 24);
  store<i32>(out, load<i32>(f, 28) - load<i32>(g, 28), 28);
  store<i32>(out, load<i32>(f, 32) - load<i32>(g, 32), 32);
  store<i32>(out, load<i32>(f, 36) - load<i32>(g, 36), 36);
}

/** out = -f, limbwise. */
export function feNeg(out: usize, f: usize): void {
  store<i32>(out, -load<i32>(f, 0), 0);
  store<i32>(out, -load<i32>(f, 4), 4);
  store<i32>(out, -load<i32>(f, 8), 8);
  store<i32>(out, -load<i32>(f, 12), 12);
  store<i32>(out, -load<i32>(f, 16), 16);
  store<i32>(out, -load<i32>(f, 20), 20);
  store<i32>(out, -load<i32>(f, 24), 24);
  store<i32>(out, -load<i32>(f, 28), 28);
  store<i32>(out, -load<i32>(f, 32), 32);
  store<i32>(out, -load<i32>(f, 36), 36);
}

/** out = f. */
export function feCopy(out: usize, f: usize): void {
  memory.copy(out, f, 40);
}

/** out = 0. */
export function feZero(out: usize): void {
  memory.fill(out, 0, 40);
}

/** out = 1. */
export function feOne(out: usize): void {
  memory.fill(out, 0, 40);
  store<i32>(out, 1);
}

/** out = the carried form of f (brings the limbs of a sum back within mul/sq input bounds). */
export function feCarry(out: usize, f: usize): void {
  carryStore(out, ld(f, 0), ld(f, 4), ld(f, 8), ld(f, 12), ld(f, 16), ld(f, 20), ld(f, 24), ld(f, 28), ld(f, 32), ld(f, 36));
}

/**
 * Decodes 32 little-endian bytes as a field element, ignoring bit 255 (the sign bit of a
 * point encoding). Values in [p, 2^255) are kept as they are: the limbs can hold them and all
 * arithmetic is mod p, which is exactly ZIP-215's "y >= p is reduced".
 */
export function feFromBytes(out: usize, s: usize): void {
  // Limb i starts at bit ceil(25.5 i); read 8 bytes around it and mask.
  const lo = load<u64>(s, 0);
  const b1 = load<u64>(s, 3);
  const b2 = load<u64>(s, 6);
  const b3 = load<u64>(s, 9);
  const b4 = load<u64>(s, 12);
  const b5 = load<u64>(s, 16);
  const b6 = load<u64>(s, 19);
  const b7 = load<u64>(s, 22);
  const b8 = load<u64>(s, 24);
  const hi = load<u32>(s, 28);
  store<i32>(out, <i32>(lo & 0x3ffffff), 0); // bits 0..25
  store<i32>(out, <i32>((b1 >> 2) & 0x1ffffff), 4); // bits 26..50
  store<i32>(out, <i32>((b2 >> 3) & 0x3ffffff), 8); // bits 51..76
  store<i32>(out, <i32>((b3 >> 5) & 0x1ffffff), 12); // bits 77..101
  store<i32>(out, <i32>((b4 >> 6) & 0x3ffffff), 16); // bits 102..127
  store<i32>(out, <i32>(b5 & 0x1ffffff), 20); // bits 128..152
  store<i32>(out, <i32>((b6 >> 1) & 0x3ffffff), 24); // bits 153..178
  store<i32>(out, <i32>((b7 >> 3) & 0x1ffffff), 28); // bits 179..203
  store<i32>(out, <i32>((b8 >> 12) & 0x3ffffff), 32); // bits 204..229
  store<i32>(out, <i32>((hi >> 6) & 0x1ffffff), 36); // bits 230..254
}

const limbBits: usize = memory.data<u8>([26, 25, 26, 25, 26, 25, 26, 25, 26, 25]);
const canonicalTemp: usize = memory.data(40, 8);

/**
 * Writes the canonical 32-byte little-endian encoding of f (fully reduced into [0, p)).
 * Not on the hot path (comparisons, sign tests), so written for clarity: carry with floor
 * shifts until nothing leaves the top limb, then subtract p once if the value is >= p.
 */
export function feToBytes(out: usize, f: usize): void {
  const t = canonicalTemp;
  memory.copy(t, f, 40);
  let top: i64 = 0;
  do {
    for (let i: usize = 0; i < 10; i++) {
      const bits = <i64>load<u8>(limbBits + i);
      const h = <i64>load<i32>(t + (i << 2));
      const c = h >> bits;
      store<i32>(t + (i << 2), <i32>(h - (c << bits)));
      if (i < 9) store<i32>(t + ((i + 1) << 2), load<i32>(t + ((i + 1) << 2)) + <i32>c);
      else top = c;
    }
    store<i32>(t, load<i32>(t) + <i32>(top * 19));
  } while (top != 0);
  // Now 0 <= value < 2^255. value >= p iff value + 19 carries out of bit 255.
  let q: i64 = 19;
  for (let i: usize = 0; i < 10; i++) {
    const bits = <i64>load<u8>(limbBits + i);
    q = (<i64>load<i32>(t + (i << 2)) + q) >> bits;
  }
  // Add 19q and drop bit 255 (subtracting p = 2^255 - 19 when q = 1).
  let carry: i64 = q * 19;
  let acc: u64 = 0;
  let accBits: i64 = 0;
  let o: usize = 0;
  for (let i: usize = 0; i < 10; i++) {
    const bits = <i64>load<u8>(limbBits + i);
    const h = <i64>load<i32>(t + (i << 2)) + carry;
    carry = h >> bits;
    acc |= <u64>(h & ((<i64>1 << bits) - 1)) << accBits;
    accBits += bits;
    while (accBits >= 8) {
      store<u8>(out + o, <u8>acc);
      o++;
      acc >>= 8;
      accBits -= 8;
    }
  }
  if (o < 32) store<u8>(out + o, <u8>acc);
}

const bytesTemp: usize = memory.data(32, 8);

/** True iff f = 0 mod p. */
export function feIsZero(f: usize): bool {
  feToBytes(bytesTemp, f);
  return (load<u64>(bytesTemp, 0) | load<u64>(bytesTemp, 8) | load<u64>(bytesTemp, 16) | load<u64>(bytesTemp, 24)) == 0;
}

/** True iff the canonical form of f is odd ("negative" in RFC 8032 §5.1.2). */
export function feIsNegative(f: usize): bool {
  feToBytes(bytesTemp, f);
  return (load<u8>(bytesTemp) & 1) != 0;
}

/** True iff f = g mod p. */
const equalTemp: usize = memory.data(40, 8);
export function feEqual(f: usize, g: usize): bool {
  feSub(equalTemp, f, g);
  return feIsZero(equalTemp);
}

const powT0: usize = memory.data(40, 8);
const powT1: usize = memory.data(40, 8);
const powT2: usize = memory.data(40, 8);
const powT3: usize = memory.data(40, 8);

// Leaves z^(2^250 - 1) in powT1 and z^11 in powT0: the common prefix of the chains for
// p - 2 = (2^250 - 1) * 2^5 + 11 and (p - 5) / 8 = (2^250 - 1) * 2^2 + 1.
function powTo2p250m1(z: usize): void {
  feSq(powT0, z); // z^2
  feSqN(powT1, powT0, 2); // z^8
  feMul(powT1, z, powT1); // z^9
  feMul(powT0, powT0, powT1); // z^11
  feSq(powT2, powT0); // z^22
  feMul(powT1, powT1, powT2); // z^31 = z^(2^5 - 1)
  feSqN(powT2, powT1, 5);
  feMul(powT1, powT2, powT1); // z^(2^10 - 1)
  feSqN(powT2, powT1, 10);
  feMul(powT2, powT2, powT1); // z^(2^20 - 1)
  feSqN(powT3, powT2, 20);
  feMul(powT2, powT3, powT2); // z^(2^40 - 1)
  feSqN(powT2, powT2, 10);
  feMul(powT1, powT2, powT1); // z^(2^50 - 1)
  feSqN(powT2, powT1, 50);
  feMul(powT2, powT2, powT1); // z^(2^100 - 1)
  feSqN(powT3, powT2, 100);
  feMul(powT2, powT3, powT2); // z^(2^200 - 1)
  feSqN(powT2, powT2, 50);
  feMul(powT1, powT2, powT1); // z^(2^250 - 1)
}

/** out = 1/z mod p = z^(p-2) (Fermat); 0 maps to 0. */
export function feInvert(out: usize, z: usize): void {
  powTo2p250m1(z);
  feSqN(powT1, powT1, 5);
  feMul(out, powT1, powT0);
}

/** out = z^((p-5)/8) = z^(2^252 - 3), the exponent of the square-root computation. */
export function fePow22523(out: usize, z: usize): void {
  powTo2p250m1(z);
  feSqN(powT1, powT1, 2);
  feMul(out, powT1, z);
}
