// A TypeError or RangeError from a bug inside a command is not a usage error (issue 8): it does
// not get exit code 2. Every failure is still one line naming its cause (issue 21): the bug's
// class and message, said to be a bug, exit code 1; its stack only with --debug or
// CONSORTIUM_LEDGER_DEBUG=1. The hash command's reader is replaced by one that fails the way a
// bug does.
import { describe, expect, it, vi } from 'vitest';
import { captureCliOutput, captured, runCli } from '../support/cli.js';

vi.mock('../../src/cli/sha256sum.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/cli/sha256sum.js')>();
  return {
    ...original,
    sha256OfInput: async (path: string) => {
      if (path === 'bug-type') throw new TypeError("Cannot read properties of undefined (reading 'update')");
      if (path === 'bug-range') throw new RangeError('Invalid array length');
      return original.sha256OfInput(path);
    },
  };
});

captureCliOutput();

describe('cli: a bug is not a usage error', () => {
  it('a TypeError or RangeError thrown inside a command is one line saying it is a bug, exit code 1, no stack', async () => {
    expect(await runCli('hash', 'bug-type')).toBe(1);
    expect(captured.err).toEqual([
      "consortium-ledger: internal error (a bug, please report it): TypeError: Cannot read properties of undefined (reading 'update') (--debug or CONSORTIUM_LEDGER_DEBUG=1 prints its stack)\n",
    ]);
    captured.err = [];
    expect(await runCli('hash', 'bug-range')).toBe(1);
    expect(captured.err.join('')).toMatch(
      /^consortium-ledger: internal error \(a bug, please report it\): RangeError: Invalid array length/,
    );
    expect(captured.err.join('')).not.toMatch(/\n\s+at /);
  });

  it('--debug (before or after the command) and CONSORTIUM_LEDGER_DEBUG=1 add the stack', async () => {
    expect(await runCli('hash', 'bug-type', '--debug')).toBe(1);
    expect(captured.err.join('')).toMatch(/internal error[^\n]*\nTypeError: Cannot read properties[^\n]*\n\s+at /);
    captured.err = [];
    expect(await runCli('--debug', 'hash', 'bug-range')).toBe(1);
    expect(captured.err.join('')).toMatch(/\nRangeError: Invalid array length\n\s+at /);
    captured.err = [];
    vi.stubEnv('CONSORTIUM_LEDGER_DEBUG', '1');
    try {
      expect(await runCli('hash', 'bug-type')).toBe(1);
      expect(captured.err.join('')).toMatch(/\n\s+at /);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('the negative control: the user’s own mistake in the same command is exit code 2 with a message', async () => {
    expect(await runCli('hash', '/no/such/file')).toBe(2);
    expect(captured.err.join('')).toMatch(/^consortium-ledger: cannot read \/no\/such\/file: /);
  });
});
