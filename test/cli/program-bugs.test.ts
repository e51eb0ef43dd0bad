// A TypeError or RangeError from a bug inside a command is not a usage error (issue 8): it is
// not printed as one with exit code 2, it propagates with its stack. The hash command's
// reader is replaced by one that fails the way a bug does.
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
  it('a TypeError or RangeError thrown inside a command propagates (no exit code 2, no one-line message)', async () => {
    await expect(runCli('hash', 'bug-type')).rejects.toThrow(TypeError);
    await expect(runCli('hash', 'bug-range')).rejects.toThrow(RangeError);
    expect(process.exitCode).not.toBe(2);
    expect(captured.err.join('')).not.toMatch(/consortium-ledger: /);
  });

  it('the negative control: the user’s own mistake in the same command is exit code 2 with a message', async () => {
    expect(await runCli('hash', '/no/such/file')).toBe(2);
    expect(captured.err.join('')).toMatch(/^consortium-ledger: cannot read \/no\/such\/file: /);
  });
});
