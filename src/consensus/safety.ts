/**
 * What a replica has promised and must keep across a crash: the vote it signed at each
 * sequence number (a PRE-PREPARE or PREPARE for one digest in one view) and the prepared
 * certificates it will carry into a VIEW-CHANGE. Every change returns the `persist` effect
 * the driver must carry out before the message that depends on it is sent.
 */
import { bytesEqual } from '../bytes.js';
import type { PreparedCertificate } from '../codec/consensus.js';
import type { PersistEffect } from './effects.js';
import {
  encodePreparedRecord,
  encodeVoteRecord,
  preparedRecordKey,
  type SignedVote,
  voteRecordKey,
} from './persistence.js';

/** A prepared certificate as a VIEW-CHANGE carries it: encoded messages. */
export interface PreparedProof {
  readonly prePrepare: Uint8Array;
  readonly prepares: Uint8Array[];
}

/** The votes and prepared certificates a replica holds (restored from its records at start). */
export class SafetyRecords {
  readonly #prepared: Map<number, PreparedCertificate>;
  readonly #votes: Map<number, SignedVote>;

  /** Over the maps restored from the records (kept, not copied). */
  constructor(prepared: Map<number, PreparedCertificate>, votes: Map<number, SignedVote>) {
    this.#prepared = prepared;
    this.#votes = votes;
  }

  /** Prepared certificates held. */
  get preparedCount(): number {
    return this.#prepared.size;
  }

  /** Whether signing a vote for `digest` at `sequence` in `view` keeps every promise already persisted. */
  mayVote(sequence: number, view: number, digest: Uint8Array): boolean {
    const vote = this.#votes.get(sequence);
    return vote === undefined || vote.view !== view || bytesEqual(vote.digest, digest);
  }

  /** Records a vote for `digest` at `sequence` in `view`. */
  recordVote(sequence: number, view: number, digest: Uint8Array): PersistEffect {
    const vote = { view, digest };
    this.#votes.set(sequence, vote);
    return { kind: 'persist', key: voteRecordKey(sequence), value: encodeVoteRecord(vote) };
  }

  /** Records that the certificate's block prepared at `sequence`. */
  recordPrepared(sequence: number, certificate: PreparedCertificate): PersistEffect {
    this.#prepared.set(sequence, certificate);
    return { kind: 'persist', key: preparedRecordKey(sequence), value: encodePreparedRecord(certificate) };
  }

  /** Forgets certificates, then votes, at or below the stable checkpoint `low` (their records deleted). */
  forgetTo(low: number): PersistEffect[] {
    const out: PersistEffect[] = [];
    for (const sequence of [...this.#prepared.keys()]) {
      if (sequence <= low) {
        this.#prepared.delete(sequence);
        out.push({ kind: 'persist', key: preparedRecordKey(sequence), value: null });
      }
    }
    for (const sequence of [...this.#votes.keys()]) {
      if (sequence <= low) {
        this.#votes.delete(sequence);
        out.push({ kind: 'persist', key: voteRecordKey(sequence), value: null });
      }
    }
    return out;
  }

  /**
   * The certificates a VIEW-CHANGE to `view` carries: those prepared in an earlier view above
   * the stable checkpoint `low` and within the watermark window, by ascending sequence number.
   */
  forViewChange(low: number, watermarkWindow: number, view: number): PreparedProof[] {
    return [...this.#prepared.values()]
      .filter((certificate) => {
        const sequence = certificate.prePrepare.sequence;
        return sequence > low && sequence <= low + watermarkWindow && certificate.prePrepare.view < view;
      })
      .sort((a, b) => a.prePrepare.sequence - b.prePrepare.sequence)
      .map((certificate) => ({
        prePrepare: certificate.prePrepare.bytes,
        prepares: certificate.prepares.map((prepare) => prepare.bytes),
      }));
  }
}
