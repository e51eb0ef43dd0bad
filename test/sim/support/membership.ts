/**
 * One run of the membership sweep (test/sim/membership-*.test.ts): a configuration on a seed,
 * asserted safe and live, every assertion carrying the command that replays the run.
 */
import { expect } from 'vitest';
import type { CampaignConfig } from '../../../sim/campaign-configs.js';
import { replayCommand } from '../../../sim/cli.js';
import { simulate } from '../../../sim/simulation.js';

/** Runs `config` on `seed` for `blocks` blocks and asserts it ran as asked, kept safety and passed liveness. */
export async function expectSafeAndLive(config: CampaignConfig, seed: number, blocks: number): Promise<void> {
  const options = {
    nodes: config.nodes,
    byzantine: config.byzantine,
    byzantineMode: config.mode,
    faults: config.faults,
    seed,
    blocks,
  };
  const replay = `replay: ${replayCommand(options)}`;
  const result = await simulate(options);
  expect([result.nodes, result.byzantine, result.byzantineMode], replay).toEqual([
    config.nodes,
    config.byzantine,
    config.mode,
  ]);
  expect(result.safetyViolations, replay).toEqual([]);
  expect(result.liveness, replay).toBe('ok');
}
