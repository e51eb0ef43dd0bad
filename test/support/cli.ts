/**
 * The command-line tests' harness: runs `main()` in-process with console.log and stderr
 * captured, and returns the exit code it set.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
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

/**
 * The built command (dist/src/cli/main.js, what `npx consortium-ledger` runs), for tests that need
 * a process of its own — real stdin, its memory, a kill. They run after `npm run build`.
 */
export const builtCli = new URL('../../dist/src/cli/main.js', import.meta.url).pathname;
const builtProgram = new URL('../../dist/src/cli/program.js', import.meta.url).href;

/**
 * Runs `consortium-ledger …args` from dist/ in a child process whose stdin `feed` writes (and
 * must end); resolves to its stdout, exit code and peak resident memory.
 */
export async function runBuiltCli(
  args: readonly string[],
  feed: (stdin: Writable) => Promise<void>,
): Promise<{ stdout: string; code: number; maxRssBytes: number }> {
  const script = [
    `const { main } = await import(${JSON.stringify(builtProgram)});`,
    `process.on('exit', () => process.stderr.write('maxRSS ' + process.resourceUsage().maxRSS + '\\n'));`,
    `await main(['node', 'consortium-ledger', ...JSON.parse(process.argv[1])]);`,
  ].join('\n');
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(args)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = once(child, 'exit') as Promise<[number | null]>;
  await feed(child.stdin);
  const [code] = await exited;
  const rss = /maxRSS (\d+)/.exec(stderr);
  if (rss === null) throw new Error(`the CLI printed no maxRSS (exit ${code}): ${stderr}`);
  return { stdout, code: code ?? -1, maxRssBytes: Number(rss[1]) * 1024 };
}
