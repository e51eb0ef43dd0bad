/**
 * Repairing a damaged store: explicit, and it says what it will drop before it drops it
 * (docs/architecture.md, "Block store").
 *
 * The repair works on a copy (src/store/snapshot.ts), never on the original files:
 * 1. LevelDB recovers the copy — dropping the log records it cannot read — and, when its
 *    MANIFEST or CURRENT does not open, rebuilds them from the tables and logs (LevelDB's own
 *    `RepairDB`, classic-level's `repair`).
 * 2. The recovered blocks are verified from the genesis as `verify-chain` verifies them (hash
 *    links, signatures, certificates, re-execution), up to the first that fails: blocks
 *    0..kept verify, the ones held above are dropped, and the ones the head witness says were
 *    acknowledged but no longer exist are lost (a node fetches both from its peers).
 * 3. Only with `apply`: a new store is written beside the original from the verified blocks —
 *    receipts, indexes, state and certificates derived again, the replica's safety records
 *    carried over as they were — then the original directory is renamed
 *    `<dir>.damaged-<time>` (kept, for the record) and the new one takes its place.
 * Without `apply` the report says what steps 1–3 would keep, drop and lose, and nothing changes.
 */
import { mkdtemp, rename, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Level } from 'level';
import type { DecodedBlock } from '../codec/block.js';
import { decodeCertificate } from '../codec/certificate.js';
import { decodeGenesis } from '../codec/genesis.js';
import type { CryptoBackend } from '../crypto/backend.js';
import { sha256 } from '../crypto/sha256.js';
import { ConsortiumLedgerError, DecodeError } from '../errors.js';
import { certificateProblem, validatorKeys } from '../ledger/quorum.js';
import { BlockStore } from './block-store.js';
import { ChainReader } from './chain-reader.js';
import { dropsOf, storedBlockHash, surveyDatabase } from './damage.js';
import { asView, databaseCall, openDatabase, openSublevels, type StoreDatabase } from './database.js';
import { type HeightRange, StoreCorruptError, StoreIoError, StoreNotFoundError } from './errors.js';
import { decodeRecordValue, heightKey, metaKeys } from './keys.js';
import { describeDrop, scanLogs } from './leveldb-log.js';
import { refuseIfLocked } from './open-store.js';
import { removeSnapshot, snapshotDatabase } from './snapshot.js';
import { blockChecks, type ChainSource, replayChain, witnessCheck } from './verify-chain.js';
import { type Acknowledged, readWitness, syncDirectory, type Witness } from './witness.js';

/** Options of {@link repairStore}. */
export interface RepairOptions {
  /** Where signatures are verified (`inlineCrypto`, or a `CryptoPool`). */
  readonly crypto: CryptoBackend;
  /** Carry the repair out (default false: only say what it would keep, drop and lose). */
  readonly apply?: boolean;
  /** Called after each block verified. */
  readonly onBlock?: (height: number, txs: number) => void;
  /**
   * With `apply`: called with what the repair will keep, drop and lose once the new store is
   * written and before the original directory is moved aside (nothing has changed yet).
   */
  readonly onPlan?: (plan: RepairReport) => void;
}

/** What {@link repairStore} found, and did or would do. */
export interface RepairReport {
  /** The store's directory. */
  readonly location: string;
  /** What the head witness says was acknowledged (undefined: none, or unreadable — see `findings`). */
  readonly acknowledged: Acknowledged | undefined;
  /** The highest block the database holds once LevelDB recovered it (-1: none). */
  readonly recoveredHeight: number;
  /** The repaired store holds blocks 0..keptHeight (-1: none, an empty store). */
  readonly keptHeight: number;
  /** Blocks the database holds that the repair drops (they do not verify, or follow a gap or one that does not). */
  readonly dropped: readonly HeightRange[];
  /** Blocks acknowledged (or below the highest held) that the database no longer holds. */
  readonly lost: readonly HeightRange[];
  /** Why verification stopped below `recoveredHeight`, when it did. */
  readonly problem: string | undefined;
  /** Damage found on the way: log records LevelDB drops, a witness it cannot read, a MANIFEST rebuilt. */
  readonly findings: readonly string[];
  /** Replica safety records carried over to the repaired store. */
  readonly replicaRecords: number;
  /** True when nothing is dropped or lost and nothing was found damaged (the rebuild would change nothing a reader sees). */
  readonly intact: boolean;
  /** Whether the repair was carried out. */
  readonly applied: boolean;
  /** Where the damaged directory was moved, when applied. */
  readonly movedTo: string | undefined;
}

const where = 'repairStore';

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw error;
  }
}

/** Opens the recovered copy; when LevelDB cannot open it, lets LevelDB's RepairDB rebuild its MANIFEST first. */
async function openRecovered(snapshot: string, location: string, findings: string[]): Promise<StoreDatabase> {
  try {
    return (await openDatabase(snapshot, false, where, location)).db;
  } catch (error) {
    if (!(error instanceof StoreCorruptError || error instanceof StoreIoError || error instanceof StoreNotFoundError)) {
      throw error;
    }
    findings.push(
      `LevelDB does not open it (${error.message}); LevelDB's RepairDB rebuilt its MANIFEST from the tables and logs`,
    );
  }
  await levelRepair(snapshot);
  return (await openDatabase(snapshot, true, where, location)).db;
}

/**
 * LevelDB's `RepairDB` on `directory`: in Node, `level` is classic-level, whose static
 * `repair` runs it (its types leave it out of `level`'s `Level`).
 */
function levelRepair(directory: string): Promise<void> {
  const repair = (Level as unknown as { repair?: (location: string) => Promise<void> }).repair;
  if (typeof repair !== 'function') throw new TypeError(`${where}: this 'level' backend cannot repair a database`);
  return repair.call(Level, directory);
}

/** A reader of the recovered database for {@link replayChain}: blocks checked as read, up to the highest stored. */
function salvageSource(
  db: StoreDatabase,
  location: string,
  topHeight: number,
  topHash: Uint8Array | undefined,
  witness: Witness | undefined,
): ChainSource {
  const sublevels = openSublevels(db);
  const reader = new ChainReader(sublevels, location);
  let genesis: Uint8Array | undefined;
  return {
    head:
      topHeight < 0
        ? undefined
        : { height: topHeight, hash: topHash ?? new Uint8Array(32), stateRoot: new Uint8Array(32) },
    witnessAtOpen: witness === undefined ? undefined : { sequence: witness.sequence, height: witness.height },
    async genesisBytes() {
      const bytes = await databaseCall(() => sublevels.meta.get(metaKeys.genesis), where, location);
      genesis = bytes === undefined ? undefined : asView(bytes).slice();
      if (genesis !== undefined) reader.genesisHash = sha256(genesis);
      return genesis;
    },
    async blockByHeight(height: number) {
      return height > topHeight ? undefined : reader.blockAt(height, where);
    },
    async certificate(height: number) {
      const bytes = await databaseCall(() => sublevels.cert.get(heightKey(height)), where, location);
      return bytes === undefined ? undefined : asView(bytes);
    },
  };
}

/** The heights in (kept, top] that are not in `holes` (sorted ranges), as ranges. */
function heldAbove(kept: number, top: number, holes: readonly HeightRange[]): HeightRange[] {
  const held: HeightRange[] = [];
  let from = kept + 1;
  for (const hole of holes) {
    if (hole.to < from) continue;
    if (hole.from > from) held.push({ from, to: Math.min(hole.from - 1, top) });
    from = Math.max(from, hole.to + 1);
  }
  if (from <= top) held.push({ from, to: top });
  return held;
}

/**
 * Repairs (with `apply`), or says how it would repair, the store in `location` (see the file
 * header).
 *
 * @throws StoreNotFoundError when there is no store there; StoreLockedError when a process
 *   has it open; StoreIoError when the machine refuses a write.
 */
export async function repairStore(location: string, options: RepairOptions): Promise<RepairReport> {
  if (!(await isDirectory(location)))
    throw new StoreNotFoundError(`there is no block store at ${location} (not a directory)`);
  await refuseIfLocked(location);
  const findings: string[] = [];
  let witness: Witness | undefined;
  try {
    witness = await readWitness(location);
  } catch (error) {
    if (!(error instanceof StoreCorruptError)) throw error;
    findings.push(error.message);
  }
  const drops = dropsOf(await scanLogs(location));
  for (const drop of drops) findings.push(`LevelDB's recovery drops ${describeDrop(drop.file, drop)}`);

  const snapshot = await snapshotDatabase(location);
  let rebuilt: BlockStore | undefined;
  let rebuiltDirectory: string | undefined;
  try {
    const db = await openRecovered(snapshot, location, findings);
    let report: RepairReport;
    try {
      const sublevels = openSublevels(db);
      const survey = await surveyDatabase(sublevels, location);
      if (!survey.isStore && survey.topHeight < 0 && witness === undefined) {
        throw new StoreNotFoundError(`there is no block store at ${location} (its database holds none)`);
      }
      const topHash = survey.topHeight < 0 ? undefined : await storedBlockHash(sublevels, survey.topHeight, location);
      const source = salvageSource(db, location, survey.topHeight, topHash, witness);
      if (options.apply === true) {
        rebuiltDirectory = await mkdtemp(join(dirname(location), `.${basename(location)}.repair-`));
        rebuilt = await BlockStore.open(rebuiltDirectory);
      }
      const target = rebuilt;
      let genesisBytes: Uint8Array | undefined;
      const replay = await replayChain(source, {
        crypto: options.crypto,
        checked: [...blockChecks, witnessCheck(source)],
        ...(options.onBlock === undefined ? {} : { onBlock: options.onBlock }),
        onVerified: async (block: DecodedBlock, executed) => {
          if (target === undefined) return;
          const height = block.header.height;
          if (height === 0) {
            genesisBytes ??= await source.genesisBytes();
            await target.initialize(genesisBytes as Uint8Array, { block, ...executed });
            return;
          }
          await target.append({ block, ...executed });
          // A block carries the certificate of the block below it, checked by the replay.
          if (block.previousCertificateBytes.length > 0) {
            await target.putCertificate(height - 1, block.previousCertificateBytes);
          }
        },
      });
      const keptHeight = replay.blocks - 1;
      if (target !== undefined && keptHeight > 0) await keepHeadCertificate(source, target, keptHeight, options.crypto);
      const replicaRecords = await carryRecords(db, location, target, findings);

      const acknowledgedHeight = witness?.height ?? -1;
      const dropped = heldAbove(keptHeight, survey.topHeight, survey.holes);
      const lost: HeightRange[] = [
        ...survey.holes.filter((hole) => hole.from > keptHeight),
        ...(acknowledgedHeight > survey.topHeight ? [{ from: survey.topHeight + 1, to: acknowledgedHeight }] : []),
      ];
      if (witness !== undefined && witness.sequence > survey.sequence && acknowledgedHeight <= survey.topHeight) {
        findings.push(
          `the head witness counts ${witness.sequence} acknowledged batches, the recovered database ${survey.sequence}: certificates or safety records written after block ${witness.height} are gone`,
        );
      }
      report = {
        location,
        acknowledged: witness === undefined ? undefined : { height: witness.height, sequence: witness.sequence },
        recoveredHeight: survey.topHeight,
        keptHeight,
        dropped,
        lost,
        problem: replay.ok ? undefined : `block ${replay.badHeight}: ${replay.problem}`,
        findings,
        replicaRecords,
        intact: findings.length === 0 && dropped.length === 0 && lost.length === 0,
        applied: false,
        movedTo: undefined,
      };
    } finally {
      await db.close();
    }
    if (rebuilt === undefined) return report;
    options.onPlan?.(report);
    await rebuilt.close();
    rebuilt = undefined;
    const movedTo = `${location}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await rename(location, movedTo);
    await rename(rebuiltDirectory as string, location);
    rebuiltDirectory = undefined;
    await syncDirectory(dirname(location));
    return { ...report, applied: true, movedTo };
  } finally {
    await rebuilt?.close().catch(() => undefined);
    if (rebuiltDirectory !== undefined) await removeSnapshot(rebuiltDirectory);
    await removeSnapshot(snapshot);
  }
}

/** Stores the certificate of the last kept block, when the damaged store holds one that verifies. */
async function keepHeadCertificate(
  source: ChainSource,
  target: BlockStore,
  height: number,
  crypto: CryptoBackend,
): Promise<void> {
  let certificate: Uint8Array | undefined;
  try {
    certificate = await source.certificate(height);
    if (certificate === undefined) return;
    const genesis = decodeGenesis((await source.genesisBytes()) as Uint8Array);
    const block = (await target.blockByHeight(height)) as DecodedBlock;
    const problem = await certificateProblem(
      decodeCertificate(certificate),
      genesis.chainId,
      validatorKeys(genesis),
      height,
      block.hash,
      crypto,
    );
    if (problem !== undefined) return;
  } catch (error) {
    // A damaged certificate is left behind: the node gets the head's certificate from its peers.
    if (error instanceof ConsortiumLedgerError) return;
    throw error;
  }
  await target.putCertificate(height, certificate);
}

/**
 * Copies the replica's safety records into `target` (when there is one); returns how many
 * there are. A record that fails its check is left behind, and said so in `findings`.
 */
async function carryRecords(
  db: StoreDatabase,
  location: string,
  target: BlockStore | undefined,
  findings: string[],
): Promise<number> {
  const sublevels = openSublevels(db);
  const entries = await databaseCall(() => sublevels.replica.iterator().all(), where, location);
  const text = new TextDecoder('utf-8', { fatal: true });
  const records: { key: string; value: Uint8Array }[] = [];
  for (const [key, value] of entries) {
    let name: string;
    try {
      name = text.decode(asView(key));
    } catch (error) {
      if (error instanceof TypeError) continue; // a key that is not UTF-8 names no record; it stays behind
      throw error;
    }
    try {
      records.push({ key: name, value: decodeRecordValue(name, asView(value)).slice() });
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      findings.push(`the replica record ${JSON.stringify(name)} fails its check and is dropped: ${error.message}`);
    }
  }
  if (target !== undefined && records.length > 0) await target.writeReplicaRecords(records);
  return records.length;
}

/** One line per fact of a repair report, for the command line. */
export function describeRepair(report: RepairReport): string[] {
  const text = (r: HeightRange) => (r.from === r.to ? `block ${r.from}` : `blocks ${r.from}..${r.to}`);
  const lines: string[] = [];
  lines.push(
    report.acknowledged === undefined
      ? 'head witness: none (or unreadable)'
      : `head witness: block ${report.acknowledged.height} acknowledged (${report.acknowledged.sequence} batches)`,
  );
  lines.push(`LevelDB recovers blocks up to ${report.recoveredHeight}`);
  for (const finding of report.findings) lines.push(`found: ${finding}`);
  lines.push(
    report.keptHeight < 0 ? 'keeps: nothing (the repaired store is empty)' : `keeps: blocks 0..${report.keptHeight}`,
  );
  if (report.problem !== undefined) lines.push(`verification stops at ${report.problem}`);
  for (const dropped of report.dropped) {
    lines.push(`drops: ${text(dropped)} (held, but not verifiable from the genesis)`);
  }
  for (const lost of report.lost)
    lines.push(`lost: ${text(lost)} (no longer held; a node fetches them from its peers)`);
  lines.push(`carries over ${report.replicaRecords} replica safety records as they are`);
  return lines;
}
