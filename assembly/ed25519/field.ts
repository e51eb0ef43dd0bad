// Field arithmetic mod p = 2^255 - 19 for Ed25519.
//
// Representation: ten signed limbs in radix 2^25.5 (limb i has weight 2^ceil(25.5 i), so even
// limbs hold 26 bits and odd limbs 25 bits), the layout of the ref10 reference code. Chosen
// over five 51-bit limbs because wasm has no 64x64->128 multiply: with 25.5-bit limbs every
// partial product is one i64.mul and a row of ten still fits in an i64 (bounds below).
// feMul and feSqN2 make their products two at a time in SIMD lanes (one i32 x i32 -> i64
// multiply per lane, i64x2.extmul_low_i32x4_s): x64 has a single 64-bit scalar multiplier,
// which bounded the scalar form.
// Limbs are stored as i32 (40 bytes a field element; loads are i64.load32_s, so free) to halve
// the memory the point tables and MSM buckets touch.
//
// Bounds (as in ref10): a "carried" element, the output of mul/sq/carry, has
// |limb| <= 1.01 * 2^25 (even) / 2^24 (odd) roughly; add/sub do not carry, and mul/sq accept
// operands with |limb| up to 1.65 * 2^26 (even) / 2^25 (odd) — i.e. a sum or difference of
// two or three carried elements. The largest row sum is then below 2^62, so nothing
// overflows i64. feMul scales its second operand by up to 38 in i32 lanes, which holds for
// |limb| < 2^31 / 19 = 1.68 * 2^26 (even) / 2^31 / 38 (odd): the same bound, checked by an
// assertion in the debug build.
//
// Every element is a pointer to 40 bytes of memory; outputs may alias inputs. Temporaries
// are static (memory.data) and private to the function that uses them.

// @ts-ignore: decorator
@inline function ld(p: usize, offset: usize): i64 {
  return <i64>load<i32>(p + offset);
}

// 19x as shifts and adds: the integer multiplier is the bottleneck of squaring (one 64-bit
// multiply a cycle), the ALUs are not; measured 26.3 vs 27.9 ns a square.
// @ts-ignore: decorator
@inline function times19(x: i64): i64 {
  return (x << 4) + (x << 1) + x;
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

// Debug-build check of feSqN2's bound on its inputs: every limb is scaled by up to 38 in i32.
// @ts-ignore: decorator
@inline function assertPremultipliable(f: usize): void {
  for (let i: usize = 0; i < 10; i++) {
    const limb = load<i32>(f + (i << 2));
    assert(limb <= 56512727 && limb >= -56512727, 'feSqN2: input limb out of range (not carried)');
  }
}

// Debug-build check of feMul's bound on its second operand (see the top of this file).
// @ts-ignore: decorator
@inline function assertScalable(g: usize): void {
  for (let i: usize = 0; i < 10; i++) {
    const limb = load<i32>(g + (i << 2));
    const bound = (i & 1) == 0 ? 113025455 : 56512727; // floor(2^31 / 19), floor(2^31 / 38)
    assert(limb <= bound && limb >= -bound, 'feMul: operand limb out of range');
  }
}

/**
 * out = f * g mod p. Each partial product f_i g_j lands on limb i+j; two odd limbs meet at
 * one bit above the limb (x2), and limbs past 9 wrap with 2^255 = 19.
 *
 * Two products per instruction (i64x2.extmul_low_i32x4_s, one pmuldq on x64): the output
 * limbs are accumulated in pairs (h_2m, h_2m+1), each f_i (splatted) times a pair of g limbs
 * (g_d, g_d+1) with d = 2m - i, pre-scaled for where the pair lands: for even i the pair is
 * (g_d, g_d+1), times 19 if d < 0 (wrapped); for odd i the first lane is an odd-odd product,
 * so the pair is (2 g_d, g_d+1), or (38 g_d+10, 19 g_d+11) if wrapped, and (38 g_9, g_0) for
 * d = -1. The scalar ref10 form ran at 47 ns a multiply here (110 imul against one 64-bit
 * multiplier), this one at 34 ns.
 */
export function feMul(out: usize, f: usize, g: usize): void {
  assertScalable(g);
  const times19 = i32x4.splat(19);
  const times2And1 = i32x4(2, 1, 0, 0);
  const times38And19 = i32x4(38, 19, 0, 0);
  // Even pairs (g_d, g_d+1) and their wrapped, 19x forms.
  const p0 = v128.load64_zero(g, 0);
  const p2 = v128.load64_zero(g, 8);
  const p4 = v128.load64_zero(g, 16);
  const p6 = v128.load64_zero(g, 24);
  const p8 = v128.load64_zero(g, 32);
  const w8 = i32x4.mul(p8, times19); // d = -2
  const w6 = i32x4.mul(p6, times19); // d = -4
  const w4 = i32x4.mul(p4, times19); // d = -6
  const w2 = i32x4.mul(p2, times19); // d = -8
  // Odd pairs (2 g_d, g_d+1) and their wrapped (38 g_d, 19 g_d+1) forms.
  const r1 = v128.load64_zero(g, 4);
  const r3 = v128.load64_zero(g, 12);
  const r5 = v128.load64_zero(g, 20);
  const r7 = v128.load64_zero(g, 28);
  const q1 = i32x4.mul(r1, times2And1);
  const q3 = i32x4.mul(r3, times2And1);
  const q5 = i32x4.mul(r5, times2And1);
  const q7 = i32x4.mul(r7, times2And1);
  const v7 = i32x4.mul(r7, times38And19); // d = -3
  const v5 = i32x4.mul(r5, times38And19); // d = -5
  const v3 = i32x4.mul(r3, times38And19); // d = -7
  const v1 = i32x4.mul(r1, times38And19); // d = -9
  const v9 = i32x4.replace_lane(i32x4.splat(load<i32>(g, 36) * 38), 1, load<i32>(g, 0)); // d = -1

  const f0 = i32x4.splat(load<i32>(f, 0));
  let h01 = i64x2.extmul_low_i32x4_s(f0, p0);
  let h23 = i64x2.extmul_low_i32x4_s(f0, p2);
  let h45 = i64x2.extmul_low_i32x4_s(f0, p4);
  let h67 = i64x2.extmul_low_i32x4_s(f0, p6);
  let h89 = i64x2.extmul_low_i32x4_s(f0, p8);
  const f1 = i32x4.splat(load<i32>(f, 4));
  h01 = i64x2.add(h01, i64x2.extmul_low_i32x4_s(f1, v9));
  h23 = i64x2.add(h23, i64x2.extmul_low_i32x4_s(f1, q1));
  h45 = i64x2.add(h45, i64x2.extmul_low_i32x4_s(f1, q3));
  h67 = i64x2.add(h67, i64x2.extmul_low_i32x4_s(f1, q5));
  h89 = i64x2.add(h89, i64x2.extmul_low_i32x4_s(f1, q7));
  const f2 = i32x4.splat(load<i32>(f, 8));
  h01 = i64x2.add(h01, i64x2.extmul_low_i32x4_s(f2, w8));
  h23 = i64x2.add(h23, i64x2.extmul_low_i32x4_s(f2, p0));
  h45 = i64x2.add(h45, i64x2.extmul_low_i32x4_s(f2, p2));
  h67 = i64x2.add(h67, i64x2.extmul_low_i32x4_s(f2, p4));
  h89 = i64x2.add(h89, i64x2.extmul_low_i32x4_s(f2, p6));
  const f3 = i32x4.splat(load<i32>(f, 12));
  h01 = i64x2.add(h01, i64x2.extmul_low_i32x4_s(f3, v7));
  h23 = i64x2.add(h23, i64x2.extmul_low_i32x4_s(f3, v9));
  h45 = i64x2.add(h45, i64x2.extmul_low_i32x4_s(f3, q1));
  h67 = i64x2.add(h67, i64x2.extmul_low_i32x4_s(f3, q3));
  h89 = i64x2.add(h89, i64x2.extmul_low_i32x4_s(f3, q5));
  const f4 = i32x4.splat(load<i32>(f, 16));
  h01 = i64x2.add(h01, i64x2.extmul_low_i32x4_s(f4, w6));
  h23 = i64x2.add(h23, i64x2.extmul_low_i32x4_s(f4, w8));
  h45 = i64x2.add(h45, i64x2.extmul_low_i32x4_s(f4, p0));
  h67 = i64x2.add(h67, i64x2.extmul_low_i32x4_s(f4, p2));
  h89 = i64x2.add(h89, i64x2.extmul_low_i32x4_s(f4, p4));
  const f5 = i32x4.splat(load<i32>(f, 20));
  h01 = i64x2.add(h01, i64x2.extmul_low_i32x4_s(f5, v5));
  h23 = i64x2.add(h23, i64x2.extmul_low_i32x4_s(f5, v7));
  h45 = i64x2.add(h45, i64x2.extmul_low_i32x4_s(f5, v9));
  h67 = i64x2.add(h67, i64x2.extmul_low_i32x4_s(f5, q1));
  h89 = i64x2.add(h89, i64x2.extmul_low_i32x4_s(f5, q3));
  const f6 = i32x4.splat(load<i32>(f, 24));
  h01 = i64x2.add(h01, i64x2.extmul_low_i32x4_s(f6, w4));
  h23 = i64x2.add(h23, i64x2.extmul_low_i32x4_s(f6, w6));
  h45 = i64x2.add(h45, i64x2.extmul_low_i32x4_s(f6, w8));
  h67 = i64x2.add(h67, i64x2.extmul_low_i32x4_s(f6, p0));
  h89 = i64x2.add(h89, i64x2.extmul_low_i32x4_s(f6, p2));
  const f7 = i32x4.splat(load<i32>(f, 28));
  h01 = i64x2.add(h01, i64x2.extmul_low_i32x4_s(f7, v3));
  h23 = i64x2.add(h23, i64x2.extmul_low_i32x4_s(f7, v5));
  h45 = i64x2.add(h45, i64x2.extmul_low_i32x4_s(f7, v7));
  h67 = i64x2.add(h67, i64x2.extmul_low_i32x4_s(f7, v9));
  h89 = i64x2.add(h89, i64x2.extmul_low_i32x4_s(f7, q1));
  const f8 = i32x4.splat(load<i32>(f, 32));
  h01 = i64x2.add(h01, i64x2.extmul_low_i32x4_s(f8, w2));
  h23 = i64x2.add(h23, i64x2.extmul_low_i32x4_s(f8, w4));
  h45 = i64x2.add(h45, i64x2.extmul_low_i32x4_s(f8, w6));
  h67 = i64x2.add(h67, i64x2.extmul_low_i32x4_s(f8, w8));
  h89 = i64x2.add(h89, i64x2.extmul_low_i32x4_s(f8, p0));
  const f9 = i32x4.splat(load<i32>(f, 36));
  h01 = i64x2.add(h01, i64x2.extmul_low_i32x4_s(f9, v1));
  h23 = i64x2.add(h23, i64x2.extmul_low_i32x4_s(f9, v3));
  h45 = i64x2.add(h45, i64x2.extmul_low_i32x4_s(f9, v5));
  h67 = i64x2.add(h67, i64x2.extmul_low_i32x4_s(f9, v7));
  h89 = i64x2.add(h89, i64x2.extmul_low_i32x4_s(f9, v9));
  carryStore(
    out,
    i64x2.extract_lane(h01, 0), i64x2.extract_lane(h01, 1),
    i64x2.extract_lane(h23, 0), i64x2.extract_lane(h23, 1),
    i64x2.extract_lane(h45, 0), i64x2.extract_lane(h45, 1),
    i64x2.extract_lane(h67, 0), i64x2.extract_lane(h67, 1),
    i64x2.extract_lane(h89, 0), i64x2.extract_lane(h89, 1),
  );
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
  const f5_38 = times19(f5) << 1;
  const f6_19 = times19(f6);
  const f6_38 = times19(f6) << 1;
  const f7_2 = f7 << 1;
  const f7_38 = times19(f7) << 1;
  const f8_19 = times19(f8);
  const f8_38 = times19(f8) << 1;
  const f9_38 = times19(f9) << 1;
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
  const f5_38 = times19(f5) << 1;
  const f6_19 = times19(f6);
  const f6_38 = times19(f6) << 1;
  const f7_2 = f7 << 1;
  const f7_38 = times19(f7) << 1;
  const f8_19 = times19(f8);
  const f8_38 = times19(f8) << 1;
  const f9_38 = times19(f9) << 1;
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
    const f5_38 = times19(f5) << 1;
    const f6_19 = times19(f6);
    const f6_38 = times19(f6) << 1;
    const f7_2 = f7 << 1;
    const f7_38 = times19(f7) << 1;
    const f8_19 = times19(f8);
    const f8_38 = times19(f8) << 1;
    const f9_38 = times19(f9) << 1;
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

/**
 * out0 = f^(2^n), out1 = g^(2^n) mod p: two independent runs of squarings at once (the two
 * square roots of a signature's decompressions). The ref10 squaring, with limb i of both
 * elements as a pair (f_i, g_i) in i32x4 lanes 0 and 1 and the products made two at a time
 * by i64x2.extmul_low_i32x4_s; the carries are the same, in i64x2 lanes, so the limbs come
 * out identical to feSqN's. The rounding shift uses a logical shift of h + 2^62 (x64 has no
 * 64-bit arithmetic vector shift); |h| < 2^62 holds (see the bounds at the top).
 * Measured 19 ns a square against feSqN's 27-30.
 * f and g must be carried (outputs of mul/sq): the 38x premultiplied limbs are formed in i32.
 */
export function feSqN2(out0: usize, out1: usize, f: usize, g: usize, n: i32): void {
  assertPremultipliable(f);
  assertPremultipliable(g);
  const k19 = i32x4.splat(19);
  const k38 = i32x4.splat(38);
  const round25 = i64x2.splat((1 << 25) + (1 << 62));
  const round24 = i64x2.splat((1 << 24) + (1 << 62));
  const unbias26 = i64x2.splat(1 << 36);
  const unbias25 = i64x2.splat(1 << 37);
  const a0 = v128.load(f, 0), a1 = v128.load(f, 16), a2 = v128.load64_zero(f, 32);
  const b0 = v128.load(g, 0), b1 = v128.load(g, 16), b2 = v128.load64_zero(g, 32);
  let x0 = i32x4.shuffle(a0, b0, 0, 4, 0, 4);
  let x1 = i32x4.shuffle(a0, b0, 1, 5, 1, 5);
  let x2 = i32x4.shuffle(a0, b0, 2, 6, 2, 6);
  let x3 = i32x4.shuffle(a0, b0, 3, 7, 3, 7);
  let x4 = i32x4.shuffle(a1, b1, 0, 4, 0, 4);
  let x5 = i32x4.shuffle(a1, b1, 1, 5, 1, 5);
  let x6 = i32x4.shuffle(a1, b1, 2, 6, 2, 6);
  let x7 = i32x4.shuffle(a1, b1, 3, 7, 3, 7);
  let x8 = i32x4.shuffle(a2, b2, 0, 4, 0, 4);
  let x9 = i32x4.shuffle(a2, b2, 1, 5, 1, 5);
  for (let i = 0; i < n; i++) {
    const x0_2 = i32x4.shl(x0, 1);
    const x1_2 = i32x4.shl(x1, 1);
    const x2_2 = i32x4.shl(x2, 1);
    const x3_2 = i32x4.shl(x3, 1);
    const x4_2 = i32x4.shl(x4, 1);
    const x5_2 = i32x4.shl(x5, 1);
    const x7_2 = i32x4.shl(x7, 1);
    const x5_38 = i32x4.mul(x5, k38);
    const x6_19 = i32x4.mul(x6, k19);
    const x6_38 = i32x4.mul(x6, k38);
    const x7_38 = i32x4.mul(x7, k38);
    const x8_19 = i32x4.mul(x8, k19);
    const x8_38 = i32x4.mul(x8, k38);
    const x9_38 = i32x4.mul(x9, k38);
    let h0 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.extmul_low_i32x4_s(x0, x0), i64x2.extmul_low_i32x4_s(x1_2, x9_38)), i64x2.extmul_low_i32x4_s(x2, x8_38)), i64x2.extmul_low_i32x4_s(x3_2, x7_38)), i64x2.extmul_low_i32x4_s(x4, x6_38)), i64x2.extmul_low_i32x4_s(x5, x5_38));
    let h1 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.extmul_low_i32x4_s(x0_2, x1), i64x2.extmul_low_i32x4_s(x2, x9_38)), i64x2.extmul_low_i32x4_s(x3, x8_38)), i64x2.extmul_low_i32x4_s(x4, x7_38)), i64x2.extmul_low_i32x4_s(x5, x6_38));
    let h2 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.extmul_low_i32x4_s(x0_2, x2), i64x2.extmul_low_i32x4_s(x1_2, x1)), i64x2.extmul_low_i32x4_s(x3_2, x9_38)), i64x2.extmul_low_i32x4_s(x4, x8_38)), i64x2.extmul_low_i32x4_s(x5_2, x7_38)), i64x2.extmul_low_i32x4_s(x6, x6_19));
    let h3 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.extmul_low_i32x4_s(x0_2, x3), i64x2.extmul_low_i32x4_s(x1_2, x2)), i64x2.extmul_low_i32x4_s(x4, x9_38)), i64x2.extmul_low_i32x4_s(x5, x8_38)), i64x2.extmul_low_i32x4_s(x6, x7_38));
    let h4 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.extmul_low_i32x4_s(x0_2, x4), i64x2.extmul_low_i32x4_s(x1_2, x3_2)), i64x2.extmul_low_i32x4_s(x2, x2)), i64x2.extmul_low_i32x4_s(x5_2, x9_38)), i64x2.extmul_low_i32x4_s(x6, x8_38)), i64x2.extmul_low_i32x4_s(x7, x7_38));
    let h5 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.extmul_low_i32x4_s(x0_2, x5), i64x2.extmul_low_i32x4_s(x1_2, x4)), i64x2.extmul_low_i32x4_s(x2_2, x3)), i64x2.extmul_low_i32x4_s(x6, x9_38)), i64x2.extmul_low_i32x4_s(x7, x8_38));
    let h6 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.extmul_low_i32x4_s(x0_2, x6), i64x2.extmul_low_i32x4_s(x1_2, x5_2)), i64x2.extmul_low_i32x4_s(x2_2, x4)), i64x2.extmul_low_i32x4_s(x3_2, x3)), i64x2.extmul_low_i32x4_s(x7_2, x9_38)), i64x2.extmul_low_i32x4_s(x8, x8_19));
    let h7 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.extmul_low_i32x4_s(x0_2, x7), i64x2.extmul_low_i32x4_s(x1_2, x6)), i64x2.extmul_low_i32x4_s(x2_2, x5)), i64x2.extmul_low_i32x4_s(x3_2, x4)), i64x2.extmul_low_i32x4_s(x8, x9_38));
    let h8 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.extmul_low_i32x4_s(x0_2, x8), i64x2.extmul_low_i32x4_s(x1_2, x7_2)), i64x2.extmul_low_i32x4_s(x2_2, x6)), i64x2.extmul_low_i32x4_s(x3_2, x5_2)), i64x2.extmul_low_i32x4_s(x4, x4)), i64x2.extmul_low_i32x4_s(x9, x9_38));
    let h9 = i64x2.add(i64x2.add(i64x2.add(i64x2.add(i64x2.extmul_low_i32x4_s(x0_2, x9), i64x2.extmul_low_i32x4_s(x1_2, x8)), i64x2.extmul_low_i32x4_s(x2_2, x7)), i64x2.extmul_low_i32x4_s(x3_2, x6)), i64x2.extmul_low_i32x4_s(x4_2, x5));
    let c: v128;
    c = i64x2.sub(i64x2.shr_u(i64x2.add(h0, round25), 26), unbias26); h1 = i64x2.add(h1, c); h0 = i64x2.sub(h0, i64x2.shl(c, 26));
    c = i64x2.sub(i64x2.shr_u(i64x2.add(h4, round25), 26), unbias26); h5 = i64x2.add(h5, c); h4 = i64x2.sub(h4, i64x2.shl(c, 26));
    c = i64x2.sub(i64x2.shr_u(i64x2.add(h1, round24), 25), unbias25); h2 = i64x2.add(h2, c); h1 = i64x2.sub(h1, i64x2.shl(c, 25));
    c = i64x2.sub(i64x2.shr_u(i64x2.add(h5, round24), 25), unbias25); h6 = i64x2.add(h6, c); h5 = i64x2.sub(h5, i64x2.shl(c, 25));
    c = i64x2.sub(i64x2.shr_u(i64x2.add(h2, round25), 26), unbias26); h3 = i64x2.add(h3, c); h2 = i64x2.sub(h2, i64x2.shl(c, 26));
    c = i64x2.sub(i64x2.shr_u(i64x2.add(h6, round25), 26), unbias26); h7 = i64x2.add(h7, c); h6 = i64x2.sub(h6, i64x2.shl(c, 26));
    c = i64x2.sub(i64x2.shr_u(i64x2.add(h3, round24), 25), unbias25); h4 = i64x2.add(h4, c); h3 = i64x2.sub(h3, i64x2.shl(c, 25));
    c = i64x2.sub(i64x2.shr_u(i64x2.add(h7, round24), 25), unbias25); h8 = i64x2.add(h8, c); h7 = i64x2.sub(h7, i64x2.shl(c, 25));
    c = i64x2.sub(i64x2.shr_u(i64x2.add(h4, round25), 26), unbias26); h5 = i64x2.add(h5, c); h4 = i64x2.sub(h4, i64x2.shl(c, 26));
    c = i64x2.sub(i64x2.shr_u(i64x2.add(h8, round25), 26), unbias26); h9 = i64x2.add(h9, c); h8 = i64x2.sub(h8, i64x2.shl(c, 26));
    c = i64x2.sub(i64x2.shr_u(i64x2.add(h9, round24), 25), unbias25); h0 = i64x2.add(h0, i64x2.add(i64x2.add(i64x2.shl(c, 4), i64x2.shl(c, 1)), c)); h9 = i64x2.sub(h9, i64x2.shl(c, 25));
    c = i64x2.sub(i64x2.shr_u(i64x2.add(h0, round25), 26), unbias26); h1 = i64x2.add(h1, c); h0 = i64x2.sub(h0, i64x2.shl(c, 26));
    x0 = i32x4.shuffle(h0, h0, 0, 2, 0, 2);
    x1 = i32x4.shuffle(h1, h1, 0, 2, 0, 2);
    x2 = i32x4.shuffle(h2, h2, 0, 2, 0, 2);
    x3 = i32x4.shuffle(h3, h3, 0, 2, 0, 2);
    x4 = i32x4.shuffle(h4, h4, 0, 2, 0, 2);
    x5 = i32x4.shuffle(h5, h5, 0, 2, 0, 2);
    x6 = i32x4.shuffle(h6, h6, 0, 2, 0, 2);
    x7 = i32x4.shuffle(h7, h7, 0, 2, 0, 2);
    x8 = i32x4.shuffle(h8, h8, 0, 2, 0, 2);
    x9 = i32x4.shuffle(h9, h9, 0, 2, 0, 2);
  }
  store<i32>(out0, i32x4.extract_lane(x0, 0), 0);
  store<i32>(out1, i32x4.extract_lane(x0, 1), 0);
  store<i32>(out0, i32x4.extract_lane(x1, 0), 4);
  store<i32>(out1, i32x4.extract_lane(x1, 1), 4);
  store<i32>(out0, i32x4.extract_lane(x2, 0), 8);
  store<i32>(out1, i32x4.extract_lane(x2, 1), 8);
  store<i32>(out0, i32x4.extract_lane(x3, 0), 12);
  store<i32>(out1, i32x4.extract_lane(x3, 1), 12);
  store<i32>(out0, i32x4.extract_lane(x4, 0), 16);
  store<i32>(out1, i32x4.extract_lane(x4, 1), 16);
  store<i32>(out0, i32x4.extract_lane(x5, 0), 20);
  store<i32>(out1, i32x4.extract_lane(x5, 1), 20);
  store<i32>(out0, i32x4.extract_lane(x6, 0), 24);
  store<i32>(out1, i32x4.extract_lane(x6, 1), 24);
  store<i32>(out0, i32x4.extract_lane(x7, 0), 28);
  store<i32>(out1, i32x4.extract_lane(x7, 1), 28);
  store<i32>(out0, i32x4.extract_lane(x8, 0), 32);
  store<i32>(out1, i32x4.extract_lane(x8, 1), 32);
  store<i32>(out0, i32x4.extract_lane(x9, 0), 36);
  store<i32>(out1, i32x4.extract_lane(x9, 1), 36);
}

/** out = f + g, limbwise, no carry (four limbs per i32x4.add; these run ~1500 times a verification). */
export function feAdd(out: usize, f: usize, g: usize): void {
  const a = i32x4.add(v128.load(f, 0), v128.load(g, 0));
  const b = i32x4.add(v128.load(f, 16), v128.load(g, 16));
  const c = i32x4.add(v128.load64_zero(f, 32), v128.load64_zero(g, 32));
  v128.store(out, a, 0);
  v128.store(out, b, 16);
  v128.store64_lane(out, c, 0, 32);
}

/** out = f - g, limbwise, no carry. */
export function feSub(out: usize, f: usize, g: usize): void {
  const a = i32x4.sub(v128.load(f, 0), v128.load(g, 0));
  const b = i32x4.sub(v128.load(f, 16), v128.load(g, 16));
  const c = i32x4.sub(v128.load64_zero(f, 32), v128.load64_zero(g, 32));
  v128.store(out, a, 0);
  v128.store(out, b, 16);
  v128.store64_lane(out, c, 0, 32);
}

/** out = -f, limbwise. */
export function feNeg(out: usize, f: usize): void {
  const a = i32x4.neg(v128.load(f, 0));
  const b = i32x4.neg(v128.load(f, 16));
  const c = i32x4.neg(v128.load64_zero(f, 32));
  v128.store(out, a, 0);
  v128.store(out, b, 16);
  v128.store64_lane(out, c, 0, 32);
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

const pairT0: usize = memory.data(40, 8);
const pairT1: usize = memory.data(40, 8);
const pairT2: usize = memory.data(40, 8);
const pairT3: usize = memory.data(40, 8);
const pairU0: usize = memory.data(40, 8);
const pairU1: usize = memory.data(40, 8);
const pairU2: usize = memory.data(40, 8);
const pairU3: usize = memory.data(40, 8);

/**
 * out0 = z0^((p-5)/8), out1 = z1^((p-5)/8): fePow22523 on two carried elements, their
 * squaring runs done together by feSqN2 (the same chain, step by step, as powTo2p250m1).
 */
export function fePow22523Pair(out0: usize, out1: usize, z0: usize, z1: usize): void {
  feSqN2(pairT0, pairU0, z0, z1, 1); // z^2
  feSqN2(pairT1, pairU1, pairT0, pairU0, 2); // z^8
  feMul(pairT1, z0, pairT1); // z^9
  feMul(pairU1, z1, pairU1);
  feMul(pairT0, pairT0, pairT1); // z^11
  feMul(pairU0, pairU0, pairU1);
  feSqN2(pairT2, pairU2, pairT0, pairU0, 1); // z^22
  feMul(pairT1, pairT1, pairT2); // z^(2^5 - 1)
  feMul(pairU1, pairU1, pairU2);
  feSqN2(pairT2, pairU2, pairT1, pairU1, 5);
  feMul(pairT1, pairT2, pairT1); // z^(2^10 - 1)
  feMul(pairU1, pairU2, pairU1);
  feSqN2(pairT2, pairU2, pairT1, pairU1, 10);
  feMul(pairT2, pairT2, pairT1); // z^(2^20 - 1)
  feMul(pairU2, pairU2, pairU1);
  feSqN2(pairT3, pairU3, pairT2, pairU2, 20);
  feMul(pairT2, pairT3, pairT2); // z^(2^40 - 1)
  feMul(pairU2, pairU3, pairU2);
  feSqN2(pairT2, pairU2, pairT2, pairU2, 10);
  feMul(pairT1, pairT2, pairT1); // z^(2^50 - 1)
  feMul(pairU1, pairU2, pairU1);
  feSqN2(pairT2, pairU2, pairT1, pairU1, 50);
  feMul(pairT2, pairT2, pairT1); // z^(2^100 - 1)
  feMul(pairU2, pairU2, pairU1);
  feSqN2(pairT3, pairU3, pairT2, pairU2, 100);
  feMul(pairT2, pairT3, pairT2); // z^(2^200 - 1)
  feMul(pairU2, pairU3, pairU2);
  feSqN2(pairT2, pairU2, pairT2, pairU2, 50);
  feMul(pairT1, pairT2, pairT1); // z^(2^250 - 1)
  feMul(pairU1, pairU2, pairU1);
  feSqN2(pairT1, pairU1, pairT1, pairU1, 2); // z^(2^252 - 4)
  feMul(out0, pairT1, z0); // z^(2^252 - 3)
  feMul(out1, pairU1, z1);
}

