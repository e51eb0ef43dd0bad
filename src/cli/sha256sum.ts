/**
 * The `hash` command's pieces: the SHA-256 of a file or of stdin read as a stream, and the
 * output line GNU `sha256sum` prints for it.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { UsageError } from './args.js';

/**
 * SHA-256 of the file at `path`, or of stdin for `-`, read chunk by chunk: memory stays flat
 * whatever the size (a pipe of any length, `/dev/zero` until interrupted). The digest is
 * node:crypto's streaming hash, which is what `sha256()` itself hands any message of 128
 * bytes or more to.
 *
 * @throws UsageError naming the path if it cannot be read.
 */
export async function sha256OfInput(path: string): Promise<Uint8Array> {
  const hash = createHash('sha256');
  const stream = path === '-' ? process.stdin : createReadStream(path);
  try {
    for await (const chunk of stream) hash.update(chunk as Buffer);
  } catch (cause) {
    throw new UsageError(`cannot read ${path}: ${(cause as Error).message}`);
  }
  return new Uint8Array(hash.digest());
}

/** A file name as sha256sum prints it: `\` → `\\`, newline → `\n`, carriage return → `\r`. */
function escapeFileName(name: string): string {
  return name.replace(/[\\\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : '\\r'));
}

/**
 * The line `sha256sum` prints for `name` with digest `hexDigest`: `<hex>  <name>`. A name
 * holding a backslash, newline or carriage return is escaped and the line starts with a
 * backslash (GNU coreutils), so a file name can never forge a second output line.
 */
export function sha256sumLine(hexDigest: string, name: string): string {
  if (!/[\\\n\r]/.test(name)) return `${hexDigest}  ${name}`;
  return `\\${hexDigest}  ${escapeFileName(name)}`;
}
