/**
 * What a replica counts about itself: the messages it received, the signatures it verified,
 * the messages it dropped (each under a named reason), view changes and commits. The simulator
 * and the node report these; nothing in the protocol reads them.
 */

/** Why a replica dropped a message (counted in `stats.dropped`). */
export type DropReason =
  | 'oversized'
  | 'malformed'
  | 'non-member'
  | 'own-key'
  | 'bad-signature'
  | 'stale-view'
  | 'future-view'
  | 'view-too-far'
  | 'view-changing'
  | 'stale-sequence'
  | 'beyond-watermark'
  | 'not-primary'
  | 'duplicate'
  | 'equivocation'
  | 'bad-digest'
  | 'conflicts-own-vote'
  | 'bad-proposal'
  | 'invalid-proposal'
  | 'timestamp-ahead'
  | 'timestamp-before-parent'
  | 'bad-view-change'
  | 'bad-new-view'
  | 'bad-checkpoint'
  | 'bad-request'
  | 'replayed-request'
  | 'pool-full'
  | 'rate-limited'
  | 'unsolicited'
  | 'bad-state-response';

/**
 * Why the driver refused a proposed block (`Replica.validated(…, false, reason)`): the
 * application refused it (`'invalid-proposal'`: malformed, or its roots do not match its
 * execution), its timestamp is further ahead of the validating node's clock than the
 * tolerance allows (`'timestamp-ahead'`), or older than its parent block's
 * (`'timestamp-before-parent'`). The replica cannot judge time itself: it reads no clock.
 */
export type ProposalRefusal = Extract<DropReason, 'invalid-proposal' | 'timestamp-ahead' | 'timestamp-before-parent'>;

/** Counters a replica keeps (the simulator and the node report them). */
export interface ReplicaStats {
  /** Messages handed to `step`/`stepMany`. */
  received: number;
  /** Signatures verified (messages and nested messages). */
  signaturesVerified: number;
  /** Dropped messages by reason. */
  dropped: Partial<Record<DropReason, number>>;
  /** View changes this replica started. */
  viewChangesStarted: number;
  /** Blocks committed through consensus. */
  committedByConsensus: number;
  /** Blocks committed from state transfer. */
  committedByStateTransfer: number;
}

/** Counters all at zero. */
export function emptyStats(): ReplicaStats {
  return {
    received: 0,
    signaturesVerified: 0,
    dropped: {},
    viewChangesStarted: 0,
    committedByConsensus: 0,
    committedByStateTransfer: 0,
  };
}

/** Counts one dropped message under `reason`. */
export function countDrop(stats: ReplicaStats, reason: DropReason): void {
  stats.dropped[reason] = (stats.dropped[reason] ?? 0) + 1;
}
