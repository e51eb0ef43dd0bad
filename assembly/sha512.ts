// SHA-512 (FIPS 180-4 §6.4), streaming, over one static state.
//
// Ed25519 needs SHA-512 of `R ‖ A ‖ M` (RFC 8032 §5.1.7) without first copying the three
// pieces together, so the core is init / update / final over a static context rather than a
// one-shot function. Nothing allocates: the state, the partial block and the message schedule
// are static data below __heap_base (DESIGN.md decision 3). One context is enough because
// wasm calls are single-threaded per instance and no caller interleaves two digests.

// Round constants K[0..79] (FIPS 180-4 §4.2.3).
const K: usize = memory.data<u64>([
  0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc,
  0x3956c25bf348b538, 0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118,
  0xd807aa98a3030242, 0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
  0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235, 0xc19bf174cf692694,
  0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
  0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
  0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4,
  0xc6e00bf33da88fc2, 0xd5a79147930aa725, 0x06ca6351e003826f, 0x142929670a0e6e70,
  0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
  0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
  0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30,
  0xd192e819d6ef5218, 0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
  0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8,
  0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3,
  0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
  0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b,
  0xca273eceea26619c, 0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178,
  0x06f067aa72176fba, 0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
  0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc, 0x431d67c49c100d4c,
  0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
], 8);

// Initial hash value H(0) (FIPS 180-4 §5.3.5).
const IV: usize = memory.data<u64>([
  0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
  0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
], 8);

const blockBytes: usize = 128;
const stateH: usize = memory.data(64, 8); // H0..H7, native (little-endian) u64
const stateW: usize = memory.data(640, 8); // message schedule W0..W79
const pendingBlock: usize = memory.data(128, 8); // partial block awaiting more input
let pendingBytes: usize = 0;
// Total message length in bytes; u64 is enough here (wasm32 inputs are < 2^32 bytes each,
// and a digest never spans more than a few of them).
let totalBytes: u64 = 0;

// Compresses one 128-byte block at `block` into stateH. Kept a separate (non-inlined)
// function: it is the hot loop body, and V8 tiers up functions, not loops.
function compressBlock(block: usize): void {
  for (let t: usize = 0; t < 16; t++) {
    store<u64>(stateW + (t << 3), bswap<u64>(load<u64>(block + (t << 3))));
  }
  for (let t: usize = 16; t < 80; t++) {
    const w15 = load<u64>(stateW + ((t - 15) << 3));
    const w2 = load<u64>(stateW + ((t - 2) << 3));
    const s0 = rotr<u64>(w15, 1) ^ rotr<u64>(w15, 8) ^ (w15 >> 7);
    const s1 = rotr<u64>(w2, 19) ^ rotr<u64>(w2, 61) ^ (w2 >> 6);
    store<u64>(
      stateW + (t << 3),
      load<u64>(stateW + ((t - 16) << 3)) + s0 + load<u64>(stateW + ((t - 7) << 3)) + s1,
    );
  }
  let a = load<u64>(stateH, 0);
  let b = load<u64>(stateH, 8);
  let c = load<u64>(stateH, 16);
  let d = load<u64>(stateH, 24);
  let e = load<u64>(stateH, 32);
  let f = load<u64>(stateH, 40);
  let g = load<u64>(stateH, 48);
  let h = load<u64>(stateH, 56);
  for (let t: usize = 0; t < 80; t++) {
    const s1 = rotr<u64>(e, 14) ^ rotr<u64>(e, 18) ^ rotr<u64>(e, 41);
    const ch = (e & f) ^ (~e & g);
    const t1 = h + s1 + ch + load<u64>(K + (t << 3)) + load<u64>(stateW + (t << 3));
    const s0 = rotr<u64>(a, 28) ^ rotr<u64>(a, 34) ^ rotr<u64>(a, 39);
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = s0 + maj;
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  store<u64>(stateH, load<u64>(stateH, 0) + a, 0);
  store<u64>(stateH, load<u64>(stateH, 8) + b, 8);
  store<u64>(stateH, load<u64>(stateH, 16) + c, 16);
  store<u64>(stateH, load<u64>(stateH, 24) + d, 24);
  store<u64>(stateH, load<u64>(stateH, 32) + e, 32);
  store<u64>(stateH, load<u64>(stateH, 40) + f, 40);
  store<u64>(stateH, load<u64>(stateH, 48) + g, 48);
  store<u64>(stateH, load<u64>(stateH, 56) + h, 56);
}

/** Starts a new digest in the static context. */
export function sha512Init(): void {
  memory.copy(stateH, IV, 64);
  pendingBytes = 0;
  totalBytes = 0;
}

/** Absorbs `length` bytes at `ptr` into the static context. */
export function sha512Update(ptr: usize, length: usize): void {
  totalBytes += <u64>length;
  if (pendingBytes > 0) {
    const take = min(blockBytes - pendingBytes, length);
    memory.copy(pendingBlock + pendingBytes, ptr, take);
    pendingBytes += take;
    ptr += take;
    length -= take;
    if (pendingBytes < blockBytes) return;
    compressBlock(pendingBlock);
    pendingBytes = 0;
  }
  while (length >= blockBytes) {
    compressBlock(ptr);
    ptr += blockBytes;
    length -= blockBytes;
  }
  if (length > 0) {
    memory.copy(pendingBlock, ptr, length);
    pendingBytes = length;
  }
}

/** Pads, finishes the digest and writes its 64 bytes to `outPtr`. */
export function sha512Final(outPtr: usize): void {
  // Padding (FIPS 180-4 §5.1.2): 0x80, zeros, then the 128-bit big-endian bit length.
  store<u8>(pendingBlock + pendingBytes, 0x80);
  pendingBytes++;
  if (pendingBytes > blockBytes - 16) {
    memory.fill(pendingBlock + pendingBytes, 0, blockBytes - pendingBytes);
    compressBlock(pendingBlock);
    pendingBytes = 0;
  }
  memory.fill(pendingBlock + pendingBytes, 0, blockBytes - 16 - pendingBytes);
  store<u64>(pendingBlock + 112, bswap<u64>(totalBytes >> 61));
  store<u64>(pendingBlock + 120, bswap<u64>(totalBytes << 3));
  compressBlock(pendingBlock);
  pendingBytes = 0;
  for (let i: usize = 0; i < 8; i++) {
    store<u64>(outPtr + (i << 3), bswap<u64>(load<u64>(stateH + (i << 3))));
  }
}

/** One-shot SHA-512 of `length` bytes at `ptr`, 64-byte digest to `outPtr`. */
export function sha512(ptr: usize, length: usize, outPtr: usize): void {
  sha512Init();
  sha512Update(ptr, length);
  sha512Final(outPtr);
}

/**
 * SHA-512 of `count` messages in one call. `offsetsPtr` holds `count + 1` u32 byte offsets
 * relative to `dataPtr` (message i is `[offsets[i], offsets[i+1])`); digests go to `outPtr`,
 * 64 bytes each, in order.
 */
export function sha512Many(dataPtr: usize, offsetsPtr: usize, count: u32, outPtr: usize): void {
  for (let i: usize = 0; i < <usize>count; i++) {
    const start = <usize>load<u32>(offsetsPtr + (i << 2));
    const end = <usize>load<u32>(offsetsPtr + ((i + 1) << 2));
    sha512(dataPtr + start, end - start, outPtr + (i << 6));
  }
}
