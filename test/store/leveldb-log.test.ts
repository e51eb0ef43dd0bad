/**
 * The LevelDB log scanner (src/store/leveldb-log.ts) predicts what LevelDB's recovery drops:
 * CRC-32C against its published vectors, and the scanner against LevelDB itself — for byte
 * flips at chosen and seeded random offsets of a real log, the drops the scanner says LevelDB
 * reports are exactly the "(ignoring error) … dropping N bytes; Corruption: …" lines LevelDB
 * writes to its LOG when it recovers a copy.
 */
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Level } from 'level';
import { afterAll, describe, expect, it } from 'vitest';
import { Prng } from '../../src/prng.js';
import { crc32c, maskCrc, unmaskCrc } from '../../src/store/crc32c.js';
import { BlockStore } from '../../src/store/index.js';
import { logBlockBytes, scanLogBytes } from '../../src/store/leveldb-log.js';
import { fuzzRuns } from '../support/fuzz.js';
import { fileLike, flipByte } from '../support/store-files.js';
import { TestChain } from './chain.js';

const directories: string[] = [];
afterAll(() => Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true }))));

async function freshDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'consortium-ledger-log-'));
  directories.push(directory);
  return directory;
}

describe('CRC-32C', () => {
  it('matches the published vectors (leveldb crc32c_test.cc, RFC 3720 §B.4)', () => {
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    const ascending = Uint8Array.from({ length: 32 }, (_, i) => i);
    expect(crc32c(ascending)).toBe(0x46dd794e);
    // Extending a CRC equals the CRC of the whole; masking round-trips and changes the value.
    const text = new TextEncoder().encode('hello world');
    expect(crc32c(text, 6, text.length, crc32c(text, 0, 6))).toBe(crc32c(text));
    expect(unmaskCrc(maskCrc(0x12345678))).toBe(0x12345678);
    expect(maskCrc(0x12345678)).not.toBe(0x12345678);
  });
});

/** The drops LevelDB reported while recovering `directory`, from its LOG: [bytes, reason]. */
async function reportedByLevelDb(directory: string): Promise<[number, string][]> {
  const text = await readFile(join(directory, 'LOG'), 'utf8');
  return [...text.matchAll(/\(ignoring error\) .*\.log: dropping (\d+) bytes; Corruption: (.*)$/gm)].map((match) => [
    Number(match[1]),
    match[2] as string,
  ]);
}

describe('the log scanner', () => {
  it('finds nothing to drop in an intact log (negative control), and predicts what LevelDB drops after byte flips', async () => {
    const pristine = await freshDirectory();
    const store = await BlockStore.open(pristine);
    const chain = new TestChain();
    await store.initialize(chain.genesisBytes, chain.block0);
    chain.advance(chain.block0);
    for (let i = 0; i < 30; i++) {
      const commit = chain.build({ txCount: 12, withCertificate: true });
      await store.append(commit);
      chain.advance(commit);
    }
    await store.close();
    const log = await fileLike(pristine, /\.log$/);
    const bytes = new Uint8Array(await readFile(log));
    expect(bytes.length).toBeGreaterThan(3 * logBlockBytes);
    const clean = scanLogBytes(basename(log), bytes);
    expect(clean.drops).toEqual([]);
    expect(clean.records).toBe(32); // the format marker, block 0, 30 blocks

    const prng = new Prng(Number(process.env.FUZZ_SEED ?? 21));
    const chosen = [0, 4, 5, 6, 7, 100, logBlockBytes - 3, logBlockBytes + 2, bytes.length - 50, bytes.length - 1];
    const random = Array.from({ length: Math.max(6, Math.round(fuzzRuns / 10)) }, () =>
      prng.between(0, bytes.length - 1),
    );
    for (const offset of [...chosen, ...random]) {
      const copy = await freshDirectory();
      await cp(pristine, copy, { recursive: true });
      const copyLog = join(copy, basename(log));
      await flipByte(copyLog, offset, 0x10);
      const scan = scanLogBytes(basename(log), new Uint8Array(await readFile(copyLog)));
      const predicted = scan.drops.filter((drop) => drop.reported).map((drop) => [drop.bytes, drop.reason]);
      // LevelDB recovers the copy (classic-level: checksums on, paranoid_checks off) and logs what it drops.
      const db = new Level(copy);
      await db.open();
      await db.close();
      const reported = await reportedByLevelDb(copy);
      expect(
        predicted.map(([bytesDropped, reason]) => `${bytesDropped} ${reason}`).sort(),
        `flip at ${offset}`,
      ).toEqual(reported.map(([bytesDropped, reason]) => `${bytesDropped} ${reason}`).sort());
    }
  });

  it('tells a torn tail (the writer died mid-record: dropped silently) from damage followed by good records', () => {
    // Three FULL records in one block, built by hand: 7-byte header, masked CRC of type ‖ data.
    const record = (data: Uint8Array): Uint8Array => {
      const out = new Uint8Array(7 + data.length);
      const typed = new Uint8Array(1 + data.length);
      typed[0] = 1;
      typed.set(data, 1);
      new DataView(out.buffer).setUint32(0, maskCrc(crc32c(typed)), true);
      out[4] = data.length & 0xff;
      out[5] = data.length >> 8;
      out[6] = 1;
      out.set(data, 7);
      return out;
    };
    const parts = [
      record(new Uint8Array(20).fill(1)),
      record(new Uint8Array(20).fill(2)),
      record(new Uint8Array(20).fill(3)),
    ];
    const file = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
    let at = 0;
    for (const part of parts) {
      file.set(part, at);
      at += part.length;
    }
    expect(scanLogBytes('x.log', file)).toMatchObject({ records: 3, drops: [] });
    const torn = scanLogBytes('x.log', file.subarray(0, file.length - 5));
    expect(torn.records).toBe(2);
    expect(torn.drops).toEqual([
      {
        offset: 54,
        bytes: 22,
        reason: 'a record runs past the end of the file',
        reported: false,
        followedByRecord: false,
      },
    ]);
    const flipped = file.slice();
    flipped[10] = (flipped[10] as number) ^ 1; // inside the first record
    const damaged = scanLogBytes('x.log', flipped);
    // LevelDB drops the rest of the block after a checksum mismatch: here all three records.
    expect(damaged.records).toBe(0);
    expect(damaged.drops).toMatchObject([{ offset: 0, reason: 'checksum mismatch', reported: true }]);
  });
});
