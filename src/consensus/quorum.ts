/**
 * The quorum arithmetic, in one place: every threshold the replica, its certificates, its
 * checkpoints, view changes, NEW-VIEWs and state transfer use is derived here from n.
 *
 * n validators tolerate f = ⌊(n − 1) / 3⌋ Byzantine ones. A quorum q must satisfy
 *
 * - intersection: 2q − n ≥ f + 1 — any two quorums share at least f + 1 members, so at least
 *   one correct member, which never votes for two blocks at one height in one view (and carries
 *   what it prepared into the next view);
 * - availability: q ≤ n − f — the correct members alone can form a quorum.
 *
 * q = ⌈(n + f + 1) / 2⌉ is the smallest q with the first property, and it has the second for
 * every n ≥ 1 (n − f ≥ (n + f + 1) / 2 ⇔ n ≥ 3f + 1, which f = ⌊(n − 1) / 3⌋ guarantees).
 * "2f + 1" is this q only when n = 3f + 1: at n = 3 it would be 1, at n = 5 and 6 it would be
 * 3, and two disjoint halves of a 6-member consortium could then each commit a block.
 *
 * | n | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 16 |
 * |---|---|---|---|---|---|---|---|---|---|----|----|
 * | f | 0 | 0 | 0 | 1 | 1 | 1 | 2 | 2 | 2 | 3  | 5  |
 * | q | 1 | 2 | 2 | 3 | 4 | 4 | 5 | 6 | 6 | 7  | 11 |
 *
 * This module imports nothing, so every layer that checks a certificate (the store's chain
 * check, the verifier, the ledger's certificate helpers) uses the same numbers as consensus.
 */

/** Faults tolerated by `n` validators: f = ⌊(n − 1) / 3⌋. */
export function faultsTolerated(n: number): number {
  requireMembership(n);
  return Math.floor((n - 1) / 3);
}

/** Votes that make a quorum of `n` validators: q = ⌈(n + f + 1) / 2⌉ (see the module header). */
export function quorumSize(n: number): number {
  return Math.ceil((n + faultsTolerated(n) + 1) / 2);
}

/**
 * Members whose word is enough to believe a claim about a correct member's state: f + 1,
 * so at least one of them is correct (joining a view change, trusting a peer's height).
 */
export function correctWitnesses(n: number): number {
  return faultsTolerated(n) + 1;
}

/** The quorum arithmetic of `n` validators, as the replica holds it. */
export interface QuorumRule {
  /** Validators. */
  readonly size: number;
  /** f: Byzantine members tolerated. */
  readonly faults: number;
  /** q: votes that make a quorum (COMMITs for a certificate, CHECKPOINTs for a stable one, VIEW-CHANGEs for a NEW-VIEW). */
  readonly quorum: number;
  /** PREPAREs from backups that, with the primary's PRE-PREPARE, prepare a block: q − 1 (the primary counts as one of q). */
  readonly preparesNeeded: number;
  /** f + 1: enough members that one is correct. */
  readonly witnesses: number;
}

/** The rule for `n` validators. */
export function quorumRule(n: number): QuorumRule {
  const faults = faultsTolerated(n);
  const quorum = quorumSize(n);
  return { size: n, faults, quorum, preparesNeeded: quorum - 1, witnesses: faults + 1 };
}

/**
 * The key of a replica option that restores the unsafe "2f + 1" quorum. It exists only as a
 * negative control: tests turn it on to show that the `split` adversary forks a consortium of
 * 5 or 6 members under that rule, and that the same seeds hold under `quorumRule`. Nothing in
 * the package sets it; `src/consensus/testing.ts` (not published) does.
 */
export const unsafeQuorumOption: unique symbol = Symbol.for('consortium-ledger.unsafe-2f+1-quorum');

/** The unsafe rule (see `unsafeQuorumOption`): q = 2f + 1 whatever n is. */
export function unsafeTwoFPlusOneRule(n: number): QuorumRule {
  const faults = faultsTolerated(n);
  const quorum = 2 * faults + 1;
  return { size: n, faults, quorum, preparesNeeded: 2 * faults, witnesses: faults + 1 };
}

function requireMembership(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`quorum: expected a validator count ≥ 1, got ${n}`);
}
