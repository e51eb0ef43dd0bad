/** Argument parsing and errors shared by the command's subcommands. */
import { createReadStream, mkdirSync, statSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { batchBytesMax, merkleLeavesMax, messageBytesMax } from '../limits.js';

/** An error the user caused (bad file, bad number, not a store); printed without a stack, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Lower-case hex. */
export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/**
 * A file's bytes, or stdin's for `-`, refused with a UsageError if longer than `bytesMax`: a
 * file before any of it is read (by its size), stdin as soon as it has sent more.
 */
export async function readInput(path: string, bytesMax: number, what = 'input'): Promise<Uint8Array> {
  const size = path === '-' ? 0 : inputSize(path);
  if (size > bytesMax) throw new UsageError(`${path} has ${size} bytes, more than ${what} may hold (${bytesMax})`);
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of path === '-' ? process.stdin : createReadStream(path)) {
      total += (chunk as Buffer).length;
      if (total > bytesMax) break;
      chunks.push(chunk as Buffer);
    }
  } catch (cause) {
    throw new UsageError(`cannot read ${path}: ${(cause as Error).message}`);
  }
  if (total > bytesMax) throw new UsageError(`${path} has more than ${bytesMax} bytes, more than ${what} may hold`);
  return new Uint8Array(Buffer.concat(chunks, total));
}

/** The size of the file at `path` (0 for what has no size, such as a pipe). */
function inputSize(path: string): number {
  try {
    const stats = statSync(path);
    return stats.isFile() ? stats.size : 0;
  } catch (cause) {
    throw new UsageError(`cannot read ${path}: ${(cause as Error).message}`);
  }
}

/**
 * The files of a Merkle command, one leaf each, within the limits `merkleRoot` applies: at
 * most `merkleLeavesMax` of them, none over `messageBytesMax` bytes and all together within
 * `batchBytesMax` — checked from the files' sizes before any is read, and again as read.
 */
export async function readLeaves(paths: readonly string[]): Promise<Uint8Array[]> {
  if (paths.length > merkleLeavesMax) {
    throw new UsageError(`${paths.length} leaf files, more than a tree may hold (${merkleLeavesMax})`);
  }
  const checkTotal = (total: number) => {
    if (total > batchBytesMax) throw new UsageError(`leaves hold ${total} bytes in all, limit ${batchBytesMax}`);
  };
  let sizes = 0;
  for (const path of paths) {
    const size = path === '-' ? 0 : inputSize(path);
    if (size > messageBytesMax) {
      throw new UsageError(`${path} has ${size} bytes, more than a leaf may hold (${messageBytesMax})`);
    }
    sizes += size;
  }
  checkTotal(sizes);
  const leaves: Uint8Array[] = [];
  let total = 0;
  for (const path of paths) {
    const leaf = await readInput(path, messageBytesMax, 'a leaf');
    total += leaf.length;
    checkTotal(total);
    leaves.push(leaf);
  }
  return leaves;
}

/** A commander parser for an integer option in [min, max]. */
export function parseCount(name: string, min: number, max: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
    }
    return parsed;
  };
}

/** 64 hex digits as 32 bytes. */
export function parseHash(name: string, value: string): Uint8Array {
  if (!/^[0-9a-fA-F]{64}$/.test(value))
    throw new UsageError(`${name} must be 64 hex digits (32 bytes), got ${JSON.stringify(value)}`);
  return new Uint8Array(Buffer.from(value, 'hex'));
}

/**
 * Creates the directory `path` that the option `flag` names (and its parents), or says in a
 * UsageError why it cannot be one: a regular file in the way, a permission.
 */
export function makeDirectory(flag: string, path: string): void {
  try {
    mkdirSync(path, { recursive: true });
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      throw new UsageError(`${flag} ${path} is not a directory: a regular file is in the way`);
    }
    throw new UsageError(`${flag} ${path}: cannot create the directory: ${(cause as Error).message}`);
  }
}
