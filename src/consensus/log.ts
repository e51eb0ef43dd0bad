/**
 * The replica's log: one entry per sequence number (block height) between the watermarks, for
 * the current view, with the PRE-PREPARE, the PREPAREs and COMMITs collected for it and the
 * quorum rules over them. With 2f PREPAREs matching the PRE-PREPARE an entry is prepared;
 * with 2f + 1 matching COMMITs it commits and those COMMITs' signatures are its certificate.
 * Every entry a peer can add lies between the watermarks, so the log is bounded.
 */
import { bytesEqual } from '../bytes.js';
import { compareKeys, encodeCertificate } from '../codec/certificate.js';
import type { CommitMessage, PrePrepareMessage, PreparedCertificate, PrepareMessage } from '../codec/consensus.js';
import { type ProposalParts, readProposal } from './proposal.js';

/** One sequence number's progress in the current view. */
export interface Entry {
  readonly sequence: number;
  prePrepare?: PrePrepareMessage;
  parts?: ProposalParts;
  validation: 'none' | 'pending' | 'ok' | 'bad';
  readonly prepares: Map<number, PrepareMessage>;
  readonly commits: Map<number, CommitMessage>;
  /** Messages this replica sent for the entry, re-sent while it is unfinished. */
  readonly sent: Uint8Array[];
  sentCommit: boolean;
}

/** Entries by sequence number. */
export class Log {
  readonly #entries = new Map<number, Entry>();

  /** Entries held. */
  get size(): number {
    return this.#entries.size;
  }

  /** The entry at `sequence`, if held. */
  get(sequence: number): Entry | undefined {
    return this.#entries.get(sequence);
  }

  /** Whether an entry is held at `sequence`. */
  has(sequence: number): boolean {
    return this.#entries.has(sequence);
  }

  /** The entry at `sequence`, created empty when not held. */
  entry(sequence: number): Entry {
    let entry = this.#entries.get(sequence);
    if (entry === undefined) {
      entry = { sequence, validation: 'none', prepares: new Map(), commits: new Map(), sent: [], sentCommit: false };
      this.#entries.set(sequence, entry);
    }
    return entry;
  }

  /** Holds a PREPARE from member `sender`: its entry, or undefined when that member's PREPARE is already held. */
  holdPrepare(sender: number, message: PrepareMessage): Entry | undefined {
    const entry = this.entry(message.sequence);
    if (entry.prepares.has(sender)) return undefined;
    entry.prepares.set(sender, message);
    return entry;
  }

  /** Holds a COMMIT from member `sender`: its entry, or undefined when that member's COMMIT is already held. */
  holdCommit(sender: number, message: CommitMessage): Entry | undefined {
    const entry = this.entry(message.sequence);
    if (entry.commits.has(sender)) return undefined;
    entry.commits.set(sender, message);
    return entry;
  }

  /**
   * Installs the PRE-PREPAREs a NEW-VIEW re-proposes above the stable checkpoint `low`; when
   * `resend`, this replica sent them (it is the new primary) and re-sends them with the rest.
   */
  installPrePrepares(prePrepares: readonly PrePrepareMessage[], low: number, resend: boolean): void {
    for (const prePrepare of prePrepares) {
      if (prePrepare.sequence <= low) continue;
      const entry = this.entry(prePrepare.sequence);
      entry.prePrepare = prePrepare;
      entry.parts = readProposal(prePrepare.block);
      if (resend) entry.sent.push(prePrepare.bytes);
    }
  }

  /** Forgets the entry at `sequence`. */
  delete(sequence: number): void {
    this.#entries.delete(sequence);
  }

  /** Forgets every entry (a new view starts with an empty log). */
  clear(): void {
    this.#entries.clear();
  }

  /** Forgets the entries at or below the low watermark `low`. */
  forgetTo(low: number): void {
    for (const sequence of [...this.#entries.keys()]) if (sequence <= low) this.#entries.delete(sequence);
  }

  /** Every entry, by ascending sequence number. */
  inOrder(): Entry[] {
    return [...this.#entries.values()].sort((a, b) => a.sequence - b.sequence);
  }

  /** Whether a proposal above `committedHeight` is held (it is waiting to commit). */
  hasProposalAbove(committedHeight: number): boolean {
    for (const entry of this.#entries.values()) {
      if (entry.prePrepare !== undefined && entry.sequence > committedHeight) return true;
    }
    return false;
  }

  /** The messages to re-send: those sent for entries at or above `committedHeight`, in the order entries were added. */
  toResend(committedHeight: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const entry of this.#entries.values()) {
      if (entry.sequence <= committedHeight && entry.sequence !== committedHeight) continue;
      out.push(...entry.sent);
    }
    return out;
  }
}

/** The held messages that name `digest`. */
export function matching<M extends { digest: Uint8Array }>(held: Map<number, M>, digest: Uint8Array): M[] {
  const out: M[] = [];
  for (const message of held.values()) if (bytesEqual(message.digest, digest)) out.push(message);
  return out;
}

/**
 * The prepared certificate of a validated entry that has not sent its COMMIT yet (the
 * PRE-PREPARE and the first q − 1 matching PREPAREs from backups: with the primary, a quorum
 * vouches for the digest, so no other digest can be prepared at this sequence in this view —
 * two quorums share a correct member), or undefined while fewer match.
 */
export function preparedCertificate(entry: Entry, preparesNeeded: number): PreparedCertificate | undefined {
  const prePrepare = entry.prePrepare;
  if (prePrepare === undefined || entry.validation !== 'ok' || entry.sentCommit) return undefined;
  const prepares = matching(entry.prepares, prePrepare.digest);
  if (prepares.length < preparesNeeded) return undefined;
  return { prePrepare, prepares: prepares.slice(0, preparesNeeded) };
}

/**
 * The encoded commit certificate of a validated entry in `view` (its matching COMMITs'
 * signatures, keys ascending), or undefined while fewer than `quorum` COMMITs match.
 */
export function commitCertificate(entry: Entry, view: number, quorum: number): Uint8Array | undefined {
  const prePrepare = entry.prePrepare;
  if (prePrepare === undefined || entry.validation !== 'ok') return undefined;
  const commits = matching(entry.commits, prePrepare.digest);
  if (commits.length < quorum) return undefined;
  const signatures = commits
    .map((commit) => ({ publicKey: commit.sender, signature: commit.signature }))
    .sort((a, b) => compareKeys(a.publicKey, b.publicKey));
  return encodeCertificate({ height: entry.sequence, blockHash: prePrepare.digest, view, signatures });
}

/** The high watermark: a window above the stable checkpoint, or above the last checkpoint height committed. */
export function highWatermark(
  committedHeight: number,
  stableSequence: number,
  options: { readonly checkpointInterval: number; readonly watermarkWindow: number },
): number {
  const floor = committedHeight - (committedHeight % options.checkpointInterval);
  return Math.max(stableSequence, floor) + options.watermarkWindow;
}
