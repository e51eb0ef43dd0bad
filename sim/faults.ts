/**
 * Fault profiles: what the network does to traffic in a run, and how often the chaos
 * scheduler strikes (crashes, pauses, partitions, deafened nodes, clogged links, isolation).
 * The profile's own draws (swarm's loss rate) come from the run's fault stream.
 */
import type { Prng } from '../src/prng.js';
import type { NetworkProfile } from './network.js';

/** Fault profiles. */
export type FaultProfile = 'none' | 'light' | 'swarm';

/** A profile's network behaviour and its chaos period (0: no chaos). */
export type FaultSettings = NetworkProfile & { readonly chaosEveryMs: number };

/** The settings of each profile. */
export const faultProfiles: Record<FaultProfile, (prng: Prng) => FaultSettings> = {
  none: () => ({
    latencyMinMs: [1, 3],
    latencyMeanMs: [3, 10],
    lossRate: 0,
    duplicateRate: 0,
    replayRate: 0,
    chaosEveryMs: 0,
  }),
  light: () => ({
    latencyMinMs: [1, 5],
    latencyMeanMs: [5, 20],
    lossRate: 0.02,
    duplicateRate: 0.01,
    replayRate: 0.005,
    chaosEveryMs: 4_000,
  }),
  swarm: (prng) => ({
    latencyMinMs: [1, 10],
    latencyMeanMs: [5, 60],
    lossRate: 0.05 + 0.25 * prng.nextFloat(),
    duplicateRate: 0.05,
    replayRate: 0.02,
    chaosEveryMs: 700,
  }),
};

/** One strike of the chaos scheduler. */
export type ChaosAction =
  | { readonly kind: 'crash'; readonly node: number; readonly restartAfterMs: number; readonly atWrite?: number }
  | { readonly kind: 'pause'; readonly node: number; readonly resumeAfterMs: number }
  | { readonly kind: 'partition'; readonly groups: number[]; readonly healAfterMs: number }
  | { readonly kind: 'deafen'; readonly node: number; readonly healAfterMs: number }
  | { readonly kind: 'clog'; readonly from: number; readonly to: number; readonly forMs: number }
  | { readonly kind: 'isolate'; readonly node: number; readonly healAfterMs: number };

/**
 * The next strike, drawn from the fault stream: `honest` are the nodes it may crash or pause,
 * `downOrPaused` how many of them are down or paused already (at most max(1, f) at once, so a
 * quorum of correct members survives every strike), `endpoints` the network's endpoint count.
 * A crash lands between events, or (half the time) on one of the node's next three writes.
 */
export function drawChaos(
  prng: Prng,
  honest: readonly number[],
  downOrPaused: number,
  downMax: number,
  endpoints: number,
): ChaosAction | undefined {
  const roll = prng.below(100);
  const pick = honest[prng.below(honest.length)] as number;
  if (roll < 25) {
    if (downOrPaused >= downMax) return undefined;
    const restartAfterMs = 500 + prng.below(2_500);
    const atWrite = prng.below(2) === 0 ? undefined : prng.below(3);
    return atWrite === undefined
      ? { kind: 'crash', node: pick, restartAfterMs }
      : { kind: 'crash', node: pick, restartAfterMs, atWrite };
  }
  if (roll < 40) {
    if (downOrPaused >= downMax) return undefined;
    return { kind: 'pause', node: pick, resumeAfterMs: 300 + prng.below(1_500) };
  }
  if (roll < 60) {
    const groups = Array.from({ length: endpoints }, () => prng.below(2));
    return { kind: 'partition', groups, healAfterMs: 500 + prng.below(2_000) };
  }
  if (roll < 70) return { kind: 'deafen', node: pick, healAfterMs: 500 + prng.below(2_000) };
  if (roll < 85) {
    const from = prng.below(endpoints);
    const to = prng.below(endpoints);
    return { kind: 'clog', from, to, forMs: 200 + prng.below(2_000) };
  }
  return { kind: 'isolate', node: pick, healAfterMs: 500 + prng.below(2_000) };
}
