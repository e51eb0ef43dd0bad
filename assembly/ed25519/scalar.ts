// Scalar arithmetic mod L = 2^252 + 27742317777372353535851937790883648493 (RFC 8032 §5.1),
// the order of the Ed25519 base point.
//
// Scalars are 32-byte little-endian strings. The work is done in signed 21-bit limbs held in
// i64 (as in ref10): a product of two limbs is < 2^42, so a row of 13 such products plus
// carries stays far below 2^63. Reduction uses 2^252 = -delta (mod L), where
// delta = L - 2^252 < 2^125 has the balanced 21-bit digits below, and folds high limbs down.
// This runs once or twice per signature, never in a point-arithmetic loop, so it is written
// for clarity, not speed.

/** The group order L, little-endian. */
export const scL: usize = memory.data<u8>([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
], 8);

// -delta = 2^252 - L in balanced radix-2^21 digits.
const negDelta: usize = memory.data<i64>([666643, 470296, 654183, -997805, 136657, -683901], 8);

const limbMask: i64 = (1 << 21) - 1;
const limbCount: usize = 26; // 25 limbs hold 525 bits, enough for a 512-bit product; one spare
const limbs: usize = memory.data(<i32>(limbCount << 3), 8); // the working number, i64 limbs
const limbsA: usize = memory.data(13 << 3, 8);
const limbsB: usize = memory.data(13 << 3, 8);
const padded: usize = memory.data(80, 8); // input copied here so 8-byte reads never overrun
const packed: usize = memory.data(32, 8);

// @ts-ignore: decorator
@inline function limb(base: usize, i: usize): i64 {
  return load<i64>(base + (i << 3));
}

// @ts-ignore: decorator
@inline function setLimb(base: usize, i: usize, v: i64): void {
  store<i64>(base + (i << 3), v);
}

// Splits `byteLength` little-endian bytes at `src` into `count` 21-bit limbs at `target`.
function toLimbs(target: usize, src: usize, byteLength: usize, count: usize): void {
  memory.fill(padded, 0, 80);
  memory.copy(padded, src, byteLength);
  for (let i: usize = 0; i < count; i++) {
    const bit = i * 21;
    setLimb(target, i, <i64>(load<u64>(padded + (bit >> 3)) >> <u64>(bit & 7)) & limbMask);
  }
}

// Adds s * (-delta) at limb position `at` (the fold of s * 2^(21 (at + 12))).
// @ts-ignore: decorator
@inline function foldInto(at: usize, s: i64): void {
  for (let j: usize = 0; j < 6; j++) {
    setLimb(limbs, at + j, limb(limbs, at + j) + s * load<i64>(negDelta + (j << 3)));
  }
}

// Floor-carries limbs [from, to) upward, each into [0, 2^21); the carry lands in limb `to`.
function carryRange(from: usize, to: usize): void {
  for (let i = from; i < to; i++) {
    const v = limb(limbs, i);
    const c = v >> 21;
    setLimb(limbs, i, v - (c << 21));
    setLimb(limbs, i + 1, limb(limbs, i + 1) + c);
  }
}

// Reduces the 25-limb number in `limbs` mod L and writes the canonical 32 bytes to `out`.
function reduceLimbs(out: usize): void {
  carryRange(0, 24); // every limb in [0, 2^21) except limb 24, which is < 2^9 for 512 bits
  // Fold limbs 24..18 into 12..6. Each folded limb is still < 2^21 + carry (nothing below
  // it reaches up to it), so each receiving limb gets at most 7 terms < 2^42.
  for (let i: usize = 24; i >= 18; i--) {
    foldInto(i - 12, limb(limbs, i));
    setLimb(limbs, i, 0);
  }
  carryRange(6, 18);
  foldInto(6, limb(limbs, 18));
  setLimb(limbs, 18, 0);
  carryRange(6, 17); // limbs 12..16 back in [0, 2^21); limb 17 small
  for (let i: usize = 17; i >= 12; i--) {
    foldInto(i - 12, limb(limbs, i));
    setLimb(limbs, i, 0);
  }
  // Now the value is sum(limbs[0..11]) with some limbs large or negative. Carry, take what
  // sits above bit 252 (t), and fold it back until 0 <= t <= 1; each fold shrinks |t|.
  let t: i64 = 0;
  while (true) {
    carryRange(0, 11);
    const top = limb(limbs, 11);
    t = top >> 21;
    setLimb(limbs, 11, top - (t << 21));
    if (t == 0 || t == 1) break;
    foldInto(0, t);
  }
  // value = t * 2^252 + sum(limbs[0..11] * 2^(21 i)) < 2^253 < 2L: pack, subtract L once if needed.
  memory.fill(packed, 0, 32);
  let acc: u64 = 0;
  let accBits: u64 = 0;
  let o: usize = 0;
  for (let i: usize = 0; i < 12; i++) {
    acc |= <u64>limb(limbs, i) << accBits;
    accBits += 21;
    while (accBits >= 8) {
      store<u8>(packed + o, <u8>acc);
      o++;
      acc >>= 8;
      accBits -= 8;
    }
  }
  // 252 bits packed: 31 bytes and 4 bits pending; bit 252 is t.
  store<u8>(packed + 31, <u8>(acc | (<u64>t << 4)));
  if (!scIsCanonical(packed)) {
    let borrow: u64 = 0;
    for (let w: usize = 0; w < 32; w += 8) {
      const a = load<u64>(packed + w);
      const b = load<u64>(scL + w);
      const d = a - b - borrow;
      borrow = (a < b || (a == b && borrow != 0)) ? 1 : 0;
      store<u64>(packed + w, d);
    }
  }
  memory.copy(out, packed, 32);
}

/** True iff the 32-byte little-endian scalar at `s` is < L (RFC 8032 §5.1.7; ZIP-215 rule 1). */
export function scIsCanonical(s: usize): bool {
  for (let w: isize = 24; w >= 0; w -= 8) {
    const a = load<u64>(s + <usize>w);
    const b = load<u64>(scL + <usize>w);
    if (a < b) return true;
    if (a > b) return false;
  }
  return false; // equal to L
}

/** out (32 bytes) = the 64-byte little-endian number at `src` mod L. */
export function scReduce64(out: usize, src: usize): void {
  toLimbs(limbs, src, 64, 25);
  setLimb(limbs, 25, 0);
  reduceLimbs(out);
}

/** out = a * b + c mod L, for any 32-byte little-endian a, b, c (not necessarily < L). */
export function scMulAdd(out: usize, a: usize, b: usize, c: usize): void {
  toLimbs(limbsA, a, 32, 13);
  toLimbs(limbsB, b, 32, 13);
  toLimbs(limbs, c, 32, 13);
  for (let i: usize = 13; i < limbCount; i++) setLimb(limbs, i, 0);
  for (let i: usize = 0; i < 13; i++) {
    const ai = limb(limbsA, i);
    if (ai == 0) continue;
    for (let j: usize = 0; j < 13; j++) {
      setLimb(limbs, i + j, limb(limbs, i + j) + ai * limb(limbsB, j));
    }
  }
  reduceLimbs(out);
}

const scOne: usize = memory.data<u8>([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 8);

/** out = a + b mod L. */
export function scAdd(out: usize, a: usize, b: usize): void {
  scMulAdd(out, a, scOne, b);
}
