/**
 * The database under the block store: any abstract-level database — `classic-level`
 * (LevelDB, through `level`) for nodes, the CLI and crash tests, `memory-level` for the
 * simulator — split into the sublevels of src/store/keys.ts, all with raw-bytes (`'view'`)
 * keys and values whatever the root database's own default encodings are.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AbstractBatchOperation, AbstractBatchOptions, AbstractLevel, AbstractSublevel } from 'abstract-level';
import { Level } from 'level';
import { StoreClosedError, StoreCorruptError, StoreIoError, StoreLockedError, StoreNotFoundError } from './errors.js';
import { type SublevelName, sublevelNames } from './keys.js';

/** An abstract-level database the store can run on (e.g. `new MemoryLevel({ keyEncoding: 'view', valueEncoding: 'view' })`). */
export type StoreDatabase = AbstractLevel<string | Buffer | Uint8Array, unknown, unknown>;

/** One of the store's sublevels: bytes to bytes. */
export type StoreSublevel = AbstractSublevel<StoreDatabase, string | Buffer | Uint8Array, Uint8Array, Uint8Array>;

/** One operation of the store's atomic batches (on the root database, naming its sublevel). */
export type StoreBatchOperation = AbstractBatchOperation<StoreDatabase, Uint8Array, Uint8Array>;

/**
 * Batch options asking for an fsync when `sync` is true. `sync` is classic-level's option
 * (LevelDB `WriteOptions.sync`); abstract-level's types do not list it and other backends
 * ignore it, hence the cast.
 */
export function batchOptions(sync: boolean): AbstractBatchOptions<Uint8Array, Uint8Array> {
  return { sync } as AbstractBatchOptions<Uint8Array, Uint8Array>;
}

const utf8 = new TextEncoder();
const prefixBytesCache = new WeakMap<object, Uint8Array>();

/** The bytes a direct sublevel puts before its keys on the root database (`!name!`). */
function sublevelPrefixBytes(sublevel: StoreSublevel): Uint8Array {
  let prefix = prefixBytesCache.get(sublevel);
  if (prefix === undefined) {
    prefix = utf8.encode(sublevel.prefix);
    prefixBytesCache.set(sublevel, prefix);
  }
  return prefix;
}

/**
 * Writes `operations` atomically as one chained batch, with each key already carrying its
 * sublevel's prefix when the root database takes raw bytes (every store the store opens
 * itself does). abstract-level's per-operation path — cloning the operation, resolving the
 * sublevel's encodings, prefixing the key — cost ~11 µs an operation in a profile of
 * 1,000-transaction blocks (~1,500 operations each), more than LevelDB's own work; the
 * prefixed keys are byte-for-byte what the sublevel would have written.
 */
export async function writeBatch(
  db: StoreDatabase,
  operations: readonly StoreBatchOperation[],
  sync: boolean,
): Promise<void> {
  const raw = db.keyEncoding().format === 'view' && db.valueEncoding().format === 'view';
  const batch = db.batch();
  try {
    for (const operation of operations) {
      const sublevel = operation.sublevel as StoreSublevel | undefined;
      if (raw && sublevel !== undefined && sublevel.parent === db) {
        const prefix = sublevelPrefixBytes(sublevel);
        const key = new Uint8Array(prefix.length + operation.key.length);
        key.set(prefix, 0);
        key.set(operation.key, prefix.length);
        if (operation.type === 'put') batch.put(key, operation.value);
        else batch.del(key);
      } else {
        const options = sublevel === undefined ? undefined : { sublevel };
        if (operation.type === 'put') batch.put(operation.key, operation.value, options as never);
        else batch.del(operation.key, options as never);
      }
    }
  } catch (error) {
    await batch.close();
    throw error;
  }
  await batch.write(batchOptions(sync) as never);
}

/** The store's sublevels by name. */
export type Sublevels = Readonly<Record<SublevelName, StoreSublevel>>;

/** The sublevels of src/store/keys.ts over `db`. */
export function openSublevels(db: StoreDatabase): Sublevels {
  const sublevel = (name: SublevelName): StoreSublevel =>
    db.sublevel<Uint8Array, Uint8Array>(sublevelNames[name], { keyEncoding: 'view', valueEncoding: 'view' });
  return {
    meta: sublevel('meta'),
    block: sublevel('block'),
    hash: sublevel('hash'),
    tx: sublevel('tx'),
    receipt: sublevel('receipt'),
    cert: sublevel('cert'),
    state: sublevel('state'),
    replica: sublevel('replica'),
  };
}

/**
 * `bytes` as a plain `Uint8Array` view (no copy): classic-level hands back `Buffer`s, whose
 * `slice` shares memory and which compare unequal to a `Uint8Array` in deep-equality checks.
 */
export function asView(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function levelCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The store's error for a database error, or the error itself: a closed database or
 * iterator becomes `StoreClosedError`, LevelDB's corruption report `StoreCorruptError`, a
 * lock held elsewhere `StoreLockedError`, an I/O error `StoreIoError` (each naming the store
 * and giving LevelDB's reason).
 */
export function mapDatabaseError(error: unknown, where: string, name: string): unknown {
  const code = levelCode(error);
  if (code === 'LEVEL_DATABASE_NOT_OPEN' && levelCode((error as { cause?: unknown }).cause) === 'LEVEL_LOCKED') {
    return new StoreLockedError(name, error);
  }
  if (code === 'LEVEL_LOCKED') return new StoreLockedError(name, error);
  if (code === 'LEVEL_DATABASE_NOT_OPEN' || code === 'LEVEL_ITERATOR_NOT_OPEN') {
    return new StoreClosedError(`${where}: the store at ${name} is closed`, { cause: error });
  }
  if (code === 'LEVEL_CORRUPTION') {
    return new StoreCorruptError(`${where}: the database at ${name} reports corruption: ${reasonOf(error)}`, {
      cause: error,
    });
  }
  if (code === 'LEVEL_IO_ERROR') {
    return new StoreIoError(name, `${where}: the database at ${name} reports an I/O error: ${reasonOf(error)}`, error);
  }
  return error;
}

/** System reasons that say the machine refused, not that the data are damaged. */
const machineReasons =
  /File too large|No space left|Permission denied|Read-only file system|Input\/output error|Too many open files|quota/i;

/**
 * The store's error for a failure to open the database at `name` (classic-level reports every
 * one as `LEVEL_DATABASE_NOT_OPEN`, the reason in `cause`): a lock held elsewhere
 * `StoreLockedError`; a corrupt MANIFEST or CURRENT, a file they name that is missing or
 * unreadable `StoreCorruptError`; a regular file where the directory belongs, or on its path,
 * `StoreNotFoundError`; a full disk, a permission or another refusal of the machine's
 * `StoreIoError`. Each names the directory and gives LevelDB's (or the system's) reason, with
 * `location` (a private copy the database was opened in) written as `name`.
 */
export function mapOpenError(error: unknown, where: string, name: string, location = name): unknown {
  const cause = levelCode(error) === 'LEVEL_DATABASE_NOT_OPEN' ? (error as { cause?: unknown }).cause : error;
  const code = levelCode(cause);
  const reason = reasonOf(cause ?? error)
    .split(location)
    .join(name);
  if (code === 'LEVEL_LOCKED') return new StoreLockedError(name, error);
  if (code === 'ENOTDIR' || code === 'EEXIST' || /Not a directory/.test(reason)) {
    return new StoreNotFoundError(
      `there is no block store at ${name}: a regular file is where a directory belongs (${reason})`,
    );
  }
  if (code === 'LEVEL_CORRUPTION' || (code === 'LEVEL_IO_ERROR' && !machineReasons.test(reason))) {
    // LevelDB's own corruption report, or a file its CURRENT or MANIFEST names that is missing
    // or unreadable (a name cut short by a damaged byte gives no reason at all): damage.
    return new StoreCorruptError(`${where}: the database at ${name} does not open: ${reason}`, { cause: error });
  }
  if (code === 'LEVEL_IO_ERROR' || code?.startsWith('E') === true) {
    return new StoreIoError(name, `${where}: the database at ${name} does not open: ${reason}`, error);
  }
  return mapDatabaseError(error, where, name);
}

/** Runs a database operation, translating its errors with {@link mapDatabaseError}. */
export async function databaseCall<R>(operation: () => Promise<R>, where: string, name: string): Promise<R> {
  try {
    return await operation();
  } catch (error) {
    throw mapDatabaseError(error, where, name);
  }
}

/**
 * The database at `location` (a directory: a new `Level` over it, created when missing if
 * `create`; or an abstract-level database object, used as it is), opened; and the name
 * error messages give the store (`nameForMessages`, else the directory or the database's
 * class).
 *
 * @throws StoreNotFoundError (with `create` false) for a directory without a LevelDB
 *   database; StoreLockedError if another process or instance holds it.
 */
export async function openDatabase(
  location: string | StoreDatabase,
  create: boolean,
  where: string,
  nameForMessages?: string,
): Promise<{ db: StoreDatabase; name: string }> {
  let db: StoreDatabase;
  let name: string;
  if (typeof location === 'string') {
    name = nameForMessages ?? location;
    if (!create && !(await isFile(join(location, 'CURRENT')))) {
      const what = (await isFile(location)) ? 'it is a regular file' : 'no LevelDB database there';
      throw new StoreNotFoundError(`there is no block store at ${name} (${what})`);
    }
    db = new Level<Uint8Array, Uint8Array>(location, {
      keyEncoding: 'view',
      valueEncoding: 'view',
      createIfMissing: create,
    }) as StoreDatabase;
  } else if (typeof location === 'object' && location !== null && typeof location.sublevel === 'function') {
    db = location;
    const own = (location as { location?: unknown }).location;
    name = typeof own === 'string' ? own : `the ${location.constructor.name} database`;
  } else {
    throw new TypeError(`${where}: expected a directory path or an abstract-level database`);
  }
  try {
    await db.open();
  } catch (error) {
    throw mapOpenError(error, where, name, typeof location === 'string' ? location : name);
  }
  return { db, name };
}

/** Whether `path` is a regular file (false when it, or a directory on its way, does not exist or is a file). */
export async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw error;
  }
}
