/**
 * The databases the store suite runs over: LevelDB (classic-level, through `level`) in
 * temporary directories, and memory-level — the in-memory backend of the same abstract-level
 * contract that the simulator uses. Both are real databases; neither is a mock.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { MemoryLevel } from 'memory-level';
import type { StoreDatabase } from '../../src/store/index.js';

/** Where a store lives: a directory path, or an abstract-level database object. */
export type StoreLocation = string | StoreDatabase;

/** A backend for the shared suite. */
export interface StoreBackend {
  readonly name: string;
  /** A location for a new, empty store. */
  location(): Promise<StoreLocation>;
  /** A database object over `location` (the object itself for memory-level), to wrap or hook into. */
  database(location: StoreLocation): StoreDatabase;
  /** Removes everything `location()` made. */
  cleanup(): Promise<void>;
}

/** LevelDB in directories under the OS temp dir, removed by `cleanup()`. */
export function levelBackend(): StoreBackend {
  const directories: string[] = [];
  return {
    name: 'LevelDB',
    async location() {
      const directory = await mkdtemp(join(tmpdir(), 'consortium-ledger-store-'));
      directories.push(directory);
      // A directory that does not exist yet: open creates it.
      return join(directory, 'store');
    },
    database(location) {
      if (typeof location !== 'string') throw new TypeError('levelBackend: expected a directory');
      return new Level<Uint8Array, Uint8Array>(location, {
        keyEncoding: 'view',
        valueEncoding: 'view',
      }) as StoreDatabase;
    },
    async cleanup() {
      await Promise.all(directories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
    },
  };
}

/** memory-level databases (nothing to clean up). */
export function memoryBackend(): StoreBackend {
  return {
    name: 'memory-level',
    async location() {
      return new MemoryLevel<Uint8Array, Uint8Array>({ keyEncoding: 'view', valueEncoding: 'view' }) as StoreDatabase;
    },
    database(location) {
      if (typeof location === 'string') throw new TypeError('memoryBackend: expected a database');
      return location;
    },
    async cleanup() {},
  };
}
