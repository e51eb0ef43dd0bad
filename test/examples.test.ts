import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// The README's runnable example, run as a user would (it imports 'consortium-ledger', which
// resolves to the built package through the exports map).
describe('examples', () => {
  it('prove-and-verify.ts runs and reports every check', () => {
    const script = new URL('../examples/prove-and-verify.ts', import.meta.url).pathname;
    const output = execFileSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' });
    expect(output).toMatch(/signatures valid: 1000\/1000/);
    expect(output).toMatch(/pool verdicts equal inline: true/);
    expect(output).toMatch(/record 421 included: true/);
    expect(output).toMatch(/first 600 unchanged: true/);
    expect(output).toMatch(/forged record included: false/);
  });

  it('ledger-and-store.ts commits a block, refuses the double financing, proves state and verifies the chain', () => {
    const script = new URL('../examples/ledger-and-store.ts', import.meta.url).pathname;
    const output = execFileSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' });
    expect(output).toMatch(/block 1 committed: [0-9a-f]{64}/);
    expect(output).toMatch(/tx 0: ok\n {2}tx 1: ok\n {2}tx 2: ok\n {2}tx 3: alreadyFinanced/);
    expect(output).toMatch(/receivable proven against the state root: true/);
    expect(output).toMatch(/supplier balance: 48500/);
    expect(output).toMatch(/verify-chain: intact, 4 txs/);
  });
});
