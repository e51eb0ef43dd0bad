/**
 * One store directory, one owner: a second `BlockStore` in this process, or another process
 * holding the LevelDB lock, gets `StoreLockedError`; and `create: false` refuses directories
 * that hold no store.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { afterAll, describe, expect, it } from 'vitest';
import { BlockStore, StoreLockedError, StoreNotFoundError } from '../../src/store/index.js';

const directories: string[] = [];
afterAll(() => Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true }))));

async function freshDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'consortium-ledger-lock-'));
  directories.push(directory);
  return directory;
}

/** Starts a node process that opens `directory` with `level` and holds it until killed. */
async function holdInChild(directory: string): Promise<ChildProcess> {
  const script = `
    const { Level } = require('level');
    new Level(process.argv[1]).open().then(
      () => { process.stdout.write('open\\n'); setInterval(() => {}, 1000); },
      (error) => { process.stdout.write('failed ' + error.message + '\\n'); process.exit(1); },
    );`;
  const child = spawn(process.execPath, ['-e', script, directory], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  expect(line.toString()).toBe('open\n');
  return child;
}

describe('BlockStore locking and create: false', () => {
  it('a second BlockStore on the same directory in this process gets StoreLockedError', async () => {
    const directory = await freshDirectory();
    const first = await BlockStore.open(directory);
    const second = BlockStore.open(directory);
    await expect(second).rejects.toThrow(StoreLockedError);
    await expect(BlockStore.open(directory)).rejects.toMatchObject({ code: 'STORE_LOCKED', location: directory });
    await expect(BlockStore.open(directory)).rejects.toThrow(`the store at ${directory} is locked by another process`);
    await first.close();
    const third = await BlockStore.open(directory);
    expect(third.head).toBeUndefined();
    await third.close();
  });

  it('a directory another process holds open gets StoreLockedError, and opens once it exits', async () => {
    const directory = await freshDirectory();
    await (await BlockStore.open(directory)).close();
    const child = await holdInChild(directory);
    try {
      await expect(BlockStore.open(directory)).rejects.toThrow(StoreLockedError);
    } finally {
      child.kill();
      await once(child, 'exit');
    }
    const store = await BlockStore.open(directory);
    await store.close();
  });

  it('create: false refuses a missing directory and an empty one with StoreNotFoundError', async () => {
    const directory = await freshDirectory();
    await expect(BlockStore.open(join(directory, 'missing'), { create: false })).rejects.toThrow(StoreNotFoundError);
    const empty = join(directory, 'empty');
    await mkdir(empty);
    await expect(BlockStore.open(empty, { create: false })).rejects.toThrow(/there is no block store at/);
    // A LevelDB database that was created but never made a store (its directory exists, it is empty).
    const created = join(directory, 'created');
    const db = new Level(created);
    await db.open();
    await db.close();
    await expect(BlockStore.open(created, { create: false })).rejects.toThrow(/holds no block store/);
  });
});
