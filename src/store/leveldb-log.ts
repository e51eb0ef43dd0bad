/**
 * Reading LevelDB's write-ahead logs (`NNNNNN.log`) the way LevelDB's recovery will, before it
 * runs, to learn what it would drop. LevelDB replays a log on open with checksums on but
 * `paranoid_checks` off (classic-level does not expose it): a damaged record is logged
 * "(ignoring error) … dropping N bytes" and skipped, the rest of its 32 KiB block with it, the
 * replayed data are written to a table and the old log is deleted. Nothing tells the caller.
 * This scanner mirrors `log::Reader::ReadRecord`/`ReadPhysicalRecord` (leveldb 1.20,
 * db/log_reader.cc) and `DBImpl::RecoverLogFile`'s "log record too small", so the store can
 * refuse, or work on a copy, before the evidence is gone.
 *
 * The log format (leveldb doc/log_format.md): the file is a sequence of 32 KiB blocks; a block
 * holds physical records and, when fewer than 7 bytes are left, a zero trailer.
 *
 * ```
 * offset  size  field
 * 0       4     checksum: masked CRC-32C of type ‖ data (src/store/crc32c.ts), little-endian
 * 4       2     length of data, little-endian
 * 6       1     type: 1 FULL, 2 FIRST, 3 MIDDLE, 4 LAST (0: preallocated, skipped)
 * 7       len   data: a whole write batch (FULL) or a fragment of one
 * ```
 *
 * What LevelDB drops, and how this scanner reports it:
 * - a checksum mismatch, a length past its block, an unknown type, a fragment out of order,
 *   a logical record under 12 bytes: dropped and *reported* by LevelDB (`reported: true`);
 * - a record cut off by the end of the file (a header or payload the writer had not finished
 *   when it died), a fragmented record the file ends inside: dropped *silently*, as a torn
 *   write (`reported: false`).
 * Either may have held acknowledged batches. `followedByRecord` says a good record comes later
 * in the same file: the dropped bytes were written (and, with synced writes, made durable)
 * before a later batch, so they were acknowledged for certain; a drop at the tail may be a
 * write that never completed, and the store's head witness (src/store/witness.ts) decides.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32c, unmaskCrc } from './crc32c.js';

/** LevelDB's log block size (log_format.h `kBlockSize`). */
export const logBlockBytes = 32768;
/** Bytes of a physical record's header (checksum, length, type). */
export const logHeaderBytes = 7;
/** The smallest write batch LevelDB replays (an 8-byte sequence and a 4-byte count). */
const batchBytesMin = 12;

const recordTypes = { zero: 0, full: 1, first: 2, middle: 3, last: 4 } as const;

/** Bytes LevelDB's recovery would not replay. */
export interface LogDrop {
  /** Offset in the file where the dropped bytes start. */
  readonly offset: number;
  /** How many bytes. */
  readonly bytes: number;
  /** LevelDB's reason, or `truncated at end of file` for a torn tail. */
  readonly reason: string;
  /** Whether LevelDB reports it (as "(ignoring error)" in its LOG); false: a torn tail it skips silently. */
  readonly reported: boolean;
  /** Whether a good record follows in the same file (the dropped bytes were acknowledged for certain). */
  readonly followedByRecord: boolean;
}

/** What a scan of one log found. */
export interface LogScan {
  /** The file's name (e.g. `000003.log`). */
  readonly file: string;
  /** Its size in bytes. */
  readonly bytes: number;
  /** Logical records (write batches) LevelDB would replay. */
  readonly records: number;
  /** What it would drop, in file order. */
  readonly drops: readonly LogDrop[];
}

interface PendingDrop {
  offset: number;
  bytes: number;
  reason: string;
  reported: boolean;
}

function allZero(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** Scans the bytes of one log file (see the file header). */
export function scanLogBytes(file: string, data: Uint8Array): LogScan {
  const drops: PendingDrop[] = [];
  const recordEnds: number[] = [];
  let records = 0;
  // The logical record being assembled from fragments (ReadRecord's scratch).
  let fragmented = false;
  let fragmentStart = 0;
  let fragmentBytes = 0;
  const drop = (offset: number, bytes: number, reason: string, reported: boolean) => {
    if (bytes > 0) drops.push({ offset, bytes, reason, reported });
  };
  const dropFragment = (reason: string, reported: boolean) => {
    if (fragmented && fragmentBytes > 0) drop(fragmentStart, fragmentBytes, reason, reported);
    fragmented = false;
    fragmentBytes = 0;
  };
  const emit = (start: number, bytes: number, end: number) => {
    if (bytes < batchBytesMin) {
      drop(start, bytes, 'log record too small', true);
      return;
    }
    records++;
    recordEnds.push(end);
  };

  for (let blockStart = 0; blockStart < data.length; blockStart += logBlockBytes) {
    const blockEnd = Math.min(blockStart + logBlockBytes, data.length);
    // LevelDB knows it is at the end of the file once a read returns less than a block.
    const eof = blockEnd - blockStart < logBlockBytes;
    let at = blockStart;
    while (blockEnd - at >= logHeaderBytes) {
      const length = (data[at + 4] as number) | ((data[at + 5] as number) << 8);
      const type = data[at + 6] as number;
      if (logHeaderBytes + length > blockEnd - at) {
        // A length past the block: corruption, unless the file ends here (the writer died mid-record).
        if (!eof || !allZero(data, at, blockEnd)) {
          drop(at, blockEnd - at, eof ? 'a record runs past the end of the file' : 'bad record length', !eof);
        }
        at = blockEnd;
        if (eof) dropFragment('truncated at end of file', false);
        break;
      }
      if (type === recordTypes.zero && length === 0) {
        // Preallocated space: LevelDB skips the rest of the block without a word.
        if (!allZero(data, at, blockEnd)) drop(at, blockEnd - at, 'zero-type record', false);
        at = blockEnd;
        dropFragment('error in middle of record', true);
        break;
      }
      const stored = unmaskCrc(
        ((data[at] as number) |
          ((data[at + 1] as number) << 8) |
          ((data[at + 2] as number) << 16) |
          ((data[at + 3] as number) << 24)) >>>
          0,
      );
      if (crc32c(data, at + 6, at + logHeaderBytes + length) !== stored) {
        drop(at, blockEnd - at, 'checksum mismatch', true);
        at = blockEnd;
        dropFragment('error in middle of record', true);
        break;
      }
      const payload = at + logHeaderBytes;
      const next = payload + length;
      switch (type) {
        case recordTypes.full:
          if (fragmented && fragmentBytes > 0)
            drop(fragmentStart, fragmentBytes, 'partial record without end(1)', true);
          fragmented = false;
          fragmentBytes = 0;
          emit(at, length, next);
          break;
        case recordTypes.first:
          if (fragmented && fragmentBytes > 0)
            drop(fragmentStart, fragmentBytes, 'partial record without end(2)', true);
          fragmented = true;
          fragmentStart = at;
          fragmentBytes = length;
          break;
        case recordTypes.middle:
          if (!fragmented) drop(at, length, 'missing start of fragmented record(1)', true);
          else fragmentBytes += length;
          break;
        case recordTypes.last:
          if (!fragmented) drop(at, length, 'missing start of fragmented record(2)', true);
          else {
            const bytes = fragmentBytes + length;
            fragmented = false;
            fragmentBytes = 0;
            emit(fragmentStart, bytes, next);
          }
          break;
        default:
          drop(at, length + (fragmented ? fragmentBytes : 0), `unknown record type ${type}`, true);
          fragmented = false;
          fragmentBytes = 0;
      }
      at = next;
    }
    // Fewer than 7 bytes left: inside the file a trailer (it carries nothing, whatever it holds);
    // at its end, the header of a record the writer had not finished.
    if (eof && at < blockEnd && !allZero(data, at, blockEnd))
      drop(at, blockEnd - at, 'truncated at end of file', false);
  }
  // The file ends inside a fragmented record: the writer died before its last fragment.
  dropFragment('truncated at end of file', false);

  const lastRecordEnd = recordEnds.length === 0 ? -1 : (recordEnds[recordEnds.length - 1] as number);
  return {
    file,
    bytes: data.length,
    records,
    drops: drops
      .sort((a, b) => a.offset - b.offset)
      .map((found) => ({ ...found, followedByRecord: lastRecordEnd > found.offset + found.bytes - 1 })),
  };
}

/** Whether `name` is a LevelDB log file (`<number>.log`). */
export function isLogFileName(name: string): boolean {
  return /^\d+\.log$/.test(name);
}

/** Scans every log in the LevelDB directory `directory` (none if it does not exist), in file-number order. */
export async function scanLogs(directory: string): Promise<LogScan[]> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  }
  const logs = names.filter(isLogFileName).sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
  const scans: LogScan[] = [];
  for (const name of logs) scans.push(scanLogBytes(name, new Uint8Array(await readFile(join(directory, name)))));
  return scans;
}

/** One line naming a drop: `000003.log: 5572 bytes at offset 105380 (checksum mismatch)`. */
export function describeDrop(file: string, drop: LogDrop): string {
  return `${file}: ${drop.bytes} bytes at offset ${drop.offset} (${drop.reason})`;
}
