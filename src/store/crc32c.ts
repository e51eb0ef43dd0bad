/**
 * CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected 0x82F63B78; RFC 3720 §B.4), the
 * checksum LevelDB puts on every log record and table block, and LevelDB's masking of a
 * stored CRC (leveldb/util/crc32c.h `Mask`: rotate right by 15, add 0xa282ead8). The store
 * reads LevelDB's files itself before LevelDB's recovery runs (src/store/leveldb-log.ts), so
 * it needs the same checksum. Slicing-by-8: eight 256-entry tables, eight bytes a step.
 *
 * Test vectors (leveldb/util/crc32c_test.cc, RFC 3720 §B.4): 32 zero bytes → 0x8a9136aa,
 * 32 bytes of 0xff → 0x62a8ab43, "123456789" → 0xe3069283.
 */

const polynomialReflected = 0x82f63b78;
const maskDelta = 0xa282ead8;

/** tables[t * 256 + b]: the CRC of byte b followed by t zero bytes. */
const tables = (() => {
  const table = new Uint32Array(8 * 256);
  for (let b = 0; b < 256; b++) {
    let crc = b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ polynomialReflected : crc >>> 1;
    table[b] = crc;
  }
  for (let t = 1; t < 8; t++) {
    for (let b = 0; b < 256; b++) {
      const previous = table[(t - 1) * 256 + b] as number;
      table[t * 256 + b] = (previous >>> 8) ^ (table[previous & 0xff] as number);
    }
  }
  return table;
})();

/** CRC-32C of `bytes[start, end)`, continuing from `crc` (the CRC of what came before; 0 to start). */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0): number {
  let c = ~crc >>> 0;
  let i = start;
  const t = tables;
  for (; i + 8 <= end; i += 8) {
    const low =
      (c ^
        ((bytes[i] as number) |
          ((bytes[i + 1] as number) << 8) |
          ((bytes[i + 2] as number) << 16) |
          ((bytes[i + 3] as number) << 24))) >>>
      0;
    c =
      (t[7 * 256 + (low & 0xff)] as number) ^
      (t[6 * 256 + ((low >>> 8) & 0xff)] as number) ^
      (t[5 * 256 + ((low >>> 16) & 0xff)] as number) ^
      (t[4 * 256 + (low >>> 24)] as number) ^
      (t[3 * 256 + (bytes[i + 4] as number)] as number) ^
      (t[2 * 256 + (bytes[i + 5] as number)] as number) ^
      (t[256 + (bytes[i + 6] as number)] as number) ^
      (t[bytes[i + 7] as number] as number);
  }
  for (; i < end; i++) c = (t[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}

/** A stored CRC as LevelDB masks it (a CRC of data that holds CRCs is then not a CRC of itself). */
export function maskCrc(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + maskDelta) >>> 0;
}

/** The CRC a masked value stands for. */
export function unmaskCrc(masked: number): number {
  const rotated = (masked - maskDelta) >>> 0;
  return ((rotated >>> 17) | (rotated << 15)) >>> 0;
}
