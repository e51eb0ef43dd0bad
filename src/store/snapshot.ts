/**
 * A private copy of a LevelDB directory, for LevelDB to recover and rewrite without touching
 * the original: how a command that only reads opens a store (LevelDB has no read-only open;
 * its recovery replays the log into a table and deletes the log, dropping what it cannot
 * read), and how a damaged store is examined before anything is decided.
 *
 * Tables (`.ldb`, `.sst`) are hard-linked: LevelDB never changes a table after writing it,
 * only deletes it, and deleting a link in the copy leaves the original's. The files LevelDB
 * appends to or replaces (`CURRENT`, `MANIFEST-*`, the logs) are copied. The copy sits beside
 * the original (same file system, so links work), or in the system's temporary directory with
 * every file copied when it cannot. A file that vanishes while being linked means a writer
 * is compacting the store: the copy starts over, and gives up after a few tries.
 *
 * Whether another process holds the original open is read from Linux's `/proc/locks` (LevelDB
 * locks `LOCK` with `fcntl`, which Node cannot call); elsewhere it is not checked.
 */
import { copyFile, link, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { StoreLockedError } from './errors.js';

const snapshotAttemptsMax = 3;

function isTable(name: string): boolean {
  return /^\d+\.(ldb|sst)$/.test(name);
}

/** The LevelDB files a copy needs besides the tables (not `LOCK`, `LOG`, `LOG.old`, or files LevelDB does not know). */
function isCopied(name: string): boolean {
  return name === 'CURRENT' || /^MANIFEST-\d+$/.test(name) || /^\d+\.log$/.test(name);
}

async function makeDirectoryFor(directory: string): Promise<{ path: string; sameFileSystem: boolean }> {
  try {
    return { path: await mkdtemp(join(dirname(directory), `.${basename(directory)}.snapshot-`)), sameFileSystem: true };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EROFS' && code !== 'EPERM' && code !== 'ENOSPC') throw error;
    return { path: await mkdtemp(join(tmpdir(), 'consortium-ledger-snapshot-')), sameFileSystem: false };
  }
}

async function linkOrCopy(source: string, target: string, tryLink: boolean): Promise<void> {
  if (tryLink) {
    try {
      await link(source, target);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EMLINK' && code !== 'EOPNOTSUPP') {
        throw error;
      }
    }
  }
  await copyFile(source, target);
}

/**
 * Copies the LevelDB database in `directory` (see the file header) and returns the copy's
 * path; the caller removes it with {@link removeSnapshot}.
 * @throws StoreLockedError if the files kept changing while they were copied.
 */
export async function snapshotDatabase(directory: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const { path, sameFileSystem } = await makeDirectoryFor(directory);
    try {
      for (const name of await readdir(directory)) {
        if (isTable(name)) await linkOrCopy(join(directory, name), join(path, name), sameFileSystem);
        else if (isCopied(name)) await copyFile(join(directory, name), join(path, name));
      }
      return path;
    } catch (error) {
      await removeSnapshot(path);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      if (attempt >= snapshotAttemptsMax) {
        throw new StoreLockedError(
          directory,
          new Error(
            `its files changed while they were copied, ${snapshotAttemptsMax} times: another process is writing it`,
          ),
        );
      }
    }
  }
}

/** Removes a copy made by {@link snapshotDatabase}. */
export function removeSnapshot(path: string): Promise<void> {
  return rm(path, { recursive: true, force: true });
}

/**
 * The id of the process holding LevelDB's lock on `directory`, from `/proc/locks` (Linux); undefined
 * when none does, the directory has no `LOCK` file, or the system does not say.
 */
export async function lockHolder(directory: string): Promise<number | undefined> {
  let locks: string;
  let lockFile: { ino: number; dev: number };
  try {
    lockFile = await stat(join(directory, 'LOCK'));
    locks = await readFile('/proc/locks', 'utf8');
  } catch (error) {
    // No LOCK file (no database, or one never opened), or no /proc/locks (not Linux): nothing to read.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES') return undefined;
    throw error;
  }
  // Linux's dev_t: major in bits 8..19 and 32..43, minor in bits 0..7 and 20..31.
  const major = (lockFile.dev >>> 8) & 0xfff;
  const minor = (lockFile.dev & 0xff) | ((lockFile.dev >>> 12) & 0xfff00);
  for (const line of locks.split('\n')) {
    // "1: POSIX  ADVISORY  WRITE 28238 fe:00:2146835 0 EOF"
    const match = /^\d+:\s+\S+\s+\S+\s+\S+\s+(\d+)\s+([0-9a-f]+):([0-9a-f]+):(\d+)\s/.exec(line);
    if (match === null) continue;
    if (
      Number(match[4]) === lockFile.ino &&
      Number.parseInt(match[2] as string, 16) === major &&
      Number.parseInt(match[3] as string, 16) === minor
    ) {
      return Number(match[1]);
    }
  }
  return undefined;
}
