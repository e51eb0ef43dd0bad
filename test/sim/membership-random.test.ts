/**
 * Random seeds over the whole space `npm run sim:campaign` covers: every membership size (1 to
 * 10 and 16), 0..f Byzantine members, every mode of `byzantineModes`, every fault profile.
 * Seed s runs configuration s mod C, as in a campaign. The number of seeds scales with
 * FUZZ_RUNS (one per 100 runs, at least one: CI's 200 gives two); a failing seed prints the
 * command that replays it.
 */
import { randomInt } from 'node:crypto';
import { describe, it } from 'vitest';
import { configForSeed, configLabel, parseConfigs } from '../../sim/campaign-configs.js';
import { fuzzRuns } from '../support/fuzz.js';
import { expectSafeAndLive } from './support/membership.js';

const blocks = 6;
const configs = parseConfigs('all');
const seeds = Array.from({ length: Math.max(1, Math.round(fuzzRuns / 100)) }, () => randomInt(0, 2 ** 32));

describe('random seeds over every membership size, Byzantine count, mode and fault profile (FUZZ_RUNS)', () => {
  it.each(seeds.map((seed) => [seed, configLabel(configForSeed(configs, seed))] as const))(
    'seed %i (%s): safe and live',
    async (seed) => expectSafeAndLive(configForSeed(configs, seed), seed, blocks),
    120_000,
  );
});
