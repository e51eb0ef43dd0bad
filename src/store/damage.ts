/**
 * Telling what a damaged store lost: what LevelDB's recovery would drop from its logs
 * (src/store/leveldb-log.ts), what the recovered database holds (its head, its batch counter,
 * its block heights and the holes among them), and what its head witness says was
 * acknowledged (src/store/witness.ts) — put together into one `StoreLossError` that names the
 * heights. The survey runs on a copy (src/store/snapshot.ts) after LevelDB recovered it, so
 * the original files keep the evidence.
 */
import { toHex } from '../bytes.js';
import { blockHeaderBytes } from '../codec/block.js';
import { sha256 } from '../crypto/sha256.js';
import { decodeStored } from './chain-reader.js';
import { asView, databaseCall, type Sublevels } from './database.js';
import { type HeightRange, StoreLossError } from './errors.js';
import { decodeBatchNumber, decodeHead, heightKey, metaKeys, readHeightKey } from './keys.js';
import { describeDrop, type LogDrop, type LogScan } from './leveldb-log.js';
import { compareWithWitness, type Witness, type WitnessShortfall } from './witness.js';

/** A log drop with the file it is in. */
export interface FileDrop extends LogDrop {
  /** The log file's name. */
  readonly file: string;
}

/** Every drop of the scanned logs, in file order. */
export function dropsOf(scans: readonly LogScan[]): FileDrop[] {
  return scans.flatMap((scan) => scan.drops.map((drop) => ({ ...drop, file: scan.file })));
}

/** What a recovered database holds. */
export interface DatabaseSurvey {
  /** Whether it carries the store's format marker. */
  readonly isStore: boolean;
  /** Its head height (-1: none, or a head record that does not decode). */
  readonly headHeight: number;
  /** Its head hash, if it has a head. */
  readonly headHash: Uint8Array | undefined;
  /** Its batch counter. */
  readonly sequence: number;
  /** The highest stored block height (-1: none). */
  readonly topHeight: number;
  /** Heights below the highest stored block that are missing, as ranges. */
  readonly holes: readonly HeightRange[];
}

const where = 'BlockStore.open';

/** Surveys the store in `sublevels` (reading every block key, not the blocks). */
export async function surveyDatabase(sublevels: Sublevels, name: string): Promise<DatabaseSurvey> {
  const [format, headBytes, batchBytes] = await databaseCall(
    () => sublevels.meta.getMany([metaKeys.format, metaKeys.head, metaKeys.batch]),
    where,
    name,
  );
  const head =
    headBytes === undefined ? undefined : decodeStored(asView(headBytes), decodeHead, `${name}: the head record`);
  const sequence =
    batchBytes === undefined ? 0 : decodeStored(asView(batchBytes), decodeBatchNumber, `${name}: the batch counter`);
  const holes: HeightRange[] = [];
  let expected = 0;
  const iterator = sublevels.block.keys();
  try {
    for (;;) {
      const keys = await databaseCall(() => iterator.nextv(4096), where, name);
      if (keys.length === 0) break;
      for (const key of keys) {
        const height = decodeStored(asView(key), readHeightKey, `${name}: a block key`);
        if (height > expected) holes.push({ from: expected, to: height - 1 });
        expected = height + 1;
      }
    }
  } finally {
    await iterator.close();
  }
  return {
    isStore: format !== undefined,
    headHeight: head?.height ?? -1,
    headHash: head?.hash,
    sequence,
    topHeight: expected - 1,
    holes,
  };
}

/** SHA-256 of the header of the block stored at `height` (unchecked), or undefined if none is stored. */
export async function storedBlockHash(
  sublevels: Sublevels,
  height: number,
  name: string,
): Promise<Uint8Array | undefined> {
  const bytes = await databaseCall(() => sublevels.block.get(heightKey(height)), where, name);
  if (bytes === undefined || bytes.length < blockHeaderBytes) return undefined;
  return sha256(asView(bytes).subarray(0, blockHeaderBytes));
}

/** The witness's shortfall against a surveyed database. */
export function shortfallOf(
  witness: Witness,
  survey: DatabaseSurvey,
  sublevels: Sublevels,
  name: string,
): Promise<WitnessShortfall | undefined> {
  return compareWithWitness(witness, {
    sequence: survey.sequence,
    height: survey.headHeight,
    hashAt: (height) => storedBlockHash(sublevels, height, name),
  });
}

function rangesText(ranges: readonly HeightRange[]): string {
  return ranges.map((range) => (range.from === range.to ? `${range.from}` : `${range.from}..${range.to}`)).join(', ');
}

/** The union of height ranges, sorted and merged. */
export function mergeRanges(ranges: readonly HeightRange[]): HeightRange[] {
  const sorted = [...ranges].sort((a, b) => a.from - b.from);
  const merged: HeightRange[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && range.from <= last.to + 1)
      merged[merged.length - 1] = { from: last.from, to: Math.max(last.to, range.to) };
    else merged.push(range);
  }
  return merged;
}

/** What {@link lossOf} weighs. */
export interface LossEvidence {
  /** What LevelDB's recovery would drop from the logs. */
  readonly drops?: readonly FileDrop[];
  /** Heights missing below the highest stored block. */
  readonly holes?: readonly HeightRange[];
  /** The highest stored block (for the message about holes). */
  readonly topHeight?: number;
  /** What the database lacks of its witness. */
  readonly shortfall?: WitnessShortfall | undefined;
}

/**
 * The loss a damaged store shows, or undefined when nothing acknowledged is missing: a drop
 * followed by a good record (acknowledged for certain), a hole below the highest block, a
 * database behind its witness, another block at the witness's height.
 */
export function lossOf(location: string, evidence: LossEvidence): StoreLossError | undefined {
  const drops = evidence.drops ?? [];
  const holes = evidence.holes ?? [];
  const shortfall = evidence.shortfall;
  const certain = drops.filter((drop) => drop.followedByRecord);
  if (certain.length === 0 && holes.length === 0 && shortfall === undefined) return undefined;
  const lost = mergeRanges([...holes, ...(shortfall?.lostHeights === undefined ? [] : [shortfall.lostHeights])]);
  const parts: string[] = [];
  if (shortfall !== undefined) parts.push(shortfall.message);
  if (holes.length > 0) parts.push(`blocks ${rangesText(holes)} are missing below block ${evidence.topHeight}`);
  if (certain.length > 0 && lost.length === 0) {
    parts.push(
      'log records written before later ones are unreadable (state writes, receipts, certificates or safety records of some batch are gone)',
    );
  }
  if (drops.length > 0) {
    parts.push(`LevelDB's recovery would drop ${drops.map((drop) => describeDrop(drop.file, drop)).join('; ')}`);
  }
  const heights = lost.length === 0 ? '' : ` (heights lost: ${rangesText(lost)})`;
  return new StoreLossError(
    location,
    `the store at ${location} lost acknowledged writes${heights}: ${parts.join('; ')}. Its files are left as they were; \`consortium-ledger repair ${location}\` (repairStore) says what it would keep and drop, and a node fetches the rest from its peers`,
    lost,
    shortfall?.batchesLost ?? 0,
  );
}

/** The loss when the witness acknowledged blocks but no database is left (no `CURRENT`). */
export function lossOfMissingDatabase(location: string, witness: Witness): StoreLossError {
  const lost = witness.height >= 0 ? [{ from: 0, to: witness.height }] : [];
  return new StoreLossError(
    location,
    `the store at ${location} lost acknowledged writes${lost.length > 0 ? ` (heights lost: 0..${witness.height})` : ''}: its head witness says ${witness.sequence} batches were acknowledged (head ${witness.height}, ${toHex(witness.hash)}), but there is no LevelDB database there any more`,
    lost,
    witness.sequence,
  );
}
