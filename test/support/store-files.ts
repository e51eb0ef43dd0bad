/**
 * Damaging a store's files the way a disk or an operator does (byte flips, truncation, a file
 * replaced), and telling whether a command changed them: shared by the store's witness,
 * repair and corruption tests.
 */
import { createHash } from 'node:crypto';
import { cp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** XORs the byte at `offset` of `path` with `mask` (non-zero); a negative offset counts from the end. */
export async function flipByte(path: string, offset: number, mask = 0x01): Promise<number> {
  const bytes = new Uint8Array(await readFile(path));
  const at = offset < 0 ? bytes.length + offset : offset;
  if (at < 0 || at >= bytes.length)
    throw new RangeError(`flipByte: offset ${offset} outside ${path}'s ${bytes.length} bytes`);
  bytes[at] = (bytes[at] as number) ^ (mask & 0xff || 1);
  await writeFile(path, bytes);
  return at;
}

/** The names in `directory` matching `pattern`, sorted. */
export async function filesLike(directory: string, pattern: RegExp): Promise<string[]> {
  return (await readdir(directory)).filter((name) => pattern.test(name)).sort();
}

/** The one file in `directory` matching `pattern` (the newest by name when several). */
export async function fileLike(directory: string, pattern: RegExp): Promise<string> {
  const names = await filesLike(directory, pattern);
  const name = names[names.length - 1];
  if (name === undefined)
    throw new Error(`no file like ${pattern} in ${directory}: ${(await readdir(directory)).join(', ')}`);
  return join(directory, name);
}

/**
 * SHA-256 of every file in `directory` but LevelDB's info logs (`LOG`, `LOG.old`) and `LOCK`,
 * by name: two equal fingerprints mean nothing that matters was rewritten.
 */
export async function fingerprint(directory: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(directory)).sort()) {
    if (name === 'LOG' || name === 'LOG.old' || name === 'LOCK') continue;
    const path = join(directory, name);
    if (!(await stat(path)).isFile()) continue;
    out[name] = createHash('sha256')
      .update(await readFile(path))
      .digest('hex');
  }
  return out;
}

/** Copies a directory tree. */
export function copyDirectory(from: string, to: string): Promise<void> {
  return cp(from, to, { recursive: true });
}
