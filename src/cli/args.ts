/** Argument parsing and errors shared by the command's subcommands. */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';

/** An error the user caused (bad file, bad number, not a store); printed without a stack, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Lower-case hex. */
export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** A file's bytes, or stdin for `-`. */
export function readInput(path: string): Uint8Array {
  try {
    return path === '-' ? readFileSync(0) : readFileSync(path);
  } catch (cause) {
    throw new UsageError(`cannot read ${path}: ${(cause as Error).message}`);
  }
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
