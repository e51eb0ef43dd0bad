/**
 * The command-line tests' harness: runs `main()` in-process with console.log and stderr
 * captured, and returns the exit code it set.
 */
import { afterEach, beforeEach, vi } from 'vitest';
import { main } from '../../src/cli/program.js';

/** What the last commands printed (reset before each test). */
export const captured = { out: [] as string[], err: [] as string[] };

/** Installs the capture around every test of the calling file. */
export function captureCliOutput(): void {
  beforeEach(() => {
    captured.out = [];
    captured.err = [];
    process.exitCode = undefined;
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      captured.out.push(args.join(' '));
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      captured.err.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });
}

/** Runs `consortium-ledger …args` in-process; returns its exit code. */
export async function runCli(...args: string[]): Promise<number> {
  await main(['node', 'consortium-ledger', ...args]);
  return Number(process.exitCode ?? 0);
}
