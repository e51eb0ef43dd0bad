/**
 * Every membership size under test (sizes 1 to 9 here; 10 and 16 in membership-10-and-16,
 * random seeds over every size in membership-random): each size with 0..f Byzantine members in
 * every mode of `byzantineModes`, on a fixed seed whose view-0 primary is Byzantine (the
 * adversary starts where it can do the most), the fault profiles none, light and swarm in
 * turn. Each run must keep safety and pass the liveness phase. The quorum bug lived at n = 3,
 * 5 and 6 while the tests ran 4, 7 and 16.
 */
import { describe, it } from 'vitest';
import { configLabel, faultProfiles, membershipCases } from '../../sim/campaign-configs.js';
import { expectSafeAndLive } from './support/membership.js';

/** Blocks of each safety phase: small, so the whole sweep stays within its minute or two. */
const blocks = 6;
const cases = membershipCases([1, 2, 3, 4, 5, 6, 7, 8, 9], faultProfiles);

describe('every membership size from 1 to 9, every Byzantine count up to f, every mode', () => {
  it.each(cases.map((c) => [configLabel(c.config), c.seed, c] as const))(
    '%s, seed %i: safe and live',
    async (_label, seed, { config }) => expectSafeAndLive(config, seed, blocks),
    120_000,
  );
});
