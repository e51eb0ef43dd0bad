/**
 * The configurations of a simulation campaign (campaign.ts) and of the suite's membership
 * sweep (test/sim/membership-*.test.ts).
 *
 * A configuration is (validators n, Byzantine members b, mode, fault profile). `--configs`
 * takes a preset or a comma-separated list of specs `N:B:MODE:FAULTS`, each field a value or
 * `*`: N a size or `A..B` (`*`: every size in {@link campaignSizes}, 1..10 and 16); B a count,
 * `A..B` or `f` (`*`: 0..f, f = ⌊(n − 1) / 3⌋); MODE one of `byzantineModes` (`*`: every mode,
 * `mixed` included); FAULTS `none`, `light` or `swarm` (`*`: all three). With b = 0 the mode
 * does nothing, so it is `silent` and listed once. Presets: `all` = `*:*:*:*` (the default),
 * `max` = `*:f:*:*` (as many Byzantine members as the size tolerates), `honest` = `*:0:*:*`.
 * A B above f is allowed (a negative control; safety may then fail).
 *
 * Which seed runs which configuration: seed s runs configuration s mod C, C being the number of
 * configurations, in the list's order. The mapping depends on the seed alone — not on the
 * range, the shard or the number of jobs — so `--seeds 5..5` replays exactly what seed 5 ran in
 * a campaign over 1..10000 with the same `--configs`. Adding a mode to `byzantineModes` changes
 * C, and so the mapping; every failure prints its own `sim` replay command, which does not.
 */
import { InvalidArgumentError } from 'commander';
import { compareKeys } from '../src/codec/certificate.js';
import { faultsTolerated } from '../src/consensus/quorum.js';
import { type ByzantineMode, byzantineModes } from './byzantine.js';
import { simConsortium } from './consortium.js';
import type { FaultProfile } from './simulation.js';

/** One configuration of a campaign. */
export interface CampaignConfig {
  readonly nodes: number;
  readonly byzantine: number;
  readonly mode: ByzantineMode;
  readonly faults: FaultProfile;
}

/** The membership sizes `*` stands for: every size up to 10, and 16. */
export const campaignSizes: readonly number[] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 16];

/** The fault profiles `*` stands for. */
export const faultProfiles: readonly FaultProfile[] = ['none', 'light', 'swarm'];

/** The presets of `--configs`. */
export const configPresets: Readonly<Record<string, string>> = { all: '*:*:*:*', max: '*:f:*:*', honest: '*:0:*:*' };

/** Largest membership a spec may name (the simulator's own limit). */
const nodesMax = 256;

function parseSpan(field: string, what: string, max: number): number[] {
  const match = /^(\d+)(?:\.\.(\d+))?$/.exec(field);
  const low = Number(match?.[1]);
  const high = match?.[2] === undefined ? low : Number(match[2]);
  if (match === null || low > high || high > max) {
    throw new InvalidArgumentError(
      `${what} must be a number or A..B with A ≤ B ≤ ${max}, got ${JSON.stringify(field)}`,
    );
  }
  return Array.from({ length: high - low + 1 }, (_, i) => low + i);
}

/**
 * The configurations of a `--configs` value (a preset or a list of `N:B:MODE:FAULTS` specs), in
 * order and without duplicates. Throws `InvalidArgumentError` saying what was wrong.
 */
export function parseConfigs(text: string): CampaignConfig[] {
  const specs = (Object.hasOwn(configPresets, text) ? (configPresets[text] as string) : text).split(',');
  const seen = new Set<string>();
  const configs: CampaignConfig[] = [];
  for (const spec of specs) {
    const fields = spec.trim().split(':');
    const [nodesField, byzantineField, modeField, faultsField] = fields;
    if (fields.length !== 4 || nodesField === undefined || byzantineField === undefined)
      throw new InvalidArgumentError(`--configs: expected a preset or N:B:MODE:FAULTS, got ${JSON.stringify(spec)}`);
    if (modeField !== '*' && !byzantineModes.includes(modeField as ByzantineMode))
      throw new InvalidArgumentError(
        `--configs: mode must be * or one of ${byzantineModes.join(', ')}, got ${modeField}`,
      );
    if (faultsField !== '*' && !faultProfiles.includes(faultsField as FaultProfile))
      throw new InvalidArgumentError(
        `--configs: faults must be * or one of ${faultProfiles.join(', ')}, got ${faultsField}`,
      );
    const sizes = nodesField === '*' ? campaignSizes : parseSpan(nodesField, '--configs: N', nodesMax);
    if (sizes.includes(0)) throw new InvalidArgumentError('--configs: N must be at least 1');
    for (const nodes of sizes) {
      const f = faultsTolerated(nodes);
      const counts =
        byzantineField === '*'
          ? parseSpan(`0..${f}`, 'B', nodes)
          : byzantineField === 'f'
            ? [f]
            : parseSpan(byzantineField, '--configs: B', nodes);
      for (const byzantine of counts) {
        const modes =
          byzantine === 0 ? ['silent' as const] : modeField === '*' ? byzantineModes : [modeField as ByzantineMode];
        for (const mode of modes) {
          for (const faults of faultsField === '*' ? faultProfiles : [faultsField as FaultProfile]) {
            const key = configLabel({ nodes, byzantine, mode, faults });
            if (seen.has(key)) continue;
            seen.add(key);
            configs.push({ nodes, byzantine, mode, faults });
          }
        }
      }
    }
  }
  return configs;
}

/** A configuration as one short line: `n=7 b=2 split swarm` (`honest` when b = 0). */
export function configLabel(config: CampaignConfig): string {
  return `n=${config.nodes} b=${config.byzantine} ${config.byzantine === 0 ? 'honest' : config.mode} ${config.faults}`;
}

/** The configuration seed `seed` runs: configuration `seed mod C`. */
export function configForSeed(configs: readonly CampaignConfig[], seed: number): CampaignConfig {
  if (configs.length === 0) throw new RangeError('configForSeed: no configurations');
  return configs[seed % configs.length] as CampaignConfig;
}

/** Seeds {@link byzantinePrimarySeed} tries before it gives up (each succeeds with odds b / n). */
const primarySeedTriesMax = 10_000;

/**
 * The first seed from `from` on whose consortium of `nodes` the primary of view 0 is one of the
 * `byzantine` Byzantine members, so that a fixed-seed run starts with the adversary where it can
 * do the most (propose, equivocate, split, stall the first view); `from` itself when there are
 * none. It follows the simulator's choices: the last `byzantine` nodes are the Byzantine ones,
 * and primaries rotate over the validators' keys in ascending order (sim/consortium.ts).
 */
export function byzantinePrimarySeed(nodes: number, byzantine: number, from: number): number {
  if (byzantine === 0) return from;
  for (let seed = from; seed < from + primarySeedTriesMax; seed++) {
    const { members } = simConsortium(seed, nodes);
    const primaryKey = members.map((member) => member.identity.publicKey).sort(compareKeys)[0] as Uint8Array;
    const primary = members.findIndex((member) => compareKeys(member.identity.publicKey, primaryKey) === 0);
    if (primary >= nodes - byzantine) return seed;
  }
  throw new RangeError(
    `byzantinePrimarySeed: no seed in ${from}..${from + primarySeedTriesMax - 1} for n = ${nodes}, b = ${byzantine}`,
  );
}

/** One fixed-seed case of a membership sweep. */
export interface MembershipCase {
  readonly config: CampaignConfig;
  readonly seed: number;
}

/**
 * Every configuration of each size in `sizes` once — b = 0..f, every mode of `byzantineModes`
 * for b ≥ 1 — with the seed from {@link byzantinePrimarySeed} (searched from 1000 n + 100 b + 1)
 * and a fault profile taken from `profiles` in turn. The suite's fixed seeds
 * (test/sim/membership-*.test.ts).
 */
export function membershipCases(sizes: readonly number[], profiles: readonly FaultProfile[]): MembershipCase[] {
  const configs = sizes.flatMap((nodes) => parseConfigs(`${nodes}:*:*:none`));
  return configs.map((config, i) => ({
    config: { ...config, faults: profiles[i % profiles.length] as FaultProfile },
    seed: byzantinePrimarySeed(config.nodes, config.byzantine, 1000 * config.nodes + 100 * config.byzantine + 1),
  }));
}
