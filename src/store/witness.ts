/**
 * The head witness: a small file beside LevelDB's own (`HEAD-WITNESS` in the database
 * directory) that says what the store has acknowledged — how many batches it made durable and
 * which block was the head — written and synced after each batch is durable in LevelDB and
 * before the batch's writes are acknowledged (docs/architecture.md, "Block store").
 *
 * Why a second file: the head is in the same LevelDB batch as its block, so when LevelDB's
 * recovery drops a damaged log record it drops the block and its head together, and the
 * database alone reads as a shorter chain that holds together. The witness is written through
 * another file, after the batch, so it can only lag the database: on open a database behind
 * its witness lost acknowledged writes, and the store says which.
 *
 * Layout: two 64-byte slots, written alternately (slot = sequence mod 2), so a write torn by a
 * crash leaves the other slot, one batch older, intact. All integers little-endian.
 *
 * ```
 * offset  size  field
 * 0       8     magic "CLWITNS1"
 * 8       8     u53 sequence: the batches the store had made durable (its meta "batch" counter)
 * 16      8     u53 blocks: the head height + 1 (0: no chain yet)
 * 24      32    the head block's hash (zeros with no chain)
 * 56      8     the first 8 bytes of SHA-256 of bytes 0..55
 * ```
 * A reader takes the valid slot with the higher sequence. A file with no valid slot is damage.
 */
import { type FileHandle, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ByteReader, ByteWriter, bytesEqual, toHex } from '../bytes.js';
import { sha256 } from '../crypto/sha256.js';
import { DecodeError } from '../errors.js';
import { StoreCorruptError } from './errors.js';

/** The witness file's name in the database directory (LevelDB ignores names it does not know). */
export const witnessFileName = 'HEAD-WITNESS';

/** Bytes of one slot. */
export const witnessSlotBytes = 64;

const magic = new TextEncoder().encode('CLWITNS1');
const checksumBytes = 8;

/** What a head witness says the store acknowledged. */
export interface Acknowledged {
  /** Batches made durable. */
  readonly sequence: number;
  /** The head height, or -1 when the store held no chain. */
  readonly height: number;
}

/** What the store had acknowledged when the witness was last written. */
export interface Witness {
  /** Batches made durable (the database's meta "batch" counter at that moment). */
  readonly sequence: number;
  /** The head height, or -1 when the store held no chain. */
  readonly height: number;
  /** The head block's hash (32 zeros when `height` is -1). */
  readonly hash: Uint8Array;
}

/** A slot's 64 bytes. */
export function encodeWitnessSlot(witness: Witness): Uint8Array {
  const writer = new ByteWriter(witnessSlotBytes);
  writer
    .fixed(magic)
    .u53(witness.sequence)
    .u53(witness.height + 1)
    .fixed(witness.hash);
  const body = writer.finish();
  const slot = new Uint8Array(witnessSlotBytes);
  slot.set(body, 0);
  slot.set(sha256(body).subarray(0, checksumBytes), body.length);
  return slot;
}

/** A slot's witness, or undefined if the slot is not a whole, checksummed one. */
export function decodeWitnessSlot(slot: Uint8Array): Witness | undefined {
  if (slot.length !== witnessSlotBytes) return undefined;
  const bodyBytes = witnessSlotBytes - checksumBytes;
  if (!bytesEqual(sha256(slot.subarray(0, bodyBytes)).subarray(0, checksumBytes), slot.subarray(bodyBytes))) {
    return undefined;
  }
  if (!bytesEqual(slot.subarray(0, magic.length), magic)) return undefined;
  try {
    const reader = new ByteReader(slot.subarray(magic.length, bodyBytes));
    const sequence = reader.u53('witness.sequence');
    const blocks = reader.u53('witness.blocks');
    const hash = reader.fixed(32, 'witness.hash');
    return { sequence, height: blocks - 1, hash: hash.slice() };
  } catch (error) {
    // The checksum held, so this is not damage but a layout this release does not read.
    if (error instanceof DecodeError) return undefined;
    throw error;
  }
}

/**
 * The witness in `directory`: undefined when there is no witness file.
 * @throws StoreCorruptError naming the file when it exists but holds no valid slot.
 */
export async function readWitness(directory: string): Promise<Witness | undefined> {
  const path = join(directory, witnessFileName);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code === 'EISDIR') throw new StoreCorruptError(`${path}: the head witness is a directory, not a file`);
    throw new StoreCorruptError(`${path}: the head witness cannot be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let best: Witness | undefined;
  for (let slot = 0; slot < 2; slot++) {
    const found = decodeWitnessSlot(bytes.subarray(slot * witnessSlotBytes, (slot + 1) * witnessSlotBytes));
    if (found !== undefined && (best === undefined || found.sequence > best.sequence)) best = found;
  }
  if (best === undefined) {
    throw new StoreCorruptError(
      `${path}: the head witness is damaged (${bytes.length} bytes, no slot whose checksum holds); the store cannot tell what it had acknowledged`,
    );
  }
  return best;
}

/** The witness an empty store starts with. */
export const emptyWitness: Witness = { sequence: 0, height: -1, hash: new Uint8Array(32) };

/**
 * The open witness file of a store that writes: `record` writes the next slot and syncs it.
 * One write at a time (the commit queue writes one group at a time).
 */
export class WitnessFile {
  readonly #handle: FileHandle;
  readonly #sync: boolean;
  readonly path: string;

  private constructor(handle: FileHandle, path: string, sync: boolean) {
    this.#handle = handle;
    this.path = path;
    this.#sync = sync;
  }

  /**
   * Opens the witness in `directory`, creating it (both slots `initial`, synced, and the
   * directory synced so the file's name survives a power loss) when `initial` is given.
   */
  static async open(directory: string, sync: boolean, initial?: Witness): Promise<WitnessFile> {
    const path = join(directory, witnessFileName);
    if (initial === undefined) return new WitnessFile(await open(path, 'r+'), path, sync);
    const handle = await open(path, 'w+');
    try {
      const slot = encodeWitnessSlot(initial);
      const both = new Uint8Array(2 * witnessSlotBytes);
      both.set(slot, 0);
      both.set(slot, witnessSlotBytes);
      await handle.write(both, 0, both.length, 0);
      if (sync) {
        await handle.sync();
        await syncDirectory(directory);
      }
    } catch (error) {
      await handle.close();
      throw error;
    }
    return new WitnessFile(handle, path, sync);
  }

  /** Writes `witness` into slot `sequence mod 2` and waits until it is durable (when syncing). */
  async record(witness: Witness): Promise<void> {
    const slot = encodeWitnessSlot(witness);
    await this.#handle.write(slot, 0, slot.length, (witness.sequence % 2) * witnessSlotBytes);
    if (this.#sync) await this.#handle.datasync();
  }

  /** Closes the file. */
  close(): Promise<void> {
    return this.#handle.close();
  }
}

/** fsyncs a directory, so a file created or renamed in it stays after a power loss (a no-op where directories cannot be opened). */
export async function syncDirectory(directory: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(directory, 'r');
  } catch {
    return;
  }
  try {
    await handle.sync();
  } catch (error) {
    // Some platforms refuse fsync on a directory (EISDIR, EINVAL, EPERM): nothing more can be done there.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EBADF') throw error;
  } finally {
    await handle.close();
  }
}

/** What the database holds, as the witness is compared with it. */
export interface RecoveredHead {
  /** The database's meta "batch" counter (0 for a store from before the witness). */
  readonly sequence: number;
  /** Its head height, or -1 with no chain. */
  readonly height: number;
  /** The hash of its block at `height`, when it holds one (read only if needed). */
  readonly hashAt: (height: number) => Promise<Uint8Array | undefined>;
}

/** What a comparison with the witness found missing. */
export interface WitnessShortfall {
  /** Heights the witness says were acknowledged that the database no longer holds ([from, to], inclusive), if any. */
  readonly lostHeights?: { readonly from: number; readonly to: number };
  /** Batches acknowledged that the database does not count (blocks, certificates or safety records). */
  readonly batchesLost: number;
  /** The database holds another block at the witness's height (the directory holds another chain). */
  readonly otherBlock?: { readonly height: number; readonly stored: Uint8Array };
  /** One line saying it. */
  readonly message: string;
}

/** What `recovered` lacks of what `witness` says was acknowledged, or undefined when nothing is missing. */
export async function compareWithWitness(
  witness: Witness,
  recovered: RecoveredHead,
): Promise<WitnessShortfall | undefined> {
  const batchesLost = Math.max(0, witness.sequence - recovered.sequence);
  if (witness.height > recovered.height) {
    const lostHeights = { from: recovered.height + 1, to: witness.height };
    const held = recovered.height < 0 ? 'holds no block' : `holds blocks up to ${recovered.height}`;
    return {
      lostHeights,
      batchesLost,
      message: `the head witness says block ${witness.height} (${toHex(witness.hash)}) was acknowledged, but the database ${held}`,
    };
  }
  if (witness.height >= 0) {
    const stored = await recovered.hashAt(witness.height);
    if (stored !== undefined && !bytesEqual(stored, witness.hash)) {
      return {
        batchesLost,
        otherBlock: { height: witness.height, stored },
        message: `the head witness says block ${witness.height} was ${toHex(witness.hash)}, but the database holds ${toHex(stored)} there (another chain?)`,
      };
    }
  }
  if (batchesLost > 0) {
    return {
      batchesLost,
      message: `lost ${batchesLost} acknowledged batch${batchesLost === 1 ? '' : 'es'} (the head witness counts ${witness.sequence}, the database ${recovered.sequence}): certificates or the replica's safety records written after block ${witness.height}`,
    };
  }
  return undefined;
}
