// SHA-256 (FIPS 180-4 §6.2): a scalar compression for single messages and a 4-lane SIMD
// multi-buffer compression that hashes four independent messages at once.
//
// Memory: constants and scratch are static data (DESIGN.md decision 3); inputs and outputs
// are pointers into the TypeScript side's io region. Nothing here allocates.
//
// Tiering: `compressScalar` and `compress4` are kept as separate functions with several
// callers so Binaryen does not inline them into the long-running batch loops; V8 tiers a
// hot callee up to TurboFan even while its (Liftoff) caller keeps running.

// FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the
// first 64 primes.
const K: usize = memory.data<u32>([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

// K with each constant repeated in four lanes, so a round adds K[t] with one vector load.
const KV: usize = memory.data<u32>(
  [
    0x428a2f98, 0x428a2f98, 0x428a2f98, 0x428a2f98,
    0x71374491, 0x71374491, 0x71374491, 0x71374491,
    0xb5c0fbcf, 0xb5c0fbcf, 0xb5c0fbcf, 0xb5c0fbcf,
    0xe9b5dba5, 0xe9b5dba5, 0xe9b5dba5, 0xe9b5dba5,
    0x3956c25b, 0x3956c25b, 0x3956c25b, 0x3956c25b,
    0x59f111f1, 0x59f111f1, 0x59f111f1, 0x59f111f1,
    0x923f82a4, 0x923f82a4, 0x923f82a4, 0x923f82a4,
    0xab1c5ed5, 0xab1c5ed5, 0xab1c5ed5, 0xab1c5ed5,
    0xd807aa98, 0xd807aa98, 0xd807aa98, 0xd807aa98,
    0x12835b01, 0x12835b01, 0x12835b01, 0x12835b01,
    0x243185be, 0x243185be, 0x243185be, 0x243185be,
    0x550c7dc3, 0x550c7dc3, 0x550c7dc3, 0x550c7dc3,
    0x72be5d74, 0x72be5d74, 0x72be5d74, 0x72be5d74,
    0x80deb1fe, 0x80deb1fe, 0x80deb1fe, 0x80deb1fe,
    0x9bdc06a7, 0x9bdc06a7, 0x9bdc06a7, 0x9bdc06a7,
    0xc19bf174, 0xc19bf174, 0xc19bf174, 0xc19bf174,
    0xe49b69c1, 0xe49b69c1, 0xe49b69c1, 0xe49b69c1,
    0xefbe4786, 0xefbe4786, 0xefbe4786, 0xefbe4786,
    0x0fc19dc6, 0x0fc19dc6, 0x0fc19dc6, 0x0fc19dc6,
    0x240ca1cc, 0x240ca1cc, 0x240ca1cc, 0x240ca1cc,
    0x2de92c6f, 0x2de92c6f, 0x2de92c6f, 0x2de92c6f,
    0x4a7484aa, 0x4a7484aa, 0x4a7484aa, 0x4a7484aa,
    0x5cb0a9dc, 0x5cb0a9dc, 0x5cb0a9dc, 0x5cb0a9dc,
    0x76f988da, 0x76f988da, 0x76f988da, 0x76f988da,
    0x983e5152, 0x983e5152, 0x983e5152, 0x983e5152,
    0xa831c66d, 0xa831c66d, 0xa831c66d, 0xa831c66d,
    0xb00327c8, 0xb00327c8, 0xb00327c8, 0xb00327c8,
    0xbf597fc7, 0xbf597fc7, 0xbf597fc7, 0xbf597fc7,
    0xc6e00bf3, 0xc6e00bf3, 0xc6e00bf3, 0xc6e00bf3,
    0xd5a79147, 0xd5a79147, 0xd5a79147, 0xd5a79147,
    0x06ca6351, 0x06ca6351, 0x06ca6351, 0x06ca6351,
    0x14292967, 0x14292967, 0x14292967, 0x14292967,
    0x27b70a85, 0x27b70a85, 0x27b70a85, 0x27b70a85,
    0x2e1b2138, 0x2e1b2138, 0x2e1b2138, 0x2e1b2138,
    0x4d2c6dfc, 0x4d2c6dfc, 0x4d2c6dfc, 0x4d2c6dfc,
    0x53380d13, 0x53380d13, 0x53380d13, 0x53380d13,
    0x650a7354, 0x650a7354, 0x650a7354, 0x650a7354,
    0x766a0abb, 0x766a0abb, 0x766a0abb, 0x766a0abb,
    0x81c2c92e, 0x81c2c92e, 0x81c2c92e, 0x81c2c92e,
    0x92722c85, 0x92722c85, 0x92722c85, 0x92722c85,
    0xa2bfe8a1, 0xa2bfe8a1, 0xa2bfe8a1, 0xa2bfe8a1,
    0xa81a664b, 0xa81a664b, 0xa81a664b, 0xa81a664b,
    0xc24b8b70, 0xc24b8b70, 0xc24b8b70, 0xc24b8b70,
    0xc76c51a3, 0xc76c51a3, 0xc76c51a3, 0xc76c51a3,
    0xd192e819, 0xd192e819, 0xd192e819, 0xd192e819,
    0xd6990624, 0xd6990624, 0xd6990624, 0xd6990624,
    0xf40e3585, 0xf40e3585, 0xf40e3585, 0xf40e3585,
    0x106aa070, 0x106aa070, 0x106aa070, 0x106aa070,
    0x19a4c116, 0x19a4c116, 0x19a4c116, 0x19a4c116,
    0x1e376c08, 0x1e376c08, 0x1e376c08, 0x1e376c08,
    0x2748774c, 0x2748774c, 0x2748774c, 0x2748774c,
    0x34b0bcb5, 0x34b0bcb5, 0x34b0bcb5, 0x34b0bcb5,
    0x391c0cb3, 0x391c0cb3, 0x391c0cb3, 0x391c0cb3,
    0x4ed8aa4a, 0x4ed8aa4a, 0x4ed8aa4a, 0x4ed8aa4a,
    0x5b9cca4f, 0x5b9cca4f, 0x5b9cca4f, 0x5b9cca4f,
    0x682e6ff3, 0x682e6ff3, 0x682e6ff3, 0x682e6ff3,
    0x748f82ee, 0x748f82ee, 0x748f82ee, 0x748f82ee,
    0x78a5636f, 0x78a5636f, 0x78a5636f, 0x78a5636f,
    0x84c87814, 0x84c87814, 0x84c87814, 0x84c87814,
    0x8cc70208, 0x8cc70208, 0x8cc70208, 0x8cc70208,
    0x90befffa, 0x90befffa, 0x90befffa, 0x90befffa,
    0xa4506ceb, 0xa4506ceb, 0xa4506ceb, 0xa4506ceb,
    0xbef9a3f7, 0xbef9a3f7, 0xbef9a3f7, 0xbef9a3f7,
    0xc67178f2, 0xc67178f2, 0xc67178f2, 0xc67178f2,
  ],
  16,
);

// FIPS 180-4 §5.3.3: initial hash value.
const IV: usize = memory.data<u32>([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

const laneCount: i32 = 4;
const blockBytes: i32 = 64;
// Lane block buffers are 80 bytes apart so a 16-byte store that runs one byte past a block
// (the Merkle node path writes 0x01 then 64 bytes) never touches the next lane's block.
const laneStride: i32 = 80;

// Scalar scratch: message schedule, state, padded tail blocks (up to two).
const wScalar: usize = memory.data(64 * 4, 16);
const stateScalar: usize = memory.data(8 * 4, 16);
const tailScalar: usize = memory.data(2 * blockBytes, 16);

// SIMD scratch: W[t] + K[t] per round for four lanes, the four lanes' state (eight i32x4,
// word-major: word w of lane j at stateLanes + 16w + 4j), and one block buffer per lane.
const wkLanes: usize = memory.data(64 * 16, 16);
const stateLanes: usize = memory.data(8 * 16, 16);
const blockLanes: usize = memory.data(laneCount * laneStride, 16);

// Per-lane job: which message it holds, where it is, how many blocks it has and has done.
const laneMessage: usize = memory.data(laneCount * 4, 16);
const laneBlock: usize = memory.data(laneCount * 4, 16);
const laneBlocks: usize = memory.data(laneCount * 4, 16);
const laneActive: usize = memory.data(laneCount * 4, 16);

// ---------------------------------------------------------------------------------------
// Scalar compression

// @ts-ignore: decorator
@inline function loadBe32(ptr: usize): u32 {
  return bswap<u32>(load<u32>(ptr));
}

// @ts-ignore: decorator
@inline function storeBe32(ptr: usize, value: u32): void {
  store<u32>(ptr, bswap<u32>(value));
}

/** Compresses one 64-byte big-endian block at `block` into the state at `state`. */
function compressScalar(state: usize, block: usize): void {
  for (let t: usize = 0; t < 16; t++) {
    store<u32>(wScalar + (t << 2), loadBe32(block + (t << 2)));
  }
  for (let t: usize = 16; t < 64; t++) {
    const w15 = load<u32>(wScalar + ((t - 15) << 2));
    const w2 = load<u32>(wScalar + ((t - 2) << 2));
    const s0 = rotr<u32>(w15, 7) ^ rotr<u32>(w15, 18) ^ (w15 >>> 3);
    const s1 = rotr<u32>(w2, 17) ^ rotr<u32>(w2, 19) ^ (w2 >>> 10);
    store<u32>(
      wScalar + (t << 2),
      s1 + load<u32>(wScalar + ((t - 7) << 2)) + s0 + load<u32>(wScalar + ((t - 16) << 2)),
    );
  }
  let a = load<u32>(state, 0);
  let b = load<u32>(state, 4);
  let c = load<u32>(state, 8);
  let d = load<u32>(state, 12);
  let e = load<u32>(state, 16);
  let f = load<u32>(state, 20);
  let g = load<u32>(state, 24);
  let h = load<u32>(state, 28);
  // Eight rounds per iteration, variables renamed instead of moved (as in compress4).
  for (let t: usize = 0; t < 64; t += 8) {
    {
      const t1 = h + (rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25)) + (g ^ (e & (f ^ g))) + load<u32>(K + ((t + 0) << 2)) + load<u32>(wScalar + ((t + 0) << 2));
      d += t1;
      h = t1 + (rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22)) + ((a & b) | (c & (a | b)));
    }
    {
      const t1 = g + (rotr<u32>(d, 6) ^ rotr<u32>(d, 11) ^ rotr<u32>(d, 25)) + (f ^ (d & (e ^ f))) + load<u32>(K + ((t + 1) << 2)) + load<u32>(wScalar + ((t + 1) << 2));
      c += t1;
      g = t1 + (rotr<u32>(h, 2) ^ rotr<u32>(h, 13) ^ rotr<u32>(h, 22)) + ((h & a) | (b & (h | a)));
    }
    {
      const t1 = f + (rotr<u32>(c, 6) ^ rotr<u32>(c, 11) ^ rotr<u32>(c, 25)) + (e ^ (c & (d ^ e))) + load<u32>(K + ((t + 2) << 2)) + load<u32>(wScalar + ((t + 2) << 2));
      b += t1;
      f = t1 + (rotr<u32>(g, 2) ^ rotr<u32>(g, 13) ^ rotr<u32>(g, 22)) + ((g & h) | (a & (g | h)));
    }
    {
      const t1 = e + (rotr<u32>(b, 6) ^ rotr<u32>(b, 11) ^ rotr<u32>(b, 25)) + (d ^ (b & (c ^ d))) + load<u32>(K + ((t + 3) << 2)) + load<u32>(wScalar + ((t + 3) << 2));
      a += t1;
      e = t1 + (rotr<u32>(f, 2) ^ rotr<u32>(f, 13) ^ rotr<u32>(f, 22)) + ((f & g) | (h & (f | g)));
    }
    {
      const t1 = d + (rotr<u32>(a, 6) ^ rotr<u32>(a, 11) ^ rotr<u32>(a, 25)) + (c ^ (a & (b ^ c))) + load<u32>(K + ((t + 4) << 2)) + load<u32>(wScalar + ((t + 4) << 2));
      h += t1;
      d = t1 + (rotr<u32>(e, 2) ^ rotr<u32>(e, 13) ^ rotr<u32>(e, 22)) + ((e & f) | (g & (e | f)));
    }
    {
      const t1 = c + (rotr<u32>(h, 6) ^ rotr<u32>(h, 11) ^ rotr<u32>(h, 25)) + (b ^ (h & (a ^ b))) + load<u32>(K + ((t + 5) << 2)) + load<u32>(wScalar + ((t + 5) << 2));
      g += t1;
      c = t1 + (rotr<u32>(d, 2) ^ rotr<u32>(d, 13) ^ rotr<u32>(d, 22)) + ((d & e) | (f & (d | e)));
    }
    {
      const t1 = b + (rotr<u32>(g, 6) ^ rotr<u32>(g, 11) ^ rotr<u32>(g, 25)) + (a ^ (g & (h ^ a))) + load<u32>(K + ((t + 6) << 2)) + load<u32>(wScalar + ((t + 6) << 2));
      f += t1;
      b = t1 + (rotr<u32>(c, 2) ^ rotr<u32>(c, 13) ^ rotr<u32>(c, 22)) + ((c & d) | (e & (c | d)));
    }
    {
      const t1 = a + (rotr<u32>(f, 6) ^ rotr<u32>(f, 11) ^ rotr<u32>(f, 25)) + (h ^ (f & (g ^ h))) + load<u32>(K + ((t + 7) << 2)) + load<u32>(wScalar + ((t + 7) << 2));
      e += t1;
      a = t1 + (rotr<u32>(b, 2) ^ rotr<u32>(b, 13) ^ rotr<u32>(b, 22)) + ((b & c) | (d & (b | c)));
    }
  }
  store<u32>(state, load<u32>(state, 0) + a, 0);
  store<u32>(state, load<u32>(state, 4) + b, 4);
  store<u32>(state, load<u32>(state, 8) + c, 8);
  store<u32>(state, load<u32>(state, 12) + d, 12);
  store<u32>(state, load<u32>(state, 16) + e, 16);
  store<u32>(state, load<u32>(state, 20) + f, 20);
  store<u32>(state, load<u32>(state, 24) + g, 24);
  store<u32>(state, load<u32>(state, 28) + h, 28);
}

/** Number of 64-byte blocks a message of `length` bytes pads to (0x80, zeros, 64-bit length). */
// @ts-ignore: decorator
@inline function paddedBlocks(length: u32): u32 {
  return (length + 9 + 63) >>> 6;
}

/**
 * Copies `length` bytes; small copies stay inline because V8 compiles `memory.copy` to a
 * call into the runtime, which costs more than the bytes of a short block.
 */
// @ts-ignore: decorator
@inline function copySmall(target: usize, source: usize, length: usize): void {
  let done: usize = 0;
  while (done + 16 <= length) {
    v128.store(target + done, v128.load(source + done));
    done += 16;
  }
  while (done < length) {
    store<u8>(target + done, load<u8>(source + done));
    done++;
  }
}

// @ts-ignore: decorator
@inline function zero64(target: usize): void {
  const zero = i32x4.splat(0);
  v128.store(target, zero, 0);
  v128.store(target, zero, 16);
  v128.store(target, zero, 32);
  v128.store(target, zero, 48);
}

/**
 * Writes block `index` of the padded message (prefix ‖ data) into `target` (64 bytes).
 * `prefixLength` is 0 or 1 (RFC 9162 leaf/node domain byte). Full blocks are copied, the
 * tail gets 0x80, zeros and the 64-bit big-endian bit length (FIPS 180-4 §5.1.1).
 */
function buildBlock(target: usize, data: usize, dataLength: u32, prefix: u32, prefixLength: u32, index: u32): void {
  const totalLength = dataLength + prefixLength;
  const start = index << 6;
  // Bytes of (prefix ‖ data) that land in this block.
  let end = start + 64;
  if (end > totalLength) end = totalLength;
  if (end < start) end = start; // a padding-only block past the data
  if (end - start < 64) zero64(target);
  let out = target;
  let position = start;
  if (position < prefixLength && position < end) {
    store<u8>(out, <u8>prefix);
    out++;
    position++;
  }
  if (position < end) {
    copySmall(out, data + position - prefixLength, end - position);
    out += end - position;
  }
  if (end - start < 64) {
    // Tail: the 0x80 marker goes right after the data if it lies in this block.
    const used = <u32>(out - target);
    if (start + used == totalLength) store<u8>(target + used, 0x80);
    if (index == paddedBlocks(totalLength) - 1) {
      const bits: u64 = <u64>totalLength << 3;
      store<u64>(target + 56, bswap<u64>(bits));
    }
  }
}

function hashOneInto(data: usize, dataLength: u32, prefix: u32, prefixLength: u32, out: usize): void {
  memory.copy(stateScalar, IV, 32);
  const blocks = paddedBlocks(dataLength + prefixLength);
  for (let i: u32 = 0; i < blocks; i++) {
    const start = i << 6;
    if (prefixLength == 0 && start + 64 <= dataLength) {
      compressScalar(stateScalar, data + start);
    } else {
      buildBlock(tailScalar, data, dataLength, prefix, prefixLength, i);
      compressScalar(stateScalar, tailScalar);
    }
  }
  for (let w: usize = 0; w < 8; w++) storeBe32(out + (w << 2), load<u32>(stateScalar + (w << 2)));
}

/** SHA-256 of `length` bytes at `data`, written as 32 bytes at `out` (scalar path). */
export function sha256(data: usize, length: u32, out: usize): void {
  hashOneInto(data, length, 0, 0, out);
}

// ---------------------------------------------------------------------------------------
// 4-lane SIMD compression

// @ts-ignore: decorator
@inline function vrotr(x: v128, n: i32): v128 {
  return v128.or(i32x4.shr_u(x, n), i32x4.shl(x, 32 - n));
}

// @ts-ignore: decorator
@inline function bswapLanes(x: v128): v128 {
  return i8x16.shuffle(x, x, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
}

// Σ1(e) and Σ0(a) of FIPS 180-4 §4.1.2, on four lanes. Ch(e, f, g) is bitselect(f, g, e)
// (e selects f, else g).
// @ts-ignore: decorator
@inline function bigSigma1(e: v128): v128 {
  return v128.xor(v128.xor(vrotr(e, 6), vrotr(e, 11)), vrotr(e, 25));
}

// @ts-ignore: decorator
@inline function bigSigma0(a: v128): v128 {
  return v128.xor(v128.xor(vrotr(a, 2), vrotr(a, 13)), vrotr(a, 22));
}

/**
 * Compresses the four lane blocks at `blockLanes` into the four lane states at `stateLanes`.
 * Lanes that hold no job compress garbage; their state is never read.
 */
function compress4(): void {
  // Message words: transpose each lane's 16-byte rows into word-major vectors, byte-swapped.
  for (let q: usize = 0; q < 4; q++) {
    storeWordRows(
      q,
      v128.load(blockLanes + (q << 4)),
      v128.load(blockLanes + laneStride + (q << 4)),
      v128.load(blockLanes + 2 * laneStride + (q << 4)),
      v128.load(blockLanes + 3 * laneStride + (q << 4)),
    );
  }
  compressWords();
}

/**
 * Row q (bytes 16q..16q+15) of the four lanes' blocks → message words W[4q..4q+3], each a
 * big-endian word from every lane (a 4×4 transpose of 32-bit lanes, then a byte swap).
 */
// @ts-ignore: decorator
@inline function storeWordRows(q: usize, r0: v128, r1: v128, r2: v128, r3: v128): void {
  const t0 = v128.shuffle<u32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<u32>(r2, r3, 0, 4, 1, 5);
  const t2 = v128.shuffle<u32>(r0, r1, 2, 6, 3, 7);
  const t3 = v128.shuffle<u32>(r2, r3, 2, 6, 3, 7);
  const base = wkLanes + (q << 6);
  v128.store(base, bswapLanes(v128.shuffle<u64>(t0, t1, 0, 2)), 0);
  v128.store(base, bswapLanes(v128.shuffle<u64>(t0, t1, 1, 3)), 16);
  v128.store(base, bswapLanes(v128.shuffle<u64>(t2, t3, 0, 2)), 32);
  v128.store(base, bswapLanes(v128.shuffle<u64>(t2, t3, 1, 3)), 48);
}

/**
 * Compresses message words W[0..15] (at `wkLanes`, word-major, four lanes) into the four lane
 * states. The Merkle paths build W in registers and call this directly: a block assembled
 * with unaligned byte stores and read back as vectors would stall store forwarding.
 */
function compressWords(): void {
  // Schedule (FIPS 180-4 §6.2.2 step 1), in place; K is added afterwards so the schedule
  // reads plain W.
  for (let t: usize = 16; t < 64; t++) {
    const w15 = v128.load(wkLanes + ((t - 15) << 4));
    const w2 = v128.load(wkLanes + ((t - 2) << 4));
    const s0 = v128.xor(v128.xor(vrotr(w15, 7), vrotr(w15, 18)), i32x4.shr_u(w15, 3));
    const s1 = v128.xor(v128.xor(vrotr(w2, 17), vrotr(w2, 19)), i32x4.shr_u(w2, 10));
    const w = i32x4.add(
      i32x4.add(s1, v128.load(wkLanes + ((t - 7) << 4))),
      i32x4.add(s0, v128.load(wkLanes + ((t - 16) << 4))),
    );
    v128.store(wkLanes + (t << 4), w);
  }
  let a = v128.load(stateLanes, 0);
  let b = v128.load(stateLanes, 16);
  let c = v128.load(stateLanes, 32);
  let d = v128.load(stateLanes, 48);
  let e = v128.load(stateLanes, 64);
  let f = v128.load(stateLanes, 80);
  let g = v128.load(stateLanes, 96);
  let h = v128.load(stateLanes, 112);
  // 64 rounds, eight per iteration with the working variables renamed instead of moved
  // (FIPS 180-4 §6.2.2 step 3: each round only writes d and h).
  // Maj(a, b, c) = b ^ ((a ^ b) & (b ^ c)); this round's a ^ b is the next round's b ^ c.
  let bc = v128.xor(b, c);
  for (let t: usize = 0; t < 64; t += 8) {
    {
      const kw = i32x4.add(v128.load(wkLanes + ((t + 0) << 4)), v128.load(KV + ((t + 0) << 4)));
      const t1 = i32x4.add(i32x4.add(h, bigSigma1(e)), i32x4.add(v128.bitselect(f, g, e), kw));
      d = i32x4.add(d, t1);
      const ab = v128.xor(a, b);
      h = i32x4.add(t1, i32x4.add(bigSigma0(a), v128.xor(b, v128.and(ab, bc))));
      bc = ab;
    }
    {
      const kw = i32x4.add(v128.load(wkLanes + ((t + 1) << 4)), v128.load(KV + ((t + 1) << 4)));
      const t1 = i32x4.add(i32x4.add(g, bigSigma1(d)), i32x4.add(v128.bitselect(e, f, d), kw));
      c = i32x4.add(c, t1);
      const ab = v128.xor(h, a);
      g = i32x4.add(t1, i32x4.add(bigSigma0(h), v128.xor(a, v128.and(ab, bc))));
      bc = ab;
    }
    {
      const kw = i32x4.add(v128.load(wkLanes + ((t + 2) << 4)), v128.load(KV + ((t + 2) << 4)));
      const t1 = i32x4.add(i32x4.add(f, bigSigma1(c)), i32x4.add(v128.bitselect(d, e, c), kw));
      b = i32x4.add(b, t1);
      const ab = v128.xor(g, h);
      f = i32x4.add(t1, i32x4.add(bigSigma0(g), v128.xor(h, v128.and(ab, bc))));
      bc = ab;
    }
    {
      const kw = i32x4.add(v128.load(wkLanes + ((t + 3) << 4)), v128.load(KV + ((t + 3) << 4)));
      const t1 = i32x4.add(i32x4.add(e, bigSigma1(b)), i32x4.add(v128.bitselect(c, d, b), kw));
      a = i32x4.add(a, t1);
      const ab = v128.xor(f, g);
      e = i32x4.add(t1, i32x4.add(bigSigma0(f), v128.xor(g, v128.and(ab, bc))));
      bc = ab;
    }
    {
      const kw = i32x4.add(v128.load(wkLanes + ((t + 4) << 4)), v128.load(KV + ((t + 4) << 4)));
      const t1 = i32x4.add(i32x4.add(d, bigSigma1(a)), i32x4.add(v128.bitselect(b, c, a), kw));
      h = i32x4.add(h, t1);
      const ab = v128.xor(e, f);
      d = i32x4.add(t1, i32x4.add(bigSigma0(e), v128.xor(f, v128.and(ab, bc))));
      bc = ab;
    }
    {
      const kw = i32x4.add(v128.load(wkLanes + ((t + 5) << 4)), v128.load(KV + ((t + 5) << 4)));
      const t1 = i32x4.add(i32x4.add(c, bigSigma1(h)), i32x4.add(v128.bitselect(a, b, h), kw));
      g = i32x4.add(g, t1);
      const ab = v128.xor(d, e);
      c = i32x4.add(t1, i32x4.add(bigSigma0(d), v128.xor(e, v128.and(ab, bc))));
      bc = ab;
    }
    {
      const kw = i32x4.add(v128.load(wkLanes + ((t + 6) << 4)), v128.load(KV + ((t + 6) << 4)));
      const t1 = i32x4.add(i32x4.add(b, bigSigma1(g)), i32x4.add(v128.bitselect(h, a, g), kw));
      f = i32x4.add(f, t1);
      const ab = v128.xor(c, d);
      b = i32x4.add(t1, i32x4.add(bigSigma0(c), v128.xor(d, v128.and(ab, bc))));
      bc = ab;
    }
    {
      const kw = i32x4.add(v128.load(wkLanes + ((t + 7) << 4)), v128.load(KV + ((t + 7) << 4)));
      const t1 = i32x4.add(i32x4.add(a, bigSigma1(f)), i32x4.add(v128.bitselect(g, h, f), kw));
      e = i32x4.add(e, t1);
      const ab = v128.xor(b, c);
      a = i32x4.add(t1, i32x4.add(bigSigma0(b), v128.xor(c, v128.and(ab, bc))));
      bc = ab;
    }
  }
  v128.store(stateLanes, i32x4.add(v128.load(stateLanes, 0), a), 0);
  v128.store(stateLanes, i32x4.add(v128.load(stateLanes, 16), b), 16);
  v128.store(stateLanes, i32x4.add(v128.load(stateLanes, 32), c), 32);
  v128.store(stateLanes, i32x4.add(v128.load(stateLanes, 48), d), 48);
  v128.store(stateLanes, i32x4.add(v128.load(stateLanes, 64), e), 64);
  v128.store(stateLanes, i32x4.add(v128.load(stateLanes, 80), f), 80);
  v128.store(stateLanes, i32x4.add(v128.load(stateLanes, 96), g), 96);
  v128.store(stateLanes, i32x4.add(v128.load(stateLanes, 112), h), 112);
}

function laneReset(lane: usize): void {
  for (let w: usize = 0; w < 8; w++) {
    store<u32>(stateLanes + (w << 4) + (lane << 2), load<u32>(IV + (w << 2)));
  }
}

function laneDigest(lane: usize, out: usize): void {
  for (let w: usize = 0; w < 8; w++) {
    storeBe32(out + (w << 2), load<u32>(stateLanes + (w << 4) + (lane << 2)));
  }
}

/** Sets all four lane states to the IV with vector stores (no scalar-store/vector-load stall). */
function resetAllLanes(): void {
  for (let w: usize = 0; w < 8; w++) v128.store(stateLanes + (w << 4), i32x4.splat(load<u32>(IV + (w << 2))));
}

/**
 * Writes the digests of lanes 0..lanes-1 to `out + 32 j`: the word-major state is transposed
 * back to each lane's eight words in registers and byte-swapped to big-endian.
 */
function digestLanes(out: usize, lanes: u32): void {
  for (let half: usize = 0; half < 2; half++) {
    const s0 = v128.load(stateLanes + (half << 6), 0);
    const s1 = v128.load(stateLanes + (half << 6), 16);
    const s2 = v128.load(stateLanes + (half << 6), 32);
    const s3 = v128.load(stateLanes + (half << 6), 48);
    const t0 = v128.shuffle<u32>(s0, s1, 0, 4, 1, 5);
    const t1 = v128.shuffle<u32>(s2, s3, 0, 4, 1, 5);
    const t2 = v128.shuffle<u32>(s0, s1, 2, 6, 3, 7);
    const t3 = v128.shuffle<u32>(s2, s3, 2, 6, 3, 7);
    const target = out + (half << 4);
    v128.store(target, bswapLanes(v128.shuffle<u64>(t0, t1, 0, 2)), 0);
    if (lanes > 1) v128.store(target, bswapLanes(v128.shuffle<u64>(t0, t1, 1, 3)), 32);
    if (lanes > 2) v128.store(target, bswapLanes(v128.shuffle<u64>(t2, t3, 0, 2)), 64);
    if (lanes > 3) v128.store(target, bswapLanes(v128.shuffle<u64>(t2, t3, 1, 3)), 96);
  }
}

/** Bytes 0..15 with `byte` at position 15: the vector that shifts a domain byte in front. */
// @ts-ignore: decorator
@inline function lastByte(byte: i32): v128 {
  return i8x16.replace_lane(i32x4.splat(0), 15, <i8>byte);
}

/** The 16 bytes starting one byte before `next`: previous vector's last byte, then next[0..14]. */
// @ts-ignore: decorator
@inline function shiftIn(previous: v128, next: v128): v128 {
  return i8x16.shuffle(previous, next, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30);
}

/**
 * Multi-buffer hashing of `count` messages (prefix ‖ message i), message i being the bytes
 * `[data + offsets[i], data + offsets[i + 1])`; digest i goes to `out + 32 i`. A lane that
 * finishes its message takes the next one, so messages of mixed lengths keep all four lanes
 * busy (the job-scheduler form of multi-buffer hashing).
 */
function hashManyPrefixed(data: usize, offsets: usize, count: u32, prefix: u32, prefixLength: u32, out: usize): void {
  if (count == 0) return;
  if (count == 1) {
    const start = load<u32>(offsets);
    hashOneInto(data + start, load<u32>(offsets, 4) - start, prefix, prefixLength, out);
    return;
  }
  let next: u32 = 0;
  for (let lane: usize = 0; lane < <usize>laneCount; lane++) store<u32>(laneActive + (lane << 2), 0);
  while (true) {
    let active = 0;
    for (let lane: usize = 0; lane < <usize>laneCount; lane++) {
      if (load<u32>(laneActive + (lane << 2)) == 0 && next < count) {
        const start = load<u32>(offsets + (<usize>next << 2));
        const length = load<u32>(offsets + (<usize>next << 2), 4) - start;
        store<u32>(laneMessage + (lane << 2), next);
        store<u32>(laneBlock + (lane << 2), 0);
        store<u32>(laneBlocks + (lane << 2), paddedBlocks(length + prefixLength));
        store<u32>(laneActive + (lane << 2), 1);
        laneReset(lane);
        next++;
      }
      if (load<u32>(laneActive + (lane << 2)) != 0) {
        active++;
        const message = load<u32>(laneMessage + (lane << 2));
        const start = load<u32>(offsets + (<usize>message << 2));
        const length = load<u32>(offsets + (<usize>message << 2), 4) - start;
        const index = load<u32>(laneBlock + (lane << 2));
        const target = blockLanes + lane * <usize>laneStride;
        const blockStart = index << 6;
        if (prefixLength == 0 && blockStart + 64 <= length) {
          const source = data + start + blockStart;
          v128.store(target, v128.load(source, 0), 0);
          v128.store(target, v128.load(source, 16), 16);
          v128.store(target, v128.load(source, 32), 32);
          v128.store(target, v128.load(source, 48), 48);
        } else {
          buildBlock(target, data + start, length, prefix, prefixLength, index);
        }
      }
    }
    if (active == 0) break;
    compress4();
    for (let lane: usize = 0; lane < <usize>laneCount; lane++) {
      if (load<u32>(laneActive + (lane << 2)) == 0) continue;
      const index = load<u32>(laneBlock + (lane << 2)) + 1;
      store<u32>(laneBlock + (lane << 2), index);
      if (index == load<u32>(laneBlocks + (lane << 2))) {
        laneDigest(lane, out + (<usize>load<u32>(laneMessage + (lane << 2)) << 5));
        store<u32>(laneActive + (lane << 2), 0);
      }
    }
  }
}

/**
 * SHA-256 of `count` messages in one call: message i is `[data + offsets[i], data +
 * offsets[i + 1])` (`offsets` holds count + 1 u32 values); digest i is written at `out + 32 i`.
 */
export function sha256Many(data: usize, offsets: usize, count: u32, out: usize): void {
  hashManyPrefixed(data, offsets, count, 0, 0, out);
}

/** RFC 9162 §2.1.1 leaf hashes: digest i = SHA-256(0x00 ‖ message i), layout as sha256Many. */
export function merkleLeafHashes(data: usize, offsets: usize, count: u32, out: usize): void {
  hashManyPrefixed(data, offsets, count, 0x00, 1, out);
}

/**
 * One Merkle level (RFC 9162 §2.1.1 interior nodes): for i < pairs,
 * `out + 32 i` ← SHA-256(0x01 ‖ children[2i] ‖ children[2i + 1]), children being 32-byte
 * hashes at `children`. Four nodes at a time, one per SIMD lane. `out` may equal `children`
 * (the level is then rewritten in place: node i is written after children 2i, 2i + 1 are read).
 */
export function merkleNodeLevel(children: usize, pairs: u32, out: usize): void {
  const domain = lastByte(0x01);
  // Block 2 is right[31] ‖ 0x80 ‖ zeros ‖ 520 (bits): only word 0 varies.
  const zero = i32x4.splat(0);
  let node: u32 = 0;
  while (node < pairs) {
    let lanes = pairs - node;
    if (lanes > <u32>laneCount) lanes = <u32>laneCount;
    // Idle lanes (a short last group) rehash the group's first node; their digests are dropped.
    const s0 = children + (<usize>node << 6);
    const s1 = lanes > 1 ? s0 + 64 : s0;
    const s2 = lanes > 2 ? s0 + 128 : s0;
    const s3 = lanes > 3 ? s0 + 192 : s0;
    // Block 1: 0x01 ‖ left ‖ right[0..31), row q = the children's bytes shifted right by one.
    let p0 = domain, p1 = domain, p2 = domain, p3 = domain;
    for (let q: usize = 0; q < 4; q++) {
      const c0 = v128.load(s0 + (q << 4));
      const c1 = v128.load(s1 + (q << 4));
      const c2 = v128.load(s2 + (q << 4));
      const c3 = v128.load(s3 + (q << 4));
      storeWordRows(q, shiftIn(p0, c0), shiftIn(p1, c1), shiftIn(p2, c2), shiftIn(p3, c3));
      p0 = c0;
      p1 = c1;
      p2 = c2;
      p3 = c3;
    }
    resetAllLanes();
    compressWords();
    let w0 = i32x4.splat(0x00800000);
    w0 = i32x4.replace_lane(w0, 0, 0x00800000 | (<i32>load<u8>(s0, 63) << 24));
    w0 = i32x4.replace_lane(w0, 1, 0x00800000 | (<i32>load<u8>(s1, 63) << 24));
    w0 = i32x4.replace_lane(w0, 2, 0x00800000 | (<i32>load<u8>(s2, 63) << 24));
    w0 = i32x4.replace_lane(w0, 3, 0x00800000 | (<i32>load<u8>(s3, 63) << 24));
    v128.store(wkLanes, w0, 0);
    for (let t: usize = 1; t < 15; t++) v128.store(wkLanes + (t << 4), zero);
    v128.store(wkLanes + (15 << 4), i32x4.splat(520));
    compressWords();
    digestLanes(out + (<usize>node << 5), lanes);
    node += lanes;
  }
}

/**
 * One step of many RFC 9162 §2.1.3.2 inclusion-proof walks at once: for i < count, node i
 * becomes SHA-256(0x01 ‖ sibling ‖ node) when its side byte is 1 (the sibling is the left
 * child) and SHA-256(0x01 ‖ node ‖ sibling) when it is 0. `nodes` holds the running 32-byte
 * hashes (rewritten in place); proof i's sibling for this step is at
 * `siblings + i × siblingStride` and its side byte at `sides + i × sideStride` (proof-major
 * layouts: each proof's whole path is copied in once); `pairs` is room for count 64-byte
 * pairs, assembled here and hashed by merkleNodeLevel four at a time.
 */
export function merklePathStep(
  nodes: usize,
  siblings: usize,
  siblingStride: u32,
  sides: usize,
  sideStride: u32,
  count: u32,
  pairs: usize,
): void {
  for (let i: u32 = 0; i < count; i++) {
    const node = nodes + (<usize>i << 5);
    const sibling = siblings + <usize>i * <usize>siblingStride;
    const pair = pairs + (<usize>i << 6);
    const n0 = v128.load(node, 0), n1 = v128.load(node, 16);
    const s0 = v128.load(sibling, 0), s1 = v128.load(sibling, 16);
    if (load<u8>(sides + <usize>i * <usize>sideStride) != 0) {
      v128.store(pair, s0, 0);
      v128.store(pair, s1, 16);
      v128.store(pair, n0, 32);
      v128.store(pair, n1, 48);
    } else {
      v128.store(pair, n0, 0);
      v128.store(pair, n1, 16);
      v128.store(pair, s0, 32);
      v128.store(pair, s1, 48);
    }
  }
  merkleNodeLevel(pairs, count, nodes);
}

/**
 * RFC 9162 leaf hashes of `count` 32-byte leaves stored back to back at `leaves`:
 * `out + 32 i` ← SHA-256(0x00 ‖ leaf i). The common case (leaves that are themselves
 * hashes or keys) gets its own path: each padded block is 0x00 ‖ leaf ‖ 0x80 ‖ zeros ‖ 264,
 * so only the 32 leaf bytes change from one block to the next.
 */
export function merkleLeafHashes32(leaves: usize, count: u32, out: usize): void {
  const domain = lastByte(0x00);
  const marker = i8x16.replace_lane(i32x4.splat(0), 0, <i8>0x80);
  const zero = i32x4.splat(0);
  let leaf: u32 = 0;
  while (leaf < count) {
    let lanes = count - leaf;
    if (lanes > <u32>laneCount) lanes = <u32>laneCount;
    const s0 = leaves + (<usize>leaf << 5);
    const s1 = lanes > 1 ? s0 + 32 : s0;
    const s2 = lanes > 2 ? s0 + 64 : s0;
    const s3 = lanes > 3 ? s0 + 96 : s0;
    const a0 = v128.load(s0, 0), b0 = v128.load(s0, 16);
    const a1 = v128.load(s1, 0), b1 = v128.load(s1, 16);
    const a2 = v128.load(s2, 0), b2 = v128.load(s2, 16);
    const a3 = v128.load(s3, 0), b3 = v128.load(s3, 16);
    // Rows: 0x00 ‖ leaf[0..15) | leaf[15..31) | leaf[31] ‖ 0x80 ‖ zeros | zeros ‖ 264 (bits).
    storeWordRows(0, shiftIn(domain, a0), shiftIn(domain, a1), shiftIn(domain, a2), shiftIn(domain, a3));
    storeWordRows(1, shiftIn(a0, b0), shiftIn(a1, b1), shiftIn(a2, b2), shiftIn(a3, b3));
    storeWordRows(2, shiftIn(b0, marker), shiftIn(b1, marker), shiftIn(b2, marker), shiftIn(b3, marker));
    v128.store(wkLanes + (12 << 4), zero);
    v128.store(wkLanes + (13 << 4), zero);
    v128.store(wkLanes + (14 << 4), zero);
    v128.store(wkLanes + (15 << 4), i32x4.splat(264));
    resetAllLanes();
    compressWords();
    digestLanes(out + (<usize>leaf << 5), lanes);
    leaf += lanes;
  }
}

/** Scalar-path twin of sha256Many, exported so tests can check that both paths agree. */
export function sha256ManyScalar(data: usize, offsets: usize, count: u32, out: usize): void {
  for (let i: u32 = 0; i < count; i++) {
    const start = load<u32>(offsets + (<usize>i << 2));
    const length = load<u32>(offsets + (<usize>i << 2), 4) - start;
    hashOneInto(data + start, length, 0, 0, out + (<usize>i << 5));
  }
}
