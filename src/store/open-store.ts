/**
 * Opening a store in a directory without letting LevelDB's recovery lose anything unseen
 * (docs/architecture.md, "Block store"):
 *
 * 1. Read the head witness (what was acknowledged) and scan LevelDB's logs for what its
 *    recovery would drop — before LevelDB runs.
 * 2. If it would drop anything, let LevelDB recover a copy (src/store/snapshot.ts) and
 *    compare the copy with the witness and its own block heights: acknowledged writes gone
 *    raise `StoreLossError` naming the heights, and the original files stay as they were. A
 *    torn tail the witness never counted (a write that had not completed) is dropped, as
 *    LevelDB would.
 * 3. Open the database — the original to write, a copy to read only (so a command that only
 *    reads never lets LevelDB rewrite the original) — check it holds together
 *    (src/store/open-check.ts) and compare it with the witness again.
 * 4. A store that writes keeps its witness file open; a store from before the witness gets one.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ChainReader } from './chain-reader.js';
import { dropsOf, lossOf, lossOfMissingDatabase, shortfallOf, storedBlockHash, surveyDatabase } from './damage.js';
import { isFile, openDatabase, openSublevels, type StoreDatabase, type Sublevels } from './database.js';
import { StoreCorruptError, StoreLockedError } from './errors.js';
import type { HeadRecord } from './keys.js';
import { scanLogs } from './leveldb-log.js';
import { checkStoreOnOpen } from './open-check.js';
import { lockHolder, removeSnapshot, snapshotDatabase } from './snapshot.js';
import {
  type Acknowledged,
  compareWithWitness,
  emptyWitness,
  readWitness,
  type Witness,
  WitnessFile,
  witnessFileName,
} from './witness.js';

/** A store's database, checked, with what the store object needs to run it. */
export interface OpenedDirectory {
  readonly db: StoreDatabase;
  readonly sublevels: Sublevels;
  readonly reader: ChainReader;
  readonly head: HeadRecord | undefined;
  /** The database's batch counter. */
  readonly sequence: number;
  /** The witness file, for a store that writes. */
  readonly witness: WitnessFile | undefined;
  /** What the witness said at open (the database holds at least that), if there was one. */
  readonly witnessed: Acknowledged | undefined;
  /** The copy the database runs on, for a store that only reads (removed on close). */
  readonly snapshot: string | undefined;
}

/** How {@link openDirectory} opens. */
export interface OpenDirectoryOptions {
  readonly create: boolean;
  readonly sync: boolean;
  readonly readOnly: boolean;
}

const where = 'BlockStore.open';

function acknowledgesAnything(witness: Witness | undefined): boolean {
  return witness !== undefined && (witness.height >= 0 || witness.sequence > 0);
}

/** Whether `directory` holds LevelDB tables, logs or a MANIFEST (false when it does not exist). */
async function holdsLevelDbFiles(directory: string): Promise<boolean> {
  try {
    return (await readdir(directory)).some((name) => /^(\d+\.(ldb|sst|log)|MANIFEST-\d+)$/.test(name));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw error;
  }
}

/** @throws StoreLockedError when another process (or this one) holds LevelDB's lock on `directory` (Linux). */
export async function refuseIfLocked(directory: string): Promise<void> {
  const holder = await lockHolder(directory);
  if (holder !== undefined) {
    throw new StoreLockedError(directory, new Error(`process ${holder} holds LevelDB's lock on ${directory}/LOCK`));
  }
}

/**
 * Lets LevelDB recover `snapshot` (a copy of `directory`) and throws the loss it shows, if any
 * (see the file header, step 2).
 */
async function refuseIfLost(
  directory: string,
  snapshot: string,
  witness: Witness | undefined,
  drops: ReturnType<typeof dropsOf>,
): Promise<void> {
  const { db } = await openDatabase(snapshot, false, where, directory);
  try {
    const sublevels = openSublevels(db);
    const survey = await surveyDatabase(sublevels, directory);
    const shortfall = witness === undefined ? undefined : await shortfallOf(witness, survey, sublevels, directory);
    const loss = lossOf(directory, { drops, holes: survey.holes, topHeight: survey.topHeight, shortfall });
    if (loss !== undefined) throw loss;
  } finally {
    await db.close();
  }
}

/**
 * Opens the store in `directory` (see the file header).
 *
 * @throws StoreLossError (code `STORE_CORRUPT`) naming the heights lost; StoreCorruptError for a
 *   store that does not hold together or a damaged witness; StoreNotFoundError; StoreLockedError;
 *   StoreIoError.
 */
export async function openDirectory(directory: string, options: OpenDirectoryOptions): Promise<OpenedDirectory> {
  const witness = await readWitness(directory);
  const hasDatabase = await isFile(join(directory, 'CURRENT'));
  if (!hasDatabase && acknowledgesAnything(witness)) throw lossOfMissingDatabase(directory, witness as Witness);
  if (!hasDatabase && (await holdsLevelDbFiles(directory))) {
    // LevelDB would start a new database here and delete these files as obsolete.
    throw new StoreCorruptError(
      `${directory}: LevelDB's CURRENT is missing but its tables or logs are there; \`consortium-ledger repair ${directory}\` (repairStore) rebuilds it`,
    );
  }
  const drops = dropsOf(await scanLogs(directory));

  let snapshot: string | undefined;
  if (hasDatabase && (options.readOnly || drops.length > 0)) {
    await refuseIfLocked(directory);
    snapshot = await snapshotDatabase(directory);
  }
  let db: StoreDatabase | undefined;
  const created: { witness?: WitnessFile } = {};
  try {
    if (drops.length > 0) await refuseIfLost(directory, snapshot as string, witness, drops);
    if (!options.readOnly && snapshot !== undefined) {
      await removeSnapshot(snapshot);
      snapshot = undefined;
    }
    const create = options.create && !options.readOnly;
    ({ db } = await openDatabase(snapshot ?? directory, create, where, directory));
    const sublevels = openSublevels(db);
    const reader = new ChainReader(sublevels, directory);
    const opened = await checkStoreOnOpen(db, sublevels, reader, {
      create,
      sync: options.sync,
      name: directory,
      witnessed: acknowledgesAnything(witness),
      beforeCreate: async () => {
        // The witness exists before the database counts its first batch, so a store that
        // counts batches and has no witness lost it.
        created.witness = await WitnessFile.open(directory, options.sync, emptyWitness);
      },
    });
    const height = opened.head?.height ?? -1;
    if (witness !== undefined) {
      const shortfall = await compareWithWitness(witness, {
        sequence: opened.sequence,
        height,
        hashAt: async (at) => (at === height ? opened.head?.hash : storedBlockHash(sublevels, at, directory)),
      });
      if (shortfall !== undefined) throw lossOf(directory, { shortfall });
    } else if (opened.sequence > 0 && created.witness === undefined) {
      throw new StoreCorruptError(
        `${directory}: its head witness (${witnessFileName}) is missing, but the database counts ${opened.sequence} batches written since it had one; the store cannot tell what it had acknowledged`,
      );
    }
    if (!options.readOnly && created.witness === undefined) {
      // A store from before the witness gets one at its head; an existing witness is reopened.
      created.witness =
        witness === undefined
          ? await WitnessFile.open(directory, options.sync, {
              sequence: opened.sequence,
              height,
              hash: opened.head?.hash ?? emptyWitness.hash,
            })
          : await WitnessFile.open(directory, options.sync);
    }
    const witnessed =
      witness !== undefined
        ? { sequence: witness.sequence, height: witness.height }
        : created.witness !== undefined
          ? { sequence: opened.sequence, height }
          : undefined;
    return {
      db,
      sublevels,
      reader,
      head: opened.head,
      sequence: opened.sequence,
      witness: created.witness,
      witnessed,
      snapshot,
    };
  } catch (error) {
    await db?.close().catch(() => undefined);
    await created.witness?.close().catch(() => undefined);
    if (snapshot !== undefined) await removeSnapshot(snapshot).catch(() => undefined);
    throw error;
  }
}
