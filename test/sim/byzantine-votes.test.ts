import { describe, expect, it } from 'vitest';
import { simulate } from '../../sim/simulation.js';
import { withUnsafeQuorum } from '../../src/consensus/testing.js';

// Seeds where the `split` member is primary while the consortium commits its first blocks:
// under the unsafe 2f + 1 quorum each of them forks (the negative control that proves the
// adversary bites); under quorum.ts's rule the same runs hold.
const forkingRuns = [
  { nodes: 5, seed: 1 },
  { nodes: 5, seed: 6 },
  { nodes: 6, seed: 7 },
] as const;

const agreementFailures = (violations: readonly string[]) => violations.filter((v) => v.startsWith('agreement'));

describe('adversaries that vote twice', () => {
  for (const { nodes, seed } of forkingRuns) {
    it(`split forks ${nodes} members under the unsafe 2f + 1 quorum and not under q = ⌈(n + f + 1)/2⌉ (seed ${seed})`, async () => {
      const base = { nodes, byzantine: 1, byzantineMode: 'split', seed, blocks: 8, faults: 'swarm' } as const;
      const unsafe = await simulate({ ...base, replica: withUnsafeQuorum({}) });
      expect(
        agreementFailures(unsafe.safetyViolations).length,
        'the adversary must fork the unsafe rule',
      ).toBeGreaterThan(0);
      const safe = await simulate(base);
      expect(safe.safetyViolations).toEqual([]);
      expect(safe.liveness).toBe('ok');
    });
  }

  it('an amnesiac member crashes, forgets its records, and the consortium stays safe and live', async () => {
    for (const nodes of [4, 5, 7]) {
      const result = await simulate({
        nodes,
        byzantine: 1,
        byzantineMode: 'amnesia',
        seed: 3,
        blocks: 30,
        faults: 'light',
      });
      expect(result.crashes.amnesiaRestarts, `n = ${nodes}`).toBeGreaterThan(0);
      expect(result.safetyViolations, `n = ${nodes}`).toEqual([]);
      expect(result.liveness, `n = ${nodes}`).toBe('ok');
    }
  });

  it('crashes land between events and on writes (between the block store and the safety records)', async () => {
    let onWrite = 0;
    let between = 0;
    for (const seed of [1, 2, 3, 4]) {
      const result = await simulate({ nodes: 4, seed, blocks: 12, faults: 'swarm' });
      expect(result.safetyViolations, `seed ${seed}`).toEqual([]);
      expect(result.liveness, `seed ${seed}`).toBe('ok');
      onWrite += result.crashes.onWrite;
      between += result.crashes.betweenEvents;
    }
    expect(onWrite).toBeGreaterThan(0);
    expect(between).toBeGreaterThan(0);
  });
});
