/**
 * State transfer: a replica that falls behind fetches committed blocks with their commit
 * certificates from a peer, and never trusts a block without its certificate. This module
 * holds the pure checks of a STATE-RESPONSE (which prefix of its blocks links on to the
 * committed tip, and the certificate signatures that must verify), the choice of blocks a
 * replica serves for a STATE-REQUEST, and `PeerHeights`: how far peers have shown they got, and the one fetch in
 * flight.
 */
import { bytesEqual } from '../bytes.js';
import type { StateResponseMessage } from '../codec/consensus.js';
import type { Ed25519BatchItem } from '../crypto/ed25519.js';
import { stateResponseBlocksMax, stateResponseBytesMax } from '../limits.js';
import type { Members } from './members.js';
import { carriesCertificate, certificateClaims, type ProposalParts, readProposal } from './proposal.js';

/** A block from a STATE-RESPONSE whose link and certificate hold (signatures aside). */
export interface CertifiedBlock {
  readonly block: Uint8Array;
  readonly parts: ProposalParts;
  readonly certificate: Uint8Array;
  /** The view its certificate was signed in. */
  readonly view: number;
  /** How many of the response's signature items are this block's (they follow the previous block's). */
  readonly signatures: number;
}

/** What a STATE-RESPONSE offers above the committed tip. */
export interface StateResponseCheck {
  /** Blocks at consecutive heights from the tip's height + 1, each linking to the one before. */
  readonly accepted: readonly CertifiedBlock[];
  /** Their certificates' signatures, in block order. */
  readonly items: readonly Ed25519BatchItem[];
  /** Whether a block after the accepted ones failed to link or carried an unusable certificate. */
  readonly bad: boolean;
}

/**
 * Checks a STATE-RESPONSE's blocks against the committed tip: blocks at or below the tip are
 * skipped, then each must be the next height, link to the block before it and carry a
 * certificate for itself signed by a quorum of members. Stops at the first that does not.
 */
export function checkStateResponse(
  entries: StateResponseMessage['entries'],
  tip: { readonly height: number; readonly blockHash: Uint8Array },
  members: Members,
  chainId: string,
): StateResponseCheck {
  const accepted: CertifiedBlock[] = [];
  const items: Ed25519BatchItem[] = [];
  let previousHash = tip.blockHash;
  let height = tip.height + 1;
  let bad = false;
  for (const entry of entries) {
    const parts = readProposal(entry.block);
    if (parts === undefined) {
      bad = true; // not a block: the peer is lying or broken
      break;
    }
    if (parts.header.height < height) continue; // already held
    if (
      parts.header.height !== height ||
      !bytesEqual(parts.header.previousHash, previousHash) ||
      !carriesCertificate(parts)
    ) {
      bad = true;
      break;
    }
    const claims = certificateClaims(entry.certificate, chainId, members, height, parts.hash);
    if (typeof claims === 'string') {
      bad = true;
      break;
    }
    items.push(...claims.items);
    accepted.push({
      block: entry.block,
      parts,
      certificate: entry.certificate,
      view: claims.certificate.view,
      signatures: claims.items.length,
    });
    previousHash = parts.hash;
    height++;
  }
  return { accepted, items, bad };
}

/** How many of the accepted blocks, from the first, have every signature verified (`verdicts` in item order). */
export function verifiedPrefix(accepted: readonly CertifiedBlock[], verdicts: readonly boolean[]): number {
  let at = 0;
  let count = 0;
  for (const entry of accepted) {
    const valid = verdicts.slice(at, at + entry.signatures).every((ok) => ok);
    at += entry.signatures;
    if (!valid) break;
    count++;
  }
  return count;
}

/** How many blocks to serve for a STATE-REQUEST from `fromHeight` on a replica at `committedHeight`, or undefined when it holds none of them. */
export function servedCount(fromHeight: number, countMax: number, committedHeight: number): number | undefined {
  if (fromHeight < 1 || fromHeight > committedHeight) return undefined;
  return Math.min(countMax, stateResponseBlocksMax, committedHeight - fromHeight + 1);
}

/** The blocks a STATE-RESPONSE carries: from the first, at most `limits.stateResponseBlocksMax` and `limits.stateResponseBytesMax` bytes (but at least one). */
export function chooseServed<E extends { readonly block: Uint8Array }>(entries: readonly E[]): E[] {
  const chosen: E[] = [];
  let bytes = 0;
  for (const entry of entries.slice(0, stateResponseBlocksMax)) {
    bytes += entry.block.length;
    if (chosen.length > 0 && bytes > stateResponseBytesMax) break;
    chosen.push(entry);
  }
  return chosen;
}

/** The heights peers have shown (from their verified messages) and the fetch in flight. */
export class PeerHeights {
  readonly #me: number;
  readonly #size: number;
  readonly #witnesses: number;
  /** Highest height each peer has shown (by index). */
  readonly #heights = new Map<number, number>();
  #fetch: { peer: number; ticks: number } | undefined;
  #lastFetchPeer = -1;

  /** For member `me` of `size` members, `witnesses` (f + 1) of whom include a correct one. */
  constructor(me: number, size: number, witnesses: number) {
    this.#me = me;
    this.#size = size;
    this.#witnesses = witnesses;
  }

  /** Whether a fetch is in flight. */
  get fetching(): boolean {
    return this.#fetch !== undefined;
  }

  /** Notes that member `peer` has shown it reached `height`. */
  saw(peer: number, height: number): void {
    if (height > (this.#heights.get(peer) ?? 0)) this.#heights.set(peer, height);
  }

  /** The (f + 1)-th highest height peers have shown: at least one correct peer has it. */
  knownHeight(): number {
    const heights = [...this.#heights.values()].sort((a, b) => b - a);
    return heights[this.#witnesses - 1] ?? 0;
  }

  /** One unit of time: a fetch unanswered for `timeoutTicks` is given up. */
  tick(timeoutTicks: number): void {
    if (this.#fetch !== undefined && ++this.#fetch.ticks >= timeoutTicks) this.#fetch = undefined;
  }

  /** Gives up the fetch in flight. */
  cancel(): void {
    this.#fetch = undefined;
  }

  /** Member `peer` answered: the fetch is over if it was the one asked. */
  answered(peer: number): void {
    if (this.#fetch !== undefined && peer === this.#fetch.peer) this.#fetch = undefined;
  }

  /**
   * Starts a fetch when f + 1 peers (so at least one correct one) have shown blocks two or
   * more above `committedHeight`, or one above it and the replica is stuck there (a stable
   * checkpoint `pendingSequence` is above it, or no block committed for a while: `stalled`).
   * Returns the peer to ask (the next one round robin that has shown a higher block), or
   * undefined when no fetch starts.
   *
   * With `probe`, a replica that has no such evidence asks the next peer round robin anyway
   * (the replica sets it while it waits alone for a view change: the others, in the view it
   * left, commit blocks whose messages it drops, and once they fall idle nothing shows it
   * their height). A probe costs one STATE-REQUEST per `tick` timeout, and what comes back
   * is checked like any answer: a block is taken only with its quorum's certificate.
   */
  startFetch(
    committedHeight: number,
    pendingSequence: number | undefined,
    stalled: boolean,
    probe = false,
  ): number | undefined {
    if (this.#fetch !== undefined) return undefined;
    const known = this.knownHeight();
    const target = Math.max(known, pendingSequence ?? 0);
    // Two blocks behind, or one behind with no commit for a while (its COMMITs were lost).
    const behind =
      target >= committedHeight + 2 || (target > committedHeight && (pendingSequence !== undefined || stalled));
    if (!behind && !probe) return undefined;
    const size = this.#size;
    for (let step = 1; step <= size; step++) {
      const peer = (this.#lastFetchPeer + step + size) % size;
      if (peer === this.#me || (behind && (this.#heights.get(peer) ?? 0) <= committedHeight)) continue;
      this.#lastFetchPeer = peer;
      this.#fetch = { peer, ticks: 0 };
      return peer;
    }
    return undefined;
  }
}
